/**
 * `bench run --threshold` (issue 31, item 10): the grammar, its one-line refusals, and each threshold
 * judged against a run, decided into the summary's checks and the exit code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { exitCodeOfResult, renderSummary } from '../../src/report/summary.js';
import { judgeThreshold, parseThreshold, parseThresholds } from '../../src/report/thresholds.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

/** The fixture as a clean, timed run: p99 of 3,000 us, 2,000 msg/s received, nothing lost. */
function run(change: (result: RunResult) => void = () => undefined): RunResult {
  const result = structuredClone(fixture);
  result.status = 'completed';
  result.workload.messages = null;
  result.counts = { ...result.counts, lost: 0, duplicated: 0, sendErrors: 0 };
  result.latencyUs.endToEnd = { ...result.latencyUs.endToEnd, count: 100, p50: 1_000, p99: 3_000, max: 9_000 };
  result.throughput = { ...result.throughput, receivedPerSec: 2_000 };
  change(result);
  return result;
}

describe('the threshold grammar', () => {
  test.concurrent('metric, operator, number and unit; spaces and case ignored', () => {
    expect(parseThreshold('p99<20ms')).toEqual({ text: 'p99<20ms', metric: 'p99', operator: '<', limit: 20_000 });
    expect(parseThreshold(' P50 <= 1.5 s')).toEqual({ text: 'p50<=1.5s', metric: 'p50', operator: '<=', limit: 1_500_000 });
    expect(parseThreshold('p99.9<800us').limit).toBe(800);
    expect(parseThreshold('lost==0')).toMatchObject({ metric: 'lost', operator: '==', limit: 0 });
    expect(parseThreshold('throughput>=1000msg/s')).toMatchObject({ metric: 'throughput', operator: '>=', limit: 1000 });
    expect(parseThreshold('send-errors>0').operator).toBe('>');
  });

  test.concurrent.each([
    ['p99<<1ms', '--threshold "p99<<1ms": must be <metric><op><number>[unit], e.g. "p99<20ms", "lost==0", "throughput>=1000" (ops: <, <=, >, >=, ==)'],
    ['p99<-1ms', '--threshold "p99<-1ms": must be <metric><op><number>[unit]'],
    ['p95<1ms', '--threshold "p95<1ms": unknown metric "p95" (one of p50, p90, p99, p99.9, max, throughput, lost, duplicated, send-errors)'],
    ['constructor<1', '--threshold "constructor<1": unknown metric "constructor"'],
    ['p99<20', '--threshold "p99<20": a latency needs a time unit: us, ms or s (e.g. "p99<20ms")'],
    ['lost==0ms', '--threshold "lost==0ms": a count takes no unit, got "ms"'],
    ['throughput>=1k', '--threshold "throughput>=1k": a rate takes no unit but msg/s, got "k"'],
    ['p99<0x10ms', '--threshold "p99<0x10ms": must be <metric><op><number>[unit]'],
  ])('"%s" is refused with one line', (text, message) => {
    expect(() => parseThreshold(text)).toThrow(message);
  });

  test.concurrent('the flag repeats; a control character in a refused text is shown escaped', () => {
    expect(parseThresholds(['p99<1ms', 'lost==0']).map((t) => t.text)).toEqual(['p99<1ms', 'lost==0']);
    expect(parseThresholds(undefined)).toEqual([]);
    expect(() => parseThresholds(['p99<1ms', 'p99<'])).toThrow('--threshold "p99<": must be');
    expect(() => parseThreshold('\u001b[2Jp99')).toThrow('"\\u001b[2Jp99"');
  });
});

describe('a threshold against a run', () => {
  test.concurrent('each operator, with the value that decided it', () => {
    const r = run();
    expect(judgeThreshold(r, parseThreshold('p99<1ms'))).toEqual({ ok: false, text: 'threshold p99<1ms (end-to-end p99 3.00 ms)' });
    expect(judgeThreshold(r, parseThreshold('p99<=3ms')).ok).toBe(true);
    expect(judgeThreshold(r, parseThreshold('p99<3ms')).ok).toBe(false);
    expect(judgeThreshold(r, parseThreshold('max>5ms')).ok).toBe(true);
    expect(judgeThreshold(r, parseThreshold('throughput>=2000'))).toEqual({ ok: true, text: 'threshold throughput>=2000 (received msg/s 2,000)' });
    expect(judgeThreshold(r, parseThreshold('throughput>2000')).ok).toBe(false);
    expect(judgeThreshold(r, parseThreshold('lost==0'))).toEqual({ ok: true, text: 'threshold lost==0 (lost messages 0)' });
  });

  test.concurrent('nothing to measure is a miss, never a pass', () => {
    const none = run((r) => (r.latencyUs.endToEnd = { ...r.latencyUs.endToEnd, count: 0, p99: 0 }));
    expect(judgeThreshold(none, parseThreshold('p99<1s'))).toEqual({ ok: false, text: 'threshold p99<1s (no message arrived: no end-to-end p99)' });
    const hello = run((r) => (r.workload.messages = 1));
    expect(judgeThreshold(hello, parseThreshold('throughput>=1'))).toEqual({ ok: false, text: 'threshold throughput>=1 (a fixed message count has no rate)' });
  });

  test.concurrent('a missed one is a ✗ among the checks and exit 1; a met one a ✓ and exit 0', () => {
    const r = run();
    const missed = [judgeThreshold(r, parseThreshold('p99<1ms'))];
    const met = [judgeThreshold(r, parseThreshold('p99<1s'))];
    expect(renderSummary(r, { thresholds: missed })).toMatch(/^ {2}✗ threshold p99<1ms \(end-to-end p99 3\.00 ms\)$/m);
    expect(exitCodeOfResult(r, missed)).toBe(1);
    expect(renderSummary(r, { thresholds: met })).toMatch(/^ {2}✓ threshold p99<1s \(end-to-end p99 3\.00 ms\)$/m);
    expect(exitCodeOfResult(r, met)).toBe(0);
    // an aborted run stays 4
    expect(exitCodeOfResult(run((x) => Object.assign(x, { status: 'aborted', error: 'stalled' })), missed)).toBe(4);
  });
});
