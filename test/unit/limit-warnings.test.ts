/**
 * Settings past a limit the broker documents are said before the run starts (issue 30, item 5):
 * each plug-in's limitWarnings through the plan, as `bench run` makes it (pure: nothing connects).
 */
import { describe, expect, test } from 'vitest';
import { plugins } from '../../src/drivers/index.js';
import { planRun } from '../../src/plan/index.js';

const warningsOf = (options: Record<string, string>): string[] => planRun(options).warnings ?? [];

describe('MQTT: the window against Mosquitto max_queued_messages', () => {
  test('an at-least-once closed loop at or above 1,000 in flight: one line naming the setting, the limit and its source', () => {
    const [line, ...rest] = warningsOf({ broker: 'mqtt', scenario: 'ack', inflight: '5000' });
    expect(rest).toEqual([]);
    expect(line).toMatch(/^--inflight 5000 is at or above Mosquitto's max_queued_messages \(default 1000 .*mosquitto\.conf\(5\)\)/);
    expect(line).toContain('keep --inflight below 1000');
    expect(warningsOf({ broker: 'mqtt', scenario: 'ack', inflight: '1000' })).toHaveLength(1);
    expect(warningsOf({ broker: 'mqtt', scenario: 'fanout', delivery: 'ack', inflight: '2000' })).toHaveLength(1);
  });

  test('below the limit, at QoS 0, or in an open loop (the window is not the queue there): nothing', () => {
    expect(warningsOf({ broker: 'mqtt', scenario: 'ack' })).toEqual([]);
    expect(warningsOf({ broker: 'mqtt', scenario: 'ack', inflight: '999' })).toEqual([]);
    expect(warningsOf({ broker: 'mqtt', scenario: 'noack', inflight: '5000' })).toEqual([]);
    expect(warningsOf({ broker: 'mqtt', scenario: 'ack', inflight: '5000', rate: '1000' })).toEqual([]);
  });
});

describe('NATS: the window against JetStream max ack pending', () => {
  test('an ack closed loop above --nats-max-ack-pending: one line naming both and the docs', () => {
    const [line, ...rest] = warningsOf({ broker: 'nats', scenario: 'ack', inflight: '5000' });
    expect(rest).toEqual([]);
    expect(line).toMatch(/^--inflight 5000 is above JetStream's max ack pending \(--nats-max-ack-pending 1000; docs\.nats\.io, JetStream consumers, MaxAckPending\)/);
    expect(warningsOf({ broker: 'nats', scenario: 'ack', inflight: '3000', 'nats-max-ack-pending': '2000' })[0]).toContain('--inflight 3000 is above');
  });

  test('within the limit (each partition has its own consumer), core NATS, or an open loop: nothing', () => {
    expect(warningsOf({ broker: 'nats', scenario: 'ack' })).toEqual([]);
    expect(warningsOf({ broker: 'nats', scenario: 'ack', inflight: '5000', 'nats-max-ack-pending': '5000' })).toEqual([]);
    expect(warningsOf({ broker: 'nats', scenario: 'partitioned', delivery: 'ack', partitions: '4', inflight: '4000' })).toEqual([]);
    expect(warningsOf({ broker: 'nats', scenario: 'partitioned', delivery: 'ack', partitions: '4', inflight: '4001' })[0]).toContain("x 4 partitions' consumers");
    expect(warningsOf({ broker: 'nats', scenario: 'noack', inflight: '5000' })).toEqual([]);
    expect(warningsOf({ broker: 'nats', scenario: 'ack', inflight: '5000', rate: '1000' })).toEqual([]);
  });
});

describe("NATS: the message size against nats-server's max_payload", () => {
  test('a message over 1 MiB: one line naming --size, max_payload and the docs, in either delivery; 1 MiB itself: nothing', () => {
    for (const scenario of ['noack', 'ack']) {
      const [line, ...rest] = warningsOf({ broker: 'nats', scenario, size: '2MB' });
      expect(rest).toEqual([]);
      expect(line).toMatch(/^--size 2000000 is above nats-server's default max_payload \(1048576 bytes; docs\.nats\.io, server configuration\)/);
    }
    expect(warningsOf({ broker: 'nats', scenario: 'noack', size: '1MiB' })).toEqual([]);
    expect(warningsOf({ broker: 'nats', scenario: 'ack', size: '2MB', inflight: '5000' })).toHaveLength(2);
  });
});

describe("Kafka: --batch-bytes against the broker's default message.max.bytes", () => {
  test('above it: one line (a broker configured for more takes it); at or below: nothing', () => {
    const [line, ...rest] = warningsOf({ broker: 'kafka', scenario: 'ack', 'batch-bytes': '4MiB' });
    expect(rest).toEqual([]);
    expect(line).toMatch(/^--batch-bytes 4194304 is above Kafka's default message\.max\.bytes \(1048588 bytes per record batch; Kafka broker configs\)/);
    expect(warningsOf({ broker: 'kafka', scenario: 'ack', 'batch-bytes': '1048588' })).toEqual([]);
    expect(warningsOf({ broker: 'kafka', scenario: 'noack', 'batch-bytes': '1MiB' })).toEqual([]);
  });
});

test("every plug-in's defaults stay within the limits it knows: no warning at defaults", () => {
  for (const plugin of plugins) {
    for (const scenario of ['noack', 'ack']) if (scenario in plugin.mapping) expect(warningsOf({ broker: plugin.name, scenario }), plugin.name).toEqual([]);
  }
});
