import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { judge } from '../../src/report/check.js';
import { compareSets, compareValues, defaultRules, deltaPercent, pairGroups, renderCompare } from '../../src/report/compare.js';
import { canonicalJson, groupResults, median, percentileCurve, workloadKey } from '../../src/report/groups.js';
import { createHistogram, encodeHistogram, summarize } from '../../src/metrics/histogram.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

/** A run like the fixture with the given throughput and p99 (us); `change` edits anything else. */
function run(id: string, receivedPerSec: number, p99: number, change: (r: RunResult) => void = () => undefined): RunResult {
  const r = structuredClone(fixture);
  r.id = id;
  const h = createHistogram();
  h.recordValueWithCount(Math.round(p99 / 2), 90);
  h.recordValueWithCount(p99, 10);
  r.latencyUs.endToEnd = { ...summarize(h), p99 };
  h.destroy();
  r.throughput.receivedPerSec = receivedPerSec;
  change(r);
  return r;
}

const limits = { maxP99IncreasePct: 20, maxThroughputDropPct: 10, maxLost: 0, maxSendErrors: 0 };
const three = (prefix: string, values: [number, number][], change?: (r: RunResult) => void) => values.map(([t, p], i) => run(`${prefix}${i}`, t, p, change));
const base = three('b', [[1000, 1000], [1010, 1020], [990, 980]]);

describe('grouping by full identity', () => {
  test('nested driver settings, duration and host separate groups; labels name duration and warmup and tell groups apart', () => {
    const other = run('x', 1000, 1000, (r) => (r.workload.driver.prefetch = 10));
    const longer = run('y', 1000, 1000, (r) => (r.workload.durationUs = 10_000_000));
    const elsewhere = run('z', 1000, 1000, (r) => (r.environment.hostname = 'other-host'));
    const groups = groupResults([...base, other, longer, elsewhere]);
    expect(groups).toHaveLength(4);
    const labels = groups.map((g) => g.label);
    expect(new Set(labels).size).toBe(4);
    expect(labels).toContain('ack 1000 msg/s, 100 B, 10s after 2s warmup');
    expect(labels.some((l) => /5s after 2s warmup, .*driver\.prefetch=10/.test(l))).toBe(true);
    expect(labels.some((l) => /host=other-host/.test(l))).toBe(true);
    expect(workloadKey(other.workload)).not.toBe(workloadKey(base[0]!.workload));
  });

  test('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [1, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[1,{"e":2,"f":1}],"d":2},"b":1}');
  });
});

describe('compare (Mann-Whitney at alpha 0.10, 5% minimum effect, 3 repeats)', () => {
  test('two sets of 3 repeats of one workload, overlapping: no significant change', () => {
    const again = three('c', [[1005, 1010], [995, 990], [1020, 1000]]);
    const c = compareSets(groupResults(base), groupResults(again), defaultRules, { baseline: 'a', candidate: 'b' });
    expect(c.pairs).toHaveLength(1);
    expect(c.pairs[0]?.verdict).toBe('no significant change');
    expect(c.pairs[0]?.differences).toEqual([]);
    expect(renderCompare(c)).toMatch(/1,000 +│[^\n]*\n[^\n]*\[990 - 1,010\][^\n]*\n[^\n]*IQR 995 - 1,005/);
  });

  test('3 vs 3 fully separated and more than 5% apart: called, with the differences named', () => {
    const ack = three('k', [[600, 3000], [620, 3100], [590, 2900]], (r) => (r.workload.scenario = 'noack'));
    const c = compareSets(groupResults(base), groupResults(ack), defaultRules, { baseline: 'a', candidate: 'b' });
    expect(c.pairs[0]?.verdict).toBe('significantly worse: received msg/s, end-to-end p99');
    expect(c.pairs[0]?.differences).toEqual(['scenario: "ack" -> "noack"']);
    expect(c.pairs[0]?.metrics[0]).toMatchObject({ p: 0.1, method: 'exact', verdict: 'worse' });
    expect(renderCompare(c)).toMatch(/WORSE \(p=0\.100\)/);
  });

  test('separated but within the minimum effect: no significant change', () => {
    expect(compareValues([100, 101, 102], [103, 104, 105], true, defaultRules).verdict).toBe('no significant change');
    expect(compareValues([100, 101, 102], [110, 111, 112], true, defaultRules).verdict).toBe('better');
  });

  test('fewer repeats than asked: not enough repeats to call, spread still shown', () => {
    const c = compareSets(groupResults([base[0]!]), groupResults([run('one', 500, 5000)]), defaultRules, { baseline: 'a', candidate: 'b' });
    expect(c.pairs[0]?.verdict).toBe('not enough repeats to call');
    expect(renderCompare(c)).toMatch(/1,000 \(1 run\)/);
  });

  test('pairing: same identity first, then another host, a single leftover each side, else unmatched', () => {
    const rabbit = groupResults(base);
    const moved = groupResults(three('m', [[1000, 1000], [1000, 1000], [1000, 1000]], (r) => (r.environment.hostname = 'ci-2')));
    expect(pairGroups(rabbit, moved).pairs).toHaveLength(1);
    const two = groupResults([...base, run('p', 1, 1, (r) => (r.workload.driver.prefetch = 1))]);
    const otherTwo = groupResults([run('q', 1, 1, (r) => (r.workload.messageSize = 200)), run('s', 1, 1, (r) => (r.workload.messageSize = 300))]);
    const pairing = pairGroups(two, otherTwo);
    expect(pairing.pairs).toHaveLength(0);
    expect(pairing.onlyBaseline).toHaveLength(2);
    expect(pairing.onlyCandidate).toHaveLength(2);
  });
});

describe('judge (the regression gate, same rules)', () => {
  test('a significant regression beyond the thresholds fails; within the thresholds passes', () => {
    const slower = three('s', [[800, 1500], [810, 1520], [790, 1480]]);
    const verdict = judge(groupResults(base), groupResults(slower), limits, defaultRules);
    expect(verdict.regressions).toHaveLength(1);
    expect(verdict.regressions[0]).toMatch(/end-to-end p99 median 1\.00 ms -> 1\.50 ms \(\+50\.0%, limit \+20%, p=0\.100\)/);
    expect(verdict.regressions[0]).toMatch(/received msg\/s median 1,000 -> 800 \(-20\.0%, limit -10%/);
    const slightly = three('t', [[950, 1150], [960, 1160], [940, 1140]]);
    expect(judge(groupResults(base), groupResults(slightly), limits, defaultRules).passed).toHaveLength(1);
  });

  test('a large but not significant change (overlapping runs) does not fail', () => {
    const noisy = three('n', [[1000, 900], [400, 3000], [1020, 1010]]);
    expect(judge(groupResults(base), groupResults(noisy), limits, defaultRules).regressions).toEqual([]);
  });

  test('one run a side: not called, but lost messages and send errors always fail', () => {
    const single = judge(groupResults([base[0]!]), groupResults([run('x', 100, 100_000)]), limits, defaultRules);
    expect(single.regressions).toEqual([]);
    expect(single.notCalled[0]).toMatch(/not enough repeats to call \(1 vs 1 run, need 3 on each side\)/);
    const lossy = run('l', 1000, 1000, (r) => (r.counts = { ...r.counts, lost: 3, sendErrors: 4 }));
    expect(judge(groupResults([base[0]!]), groupResults([lossy]), limits, defaultRules).regressions[0]).toMatch(/lost 3 messages \(limit 0\); 4 send errors \(limit 0\)/);
  });

  test('a baseline workload with no current run fails the gate', () => {
    const two = groupResults([...base, run('p', 1, 1, (r) => (r.workload.driver.prefetch = 1))]);
    const verdict = judge(two, groupResults(base), limits, defaultRules);
    expect(verdict.regressions).toHaveLength(1);
    expect(verdict.regressions[0]).toMatch(/no current run of this workload/);
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
