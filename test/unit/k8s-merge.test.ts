import { describe, expect, test } from 'vitest';
import type { PartialMeasurement } from '../../src/engine/participant.js';
import { createHistogram, decodeHistogram, encodeHistogram, latenciesOf, summarize } from '../../src/metrics/histogram.js';
import { mergePods, unmeasuredOf } from '../../src/k8s/merge.js';
import { partialsIn, type PodPartial } from '../../src/k8s/partial.js';
import { relativeToStart } from '../../src/k8s/pod.js';
import { describeEnvironment } from '../../src/results/environment.js';
import type { Workload } from '../../src/results/types.js';
import { resultProblem } from '../../src/results/validate.js';

const workload: Workload = {
  broker: 'memory', scenario: 'noack', stream: 'noack', durationUs: 2_000_000, warmupUs: 1_000_000, drainTimeoutUs: 5_000_000,
  stallTimeoutUs: 10_000_000, messageSize: 100, rate: 'max', inflight: 100, maxOutstanding: 100, producers: 2, consumers: 2,
  partitions: 2, subscriptions: 1, messages: null, keyed: true, driver: { delivery: 'noack' },
};

const environment = describeEnvironment();

const encode = (values: readonly number[]): string => {
  const h = createHistogram();
  for (const v of values) h.recordValue(v);
  const encoded = encodeHistogram(h);
  h.destroy();
  return encoded;
};

/** Pod `index`'s partial: its producer sent `latencies.length` measured messages, all received with these latencies. */
function pod(index: number, latencies: readonly number[], extra: Partial<PodPartial> = {}): PodPartial {
  const n = latencies.length;
  const measurement: PartialMeasurement = {
    producers: [{ id: index, sent: n, acked: n, errors: 0, failedSeqs: [] }],
    consumers: [{ subscription: 0, consumer: index, received: n }],
    streams: [{ subscription: 0, producer: index, counts: { received: n, duplicated: 0, reordered: 0, receivedDespiteSendError: 0 } }],
    histograms: latenciesOf((name) => (name === 'endToEnd' || name === 'endToEndUncorrected' ? encode(latencies) : encode([]))),
    timeline: { points: [{ second: 0, sent: n, acked: n, received: n, bytes: n * 100, p99Us: 0, coveredUs: 0 }], latency: { 0: encode(latencies) } },
    receivedBytes: n * 100, foreignMessages: 0, arrivedAfterClose: 0, lateness: { lateSends: 0, heldByCap: 0 },
    lastReceiptUs: 2_900_000, clientCost: { cpuUs: 1000, windowUs: 2_000_000, eventLoopDelayP99Us: 100, eventLoopDelayMaxUs: 200 },
    startUs: 0, warmupEndUs: 1_000_000, endUs: 3_000_000, producersDoneUs: 3_000_000, finishedUs: 3_100_000,
  };
  return {
    kind: 'mqbench-pod-partial', version: 1, runId: 'abcd1234', index, pods: 2, host: `node-${index}`, workload, status: 'ok',
    readyOffsetUs: -1_500_000 + index, startedAt: '2026-11-25T10:00:00.000Z', finishedAt: '2026-11-25T10:00:05.000Z',
    producers: [index], environment, measurement, ...extra,
  };
}

// two pods with very different latencies: an average of their percentiles would be wrong
const fast = Array.from({ length: 900 }, (_, i) => 50 + (i % 37));
const slow = Array.from({ length: 100 }, (_, i) => 20_000 + i * 97);

describe('bench merge of the pods of an Indexed Job', () => {
  test('histograms are added exactly: the merged percentiles are those of every value recorded in one place', () => {
    const { result, problems } = mergePods([pod(1, slow), pod(0, fast)]);
    expect(problems).toEqual([]);
    expect(result.status).toBe('completed');
    const all = createHistogram();
    for (const v of [...fast, ...slow]) all.recordValue(v);
    const expected = summarize(all);
    all.destroy();
    const { hdr: _a, ...merged } = result.latencyUs.endToEnd;
    const { hdr: _b, ...one } = expected;
    expect(merged).toEqual(one);
    const decoded = decodeHistogram(result.latencyUs.endToEnd.hdr);
    expect(decoded.totalCount).toBe(1000);
    decoded.destroy();
    expect(result.counts).toMatchObject({ sent: 1000, received: 1000, expected: 1000, lost: 0 });
    expect(result.accounting.map((a) => [a.producer, a.expected, a.received])).toEqual([[0, 900, 900], [1, 100, 100]]);
    expect(result.timeline[0]).toMatchObject({ second: 0, sent: 1000, received: 1000 });
    expect(result.pods).toEqual([
      { index: 0, host: 'node-0', status: 'ok', startOffsetUs: -1_500_000, sent: 900, received: 900, producers: [0] },
      { index: 1, host: 'node-1', status: 'ok', startOffsetUs: -1_499_999, sent: 100, received: 100, producers: [1] },
    ]);
    expect(result.executor).toMatch(/2 pods of a Kubernetes Indexed Job.*one host's clock/);
    expect(result.environment.hostname).toBe('node-0,node-1');
    expect(resultProblem(result)).toBeUndefined();
  });

  test('a missing pod is named, with its producers, and the run is aborted, never a smaller complete run', () => {
    const { result, problems } = mergePods([pod(0, fast)]);
    expect(result.status).toBe('aborted');
    expect(problems).toEqual(['pod 1 is missing (no result line; died or its logs were not collected): producers 1 not measured (its share of the closed-loop window never sent)']);
    expect(result.status === 'aborted' && result.error).toBe(`1 of 2 pods did not run their share: ${problems[0]}`);
    expect(result.pods?.[1]).toEqual({ index: 1, host: 'unknown', status: 'missing', sent: 0, received: 0, producers: [1] });
    expect(resultProblem(result)).toBeUndefined();
  });

  test('a late pod and a failed pod are named; what a failed pod measured is kept', () => {
    const late = pod(1, [], { status: 'late', error: 'pod 1 was ready 9.0 s after the common start (slack 1 s): it did not run' });
    delete late.measurement;
    const { result, problems } = mergePods([pod(0, fast), late]);
    expect(result.status).toBe('aborted');
    expect(problems[0]).toBe('pod 1 on node-1 started late: pod 1 was ready 9.0 s after the common start (slack 1 s): it did not run; producers 1 not measured (its share of the closed-loop window never sent)');
    const failed = pod(1, slow, { status: 'failed', error: 'no progress for 10 s' });
    const merged = mergePods([pod(0, fast), failed]);
    expect(merged.problems).toEqual(['pod 1 on node-1 failed: no progress for 10 s (what it measured is included)']);
    expect(merged.result.counts.received).toBe(1000);
  });

  test('what a pod that did not run would have sent: exact for an open loop and for a message count', () => {
    const open = { ...workload, rate: 1000, producers: 4, warmupUs: 1_000_000, durationUs: 2_000_000 };
    expect(unmeasuredOf(open, [1, 3])).toBe('1,000 scheduled measured sends never made'); // 2 of 4 producers, 2 s at 1,000 msg/s
    expect(unmeasuredOf({ ...workload, messages: 10, producers: 3 }, [0])).toBe('4 messages never sent');
  });

  test('lines from two runs, or one pod twice, are refused', () => {
    expect(() => mergePods([pod(0, fast), { ...pod(1, slow), runId: 'ffff0000' }])).toThrow('pod results from 2 different runs (abcd1234, ffff0000): merge one run at a time');
    expect(() => mergePods([pod(0, fast), pod(0, fast)])).toThrow('run abcd1234: pod 0 appears twice (the same logs given twice?)');
    expect(() => mergePods([])).toThrow('no pod results found');
  });

  test('the lines are found in `kubectl logs --prefix` output mixed with stderr; a cut-off line is reported', () => {
    const line = JSON.stringify(pod(0, [60, 70]));
    const logs = `pod 0: ready, starting in 2.0 s\n[pod/mqbench-abcd1234-0-x7k/worker] ${line}\nnoise\n${line.slice(0, 200)}\n`;
    const damaged: string[] = [];
    const found = partialsIn(logs, 'stdin', (l) => damaged.push(l));
    expect(found).toHaveLength(1);
    expect(found[0]?.index).toBe(0);
    expect(damaged).toEqual(['stdin:4: a damaged pod result line (cut off?), ignored']);
  });

  test('a pod reports times since the common start, and its consumers numbered run-wide', () => {
    const m = pod(0, [1]).measurement as PartialMeasurement;
    const shifted = relativeToStart({ ...m, startUs: 5_000_000, warmupEndUs: 6_000_000, endUs: 8_000_000, producersDoneUs: 8_000_100, finishedUs: 9_000_000, lastReceiptUs: 8_000_050 }, 5_000_000, { consumerOffset: 3 });
    expect(shifted).toMatchObject({ startUs: 0, warmupEndUs: 1_000_000, endUs: 3_000_000, producersDoneUs: 3_000_100, finishedUs: 4_000_000, lastReceiptUs: 3_000_050 });
    expect(shifted.consumers[0]?.consumer).toBe(3);
  });
});
