import { describe, expect, test } from 'vitest';
import { judge } from '../../src/report/check.js';
import { deltaPercent } from '../../src/report/compare.js';
import { median, percentileCurve, type RunGroup } from '../../src/report/groups.js';
import { createHistogram, encodeHistogram, summarize } from '../../src/metrics/histogram.js';


function group(key: string, p99: number, receivedPerSec: number, lost = 0): RunGroup {
  const h = createHistogram();
  h.recordValueWithCount(p99, 100);
  const s = { ...summarize(h), p99 };
  h.destroy();
  return {
    key,
    broker: 'rabbit',
    scenario: 'noack',
    workloadKey: key,
    label: key,
    runs: [],
    loop: 'open-loop',
    throughput: { sentPerSec: receivedPerSec, receivedPerSec, mbPerSec: 1 },
    latencyUs: { endToEnd: s, endToEndUncorrected: s, publish: s, sendDelay: s },
    counts: { sent: 100, acked: 100, received: 100 - lost, expected: 100, lost, duplicated: 0, reordered: 0, sendErrors: 0, receivedDespiteSendError: 0, arrivedAfterClose: 0 },
    statuses: ['completed'],
  };
}

const limits = { maxP99IncreasePct: 20, maxThroughputDropPct: 10, maxLost: 0, maxSendErrors: 0 };

describe('judge (the regression gate)', () => {
  test('within thresholds passes; exactly at the limit passes', () => {
    expect(judge([group('a', 1000, 1000)], [group('a', 1200, 900)], limits)).toEqual({ regressions: [], passed: ['rabbit: a'] });
  });

  test('p99 +50%, throughput -20% and lost messages are each reported', () => {
    const verdict = judge([group('a', 1000, 1000)], [group('a', 1500, 800, 3)], limits);
    expect(verdict.regressions).toHaveLength(1);
    expect(verdict.regressions[0]).toMatch(/p99 1\.00 ms -> 1\.50 ms \(\+50\.0%, limit \+20%\)/);
    expect(verdict.regressions[0]).toMatch(/throughput 1,000 -> 800 msg\/s \(-20\.0%, limit -10%\)/);
    expect(verdict.regressions[0]).toMatch(/lost 3 messages/);
  });

  test('send errors fail the gate unless the threshold allows them', () => {
    const current = { ...group('a', 1000, 1000), statuses: ['completed-with-errors'] as RunGroup['statuses'] };
    current.counts = { ...current.counts, sendErrors: 4 };
    expect(judge([group('a', 1000, 1000)], [current], limits).regressions).toEqual(['rabbit: a: 4 send errors (limit 0)']);
    expect(judge([group('a', 1000, 1000)], [current], { ...limits, maxSendErrors: 4 })).toEqual({ regressions: [], passed: ['rabbit: a'] });
  });

  test('a baseline workload with no current run fails the gate', () => {
    expect(judge([group('a', 1000, 1000)], [group('b', 1000, 1000)], limits).regressions).toEqual(['rabbit: a: no current run of this workload']);
  });
});

describe('statistics helpers', () => {
  test('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });

  test('deltaPercent', () => {
    expect(deltaPercent(100, 150)).toBe(50);
    expect(deltaPercent(0, 0)).toBe(0);
    expect(deltaPercent(0, 5)).toBeUndefined();
  });

  test('percentile curve: x = 1/(1-p), values from the histogram, ends at the max', () => {
    const h = createHistogram();
    for (let v = 1; v <= 1000; v++) h.recordValue(v);
    const curve = percentileCurve([encodeHistogram(h)]);
    h.destroy();
    expect(curve[0]).toMatchObject({ percentile: 0, x: 1 });
    const p90 = curve.find((p) => Math.abs(p.percentile - 90) < 1e-9);
    expect(p90?.x).toBeCloseTo(10);
    expect(p90?.valueUs).toBe(900);
    expect(curve.at(-1)).toMatchObject({ percentile: 100, valueUs: 1000 });
  });
});
