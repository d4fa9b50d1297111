/** `bench report --format omb`: a run as OpenMessaging Benchmark's TestResult JSON, its keys, types and units. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import { javaDoubleKey, periodRates, toOmbResult } from '../../src/report/omb.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { LatencySummary, RunResult, TimelinePoint } from '../../src/results/types.js';

/**
 * The public fields of OMB's TestResult, in declaration order, with their Java types: copied from
 * openmessaging/benchmark, benchmark-framework/src/main/java/io/openmessaging/benchmark/TestResult.java
 * at commit 85599891321cafa2fb7065a63f009b4bb5374288 (the file last changed in d5141e1d2ba234f2bab8426cfe9419d53bca0cce).
 * Jackson writes exactly these (the getters getTopics, getPartitions and getMessageSize name fields already here).
 */
const testResultFields: [string, string][] = [
  ['workload', 'String'],
  ['driver', 'String'],
  ['messageSize', 'long'],
  ['topics', 'int'],
  ['partitions', 'int'],
  ['producersPerTopic', 'int'],
  ['consumersPerTopic', 'int'],
  ['publishRate', 'List<Double>'],
  ['publishErrorRate', 'List<Double>'],
  ['consumeRate', 'List<Double>'],
  ['backlog', 'List<Long>'],
  ['publishLatencyAvg', 'List<Double>'],
  ['publishLatency50pct', 'List<Double>'],
  ['publishLatency75pct', 'List<Double>'],
  ['publishLatency95pct', 'List<Double>'],
  ['publishLatency99pct', 'List<Double>'],
  ['publishLatency999pct', 'List<Double>'],
  ['publishLatency9999pct', 'List<Double>'],
  ['publishLatencyMax', 'List<Double>'],
  ['publishDelayLatencyAvg', 'List<Double>'],
  ['publishDelayLatency50pct', 'List<Long>'],
  ['publishDelayLatency75pct', 'List<Long>'],
  ['publishDelayLatency95pct', 'List<Long>'],
  ['publishDelayLatency99pct', 'List<Long>'],
  ['publishDelayLatency999pct', 'List<Long>'],
  ['publishDelayLatency9999pct', 'List<Long>'],
  ['publishDelayLatencyMax', 'List<Long>'],
  ['aggregatedPublishLatencyAvg', 'double'],
  ['aggregatedPublishLatency50pct', 'double'],
  ['aggregatedPublishLatency75pct', 'double'],
  ['aggregatedPublishLatency95pct', 'double'],
  ['aggregatedPublishLatency99pct', 'double'],
  ['aggregatedPublishLatency999pct', 'double'],
  ['aggregatedPublishLatency9999pct', 'double'],
  ['aggregatedPublishLatencyMax', 'double'],
  ['aggregatedPublishDelayLatencyAvg', 'double'],
  ['aggregatedPublishDelayLatency50pct', 'long'],
  ['aggregatedPublishDelayLatency75pct', 'long'],
  ['aggregatedPublishDelayLatency95pct', 'long'],
  ['aggregatedPublishDelayLatency99pct', 'long'],
  ['aggregatedPublishDelayLatency999pct', 'long'],
  ['aggregatedPublishDelayLatency9999pct', 'long'],
  ['aggregatedPublishDelayLatencyMax', 'long'],
  ['aggregatedPublishLatencyQuantiles', 'Map<Double, Double>'],
  ['aggregatedPublishDelayLatencyQuantiles', 'Map<Double, Long>'],
  ['endToEndLatencyAvg', 'List<Double>'],
  ['endToEndLatency50pct', 'List<Double>'],
  ['endToEndLatency75pct', 'List<Double>'],
  ['endToEndLatency95pct', 'List<Double>'],
  ['endToEndLatency99pct', 'List<Double>'],
  ['endToEndLatency999pct', 'List<Double>'],
  ['endToEndLatency9999pct', 'List<Double>'],
  ['endToEndLatencyMax', 'List<Double>'],
  ['aggregatedEndToEndLatencyQuantiles', 'Map<Double, Double>'],
  ['aggregatedEndToEndLatencyAvg', 'double'],
  ['aggregatedEndToEndLatency50pct', 'double'],
  ['aggregatedEndToEndLatency75pct', 'double'],
  ['aggregatedEndToEndLatency95pct', 'double'],
  ['aggregatedEndToEndLatency99pct', 'double'],
  ['aggregatedEndToEndLatency999pct', 'double'],
  ['aggregatedEndToEndLatency9999pct', 'double'],
  ['aggregatedEndToEndLatencyMax', 'double'],
];

/** Whether a JSON value is what Jackson reads into the Java type (null: a primitive Jackson reads as 0, a value mqbench did not record). */
function fitsJavaType(value: unknown, type: string): boolean {
  const isLong = (v: unknown) => Number.isInteger(v);
  const isDouble = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (type === 'String') return typeof value === 'string';
  if (type === 'int' || type === 'long') return value === null || isLong(value);
  if (type === 'double') return value === null || isDouble(value);
  if (type === 'List<Double>') return Array.isArray(value) && value.every(isDouble);
  if (type === 'List<Long>') return Array.isArray(value) && value.every(isLong);
  const map = /^Map<Double, (Double|Long)>$/.exec(type);
  if (map === null || value === null || typeof value !== 'object') return false;
  // Jackson writes a Double key with Java's Double.toString: "50.0", "99.21875"
  return Object.entries(value).every(([k, v]) => /^\d+\.\d+$/.test(k) && (map[1] === 'Long' ? isLong(v) : isDouble(v)));
}

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

/** A summary of `values` (us), each recorded `count` times. */
function latency(values: [number, number][]): LatencySummary {
  const h = createHistogram();
  for (const [value, count] of values) h.recordValueWithCount(value, count);
  const summary = summarize(h);
  h.destroy();
  return summary;
}

const second = (s: number, sent: number, received: number, coveredUs = 1_000_000): TimelinePoint => ({ second: s, sent, acked: sent, received, bytes: received * 100, p99Us: 0, coveredUs });

/** The fixture with end-to-end (actual send -> receipt) p99 1,500 us, publish p50 1,200 us, send delay p50 300 us, 25 s of timeline. */
function run(change: (r: RunResult) => void = () => undefined): RunResult {
  const r = structuredClone(fixture);
  r.latencyUs.endToEndUncorrected = latency([[1000, 98], [1500, 1], [2000, 1]]);
  r.latencyUs.endToEnd = latency([[9000, 100]]);
  r.latencyUs.publish = latency([[1200, 60], [1800, 40]]);
  r.latencyUs.sendDelay = latency([[300, 99], [1900, 1]]);
  r.timeline = Array.from({ length: 25 }, (_, s) => second(s, 1000, s < 20 ? 900 : 1400, s === 24 ? 500_000 : 1_000_000));
  change(r);
  return r;
}

describe('OMB TestResult export', () => {
  test.concurrent('the export has exactly TestResult\'s fields, in its order, each of its Java type', () => {
    const omb = toOmbResult(run()) as unknown as Record<string, unknown>;
    expect(Object.keys(omb)).toEqual(testResultFields.map(([name]) => name));
    for (const [name, type] of testResultFields) expect(fitsJavaType(omb[name], type), `${name}: ${type}, got ${JSON.stringify(omb[name])?.slice(0, 80)}`).toBe(true);
  });

  test.concurrent('units as OMB writes them: end-to-end and publish latency in ms, publish delay in us', () => {
    const omb = toOmbResult(run());
    // OMB's end-to-end is from the send's own timestamp: mqbench's uncorrected latency, not the corrected 9 ms
    expect(omb.aggregatedEndToEndLatency99pct).toBe(1.5);
    expect(omb.aggregatedEndToEndLatency50pct).toBe(1);
    expect(omb.aggregatedEndToEndLatencyMax).toBe(2);
    expect(omb.aggregatedEndToEndLatencyAvg).toBeCloseTo((98 * 1 + 1.5 + 2) / 100, 3);
    expect(omb.aggregatedPublishLatency50pct).toBe(1.2);
    expect(omb.aggregatedPublishLatency95pct).toBe(1.8);
    expect(omb.aggregatedPublishDelayLatency50pct).toBe(300);
    expect(omb.aggregatedPublishDelayLatencyMax).toBe(1900);
    expect(omb.aggregatedEndToEndLatencyQuantiles['100.0']).toBe(2);
    expect(omb.aggregatedEndToEndLatencyQuantiles['0.0']).toBe(1);
    expect(omb.aggregatedPublishDelayLatencyQuantiles['50.0']).toBe(300);
    expect(omb).toMatchObject({ workload: 'ack 1000 msg/s, 100 B, 5s after 2s warmup', driver: 'RabbitMQ', messageSize: 100, topics: 1, partitions: 1, producersPerTopic: 1, consumersPerTopic: 1 });
  });

  test.concurrent('a run whose end-to-end p99 reads 2,500 us exports 2.5 ms (to HdrHistogram\'s 3 digits, as the run itself reports it)', () => {
    const r = run((x) => (x.latencyUs.endToEndUncorrected = latency([[1000, 98], [2500, 2]])));
    expect(r.latencyUs.endToEndUncorrected.p99).toBe(2501);
    expect(toOmbResult(r).aggregatedEndToEndLatency99pct).toBe(2.501);
  });

  test.concurrent('rates and backlog per 10 s period (the last one shorter), as OMB samples them', () => {
    const omb = toOmbResult(run());
    expect(omb.publishRate).toEqual([1000, 1000, 5000 / 4.5]);
    expect(omb.consumeRate).toEqual([900, 900, 7000 / 4.5]);
    // OMB: subscriptions x sent so far - received so far, at each period's end
    expect(omb.backlog).toEqual([1000, 2000, 0]);
    expect(omb.publishErrorRate).toEqual([0, 0, 0]);
    expect(periodRates(run().timeline, 2).backlog).toEqual([11_000, 22_000, 25_000]);
  });

  test.concurrent('what mqbench did not measure is left as OMB leaves it: empty lists, null, never a made-up number', () => {
    const omb = toOmbResult(
      run((r) => {
        r.latencyUs.publish = latency([]);
        r.counts.sendErrors = 3;
      }),
    );
    expect(omb.publishLatency99pct).toEqual([]);
    expect(omb.endToEndLatency99pct).toEqual([]);
    expect(omb.publishDelayLatencyAvg).toEqual([]);
    // errors are counted per run: with some, no period's share is known
    expect(omb.publishErrorRate).toEqual([]);
    expect(omb.aggregatedPublishLatency99pct).toBeNull();
    expect(omb.aggregatedPublishLatencyAvg).toBeNull();
    expect(omb.aggregatedPublishLatencyQuantiles).toEqual({});
  });

  test.concurrent('quantile keys are Java Double.toString of HdrHistogram\'s percentile steps (100 ticks per half distance), ascending', () => {
    const keys = Object.keys(toOmbResult(run()).aggregatedEndToEndLatencyQuantiles);
    expect(keys.slice(0, 4)).toEqual(['0.0', '0.5', '1.0', '1.5']);
    expect(keys).toContain('50.25');
    expect(keys.at(-1)).toBe('100.0');
    const levels = keys.map(Number);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    expect([0, 50, 99.21875, 100].map(javaDoubleKey)).toEqual(['0.0', '50.0', '99.21875', '100.0']);
  });
});
