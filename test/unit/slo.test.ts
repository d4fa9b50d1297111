import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseSlo, sloHolds } from '../../src/search/slo.js';
import { judgeStep, marginOf, type StepDetail } from '../../src/search/step.js';

describe('latency objective (--slo)', () => {
  test('percentile, comparison and unit', () => {
    expect(parseSlo('p99<20ms')).toEqual({ text: 'p99<20ms', metric: 'p99', comparison: '<', thresholdUs: 20_000 });
    expect(parseSlo(' P99.9 <= 1.5s ')).toEqual({ text: 'p99.9<=1.5s', metric: 'p999', comparison: '<=', thresholdUs: 1_500_000 });
    expect(parseSlo('p50<800us').thresholdUs).toBe(800);
    expect(parseSlo('max<=2ms').metric).toBe('max');
    expect(parseSlo('p90<0.5ms').thresholdUs).toBe(500);
  });

  test.each(['p99>20ms', 'p95<20ms', 'p99<20', 'p99<20min', '', 'p99<', '<20ms', 'p99<-1ms', 'p99<0.1us', 'p99 < 20 ms and more'])('refuses "%s" in one line', (text) => {
    const error = (() => {
      try {
        parseSlo(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^--slo: /);
    expect((error as Error).message).not.toContain('\n');
  });

  test('"<" is strict, "<=" is not', () => {
    expect(sloHolds(parseSlo('p99<20ms'), 20_000)).toBe(false);
    expect(sloHolds(parseSlo('p99<=20ms'), 20_000)).toBe(true);
    expect(sloHolds(parseSlo('p99<20ms'), 19_999)).toBe(true);
  });
});

describe('a search step passes only when everything holds', () => {
  const slo = parseSlo('p99<20ms');
  const good: StepDetail = { runId: 'a', file: 'f', status: 'completed', achievedSendPerSec: 1000, achievedReceivePerSec: 990, sloValueUs: 15_000, lost: 0, sendErrors: 0 };

  test('a good step passes, with its margin', () => {
    expect(judgeStep(1000, good, slo)).toEqual({ pass: true, reasons: [] });
    expect(marginOf(slo, 15_000)).toEqual({ us: 5000, share: 0.25 });
  });

  test.each([
    [{ achievedSendPerSec: 949 }, /sent 949 msg\/s, under 95% of 1000/],
    [{ achievedReceivePerSec: 900 }, /received 900 msg\/s/],
    [{ sloValueUs: 20_000 }, /p99 20\.0 ms breaks p99<20ms/],
    [{ lost: 3 }, /3 lost/],
    [{ sendErrors: 1 }, /1 send error/],
    [{ status: 'aborted' as const }, /was aborted/],
    [{ status: 'errored' as const }, /failed/],
  ])('fails on %o', (change, reason) => {
    const verdict = judgeStep(1000, { ...good, ...change }, slo);
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons.join('; ')).toMatch(reason);
  });
});
