/**
 * Defaults that never lose (issue 30, item 5): where a broker at its own defaults drops messages above
 * mqbench's closed-loop window, its plug-in lowers the default. Mosquitto queues at most 1,000 QoS 1
 * messages per subscriber: a default MQTT ack run (1,000 in flight) lost 21-249 of ~100,000.
 */
import { describe, expect, test } from 'vitest';
import { planRun } from '../../src/plan/index.js';

const inflightOf = (options: Record<string, string>): number => planRun(options).workload.inflight;

describe('the default in-flight window', () => {
  test("MQTT at-least-once: 500, below Mosquitto's max_queued_messages", () => {
    expect(inflightOf({ broker: 'mqtt', scenario: 'ack' })).toBe(500);
    expect(inflightOf({ broker: 'mqtt', scenario: 'fanout', delivery: 'ack' })).toBe(500);
  });

  test("MQTT at-most-once and every other broker keep mqbench's 1,000; a given --inflight is taken as given", () => {
    expect(inflightOf({ broker: 'mqtt', scenario: 'noack' })).toBe(1000);
    for (const broker of ['rabbit', 'kafka', 'rabbit-stream', 'nats', 'redis', 'memory']) expect(inflightOf({ broker, scenario: 'ack' })).toBe(1000);
    expect(inflightOf({ broker: 'mqtt', scenario: 'ack', inflight: '2000' })).toBe(2000);
  });
});
