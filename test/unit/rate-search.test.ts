import { describe, expect, test } from 'vitest';
import { searchVerdict } from '../../src/report/sweep-tables.js';
import type { RateSearchDocument } from '../../src/results/sweep.js';
import { searchRate, type SearchRules } from '../../src/search/rate-search.js';

const rules: SearchRules = { startRate: 1000, resolution: 0.05, maxSteps: 12, minRate: 10, confirmations: 0 };

/** A broker that sustains up to `capacity` msg/s: a fake "run at rate R". */
function brokerUpTo(capacity: number, tried: number[] = []) {
  return async (rate: number) => {
    tried.push(rate);
    return { verdict: { pass: rate <= capacity, reasons: rate <= capacity ? [] : ['too fast'] }, detail: rate };
  };
}

describe('maximum-rate search', () => {
  test('doubles until a failure, then bisects to the resolution', async () => {
    const tried: number[] = [];
    const outcome = await searchRate(rules, brokerUpTo(5300, tried));
    expect(tried.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 6000]);
    expect(outcome.foundRate).toBeLessThanOrEqual(5300);
    expect(outcome.failedRate as number).toBeGreaterThan(5300);
    // stopped because the bracket is within 5% of the found rate
    expect(((outcome.failedRate as number) - (outcome.foundRate as number)) / (outcome.foundRate as number)).toBeLessThanOrEqual(0.05);
    expect(outcome.foundRate as number).toBeGreaterThanOrEqual(5300 / 1.05);
    expect(outcome.stoppedBecause).toMatch(/within 5%/);
  });

  test('never tries a rate twice and the bracket only narrows (no oscillation)', async () => {
    for (const capacity of [15, 999, 1000, 1001, 3333, 77_777, 1_234_567]) {
      const tried: number[] = [];
      const outcome = await searchRate({ ...rules, maxSteps: 40 }, brokerUpTo(capacity, tried));
      expect(new Set(tried).size).toBe(tried.length);
      let floor = 0;
      let ceiling = Infinity;
      for (const step of outcome.steps) {
        if (step.phase === 'bisect') expect(step.rate > floor && step.rate < ceiling).toBe(true);
        if (step.verdict.pass) floor = Math.max(floor, step.rate);
        else ceiling = Math.min(ceiling, step.rate);
      }
      expect(outcome.foundRate).toBe(floor);
    }
  });

  test('a failing start rate halves until a pass, then bisects', async () => {
    const tried: number[] = [];
    const outcome = await searchRate(rules, brokerUpTo(300, tried));
    expect(tried.slice(0, 3)).toEqual([1000, 500, 250]);
    expect(outcome.foundRate as number).toBeLessThanOrEqual(300);
    expect(outcome.foundRate as number).toBeGreaterThanOrEqual(300 / 1.05);
  });

  test('the step budget is never exceeded', async () => {
    const outcome = await searchRate({ ...rules, maxSteps: 5 }, brokerUpTo(5300));
    expect(outcome.steps).toHaveLength(5);
    expect(outcome.stoppedBecause).toMatch(/budget of 5 steps/);
    // stopped before the resolution: the highest pass is not the answer
    expect(outcome.foundRate).toBeUndefined();
    expect(outcome.highestPassedRate).toBe(4000);
  });

  test('every step passing: the budget runs out while doubling, the highest pass is reported apart, never as found', async () => {
    const outcome = await searchRate({ ...rules, maxSteps: 3 }, brokerUpTo(Infinity));
    expect(outcome.steps.map((s) => s.rate)).toEqual([1000, 2000, 4000]);
    expect(outcome.foundRate).toBeUndefined();
    expect(outcome.highestPassedRate).toBe(4000);
    expect(outcome.failedRate).toBeUndefined();
    expect(outcome.stoppedBecause).toMatch(/every step passed/);
  });

  test('nothing passes down to the lowest rate: no rate found', async () => {
    const outcome = await searchRate({ ...rules, maxSteps: 20 }, brokerUpTo(0));
    expect(outcome.foundRate).toBeUndefined();
    expect(outcome.steps.at(-1)?.rate).toBe(10);
    expect(outcome.stoppedBecause).toMatch(/no step passed/);
  });

  test('an interrupt stops the search between steps', async () => {
    let stop: string | undefined;
    const outcome = await searchRate(rules, async (rate) => {
      stop = 'interrupted';
      return { verdict: { pass: true, reasons: [] }, detail: rate };
    }, () => stop);
    expect(outcome.steps).toHaveLength(1);
    expect(outcome.stoppedBecause).toBe('interrupted');
  });

  test('confirmation: the found rate must pass again; a lucky pass at the edge moves the answer down, never up', async () => {
    const tried: { rate: number; pass: boolean }[] = [];
    // sustains 5,000 msg/s; 6,000 passes only the first time it is tried (a lucky run at the edge of a cliff)
    const seen = new Set<number>();
    const flaky = async (rate: number) => {
      const pass = rate <= 5000 || (rate === 6000 && !seen.has(rate));
      seen.add(rate);
      tried.push({ rate, pass });
      return { verdict: { pass, reasons: pass ? [] : ['p99 too high'] }, detail: rate };
    };
    const outcome = await searchRate({ ...rules, maxSteps: 20, confirmations: 2 }, flaky);
    const confirms = outcome.steps.filter((s) => s.phase === 'confirm');
    expect(confirms[0]).toMatchObject({ rate: 6000, verdict: { pass: false } });
    expect(outcome.foundRate).toBeLessThanOrEqual(5000);
    expect(outcome.steps.filter((s) => s.rate === outcome.foundRate).every((s) => s.verdict.pass)).toBe(true);
    expect(outcome.steps.filter((s) => s.rate === outcome.foundRate && s.phase === 'confirm')).toHaveLength(2);
    // confirmation only ever moves down
    const confirmed = confirms.map((s) => s.rate);
    expect([...confirmed].sort((a, b) => b - a)).toEqual(confirmed);
    expect(outcome.stoppedBecause).toMatch(/passed 2 more run/);
  });

  test('confirmation: a steady broker passes its confirmation runs at the found rate', async () => {
    const outcome = await searchRate({ ...rules, maxSteps: 20, confirmations: 2 }, brokerUpTo(5300));
    expect(outcome.steps.slice(-2).map((s) => [s.phase, s.rate])).toEqual([['confirm', outcome.foundRate], ['confirm', outcome.foundRate]]);
  });

  test('confirmation runs count against the budget: out of budget while confirming, no rate is claimed', async () => {
    const outcome = await searchRate({ ...rules, maxSteps: 9, confirmations: 5 }, brokerUpTo(5300));
    expect(outcome.steps).toHaveLength(9);
    expect(outcome.foundRate).toBeUndefined();
    expect(outcome.highestPassedRate).toBeGreaterThan(5000);
    expect(outcome.stoppedBecause).toMatch(/ran out while confirming/);
  });

  test('the budget ends before any confirmation run: the answer printed is "not established", with the highest pass marked unconfirmed', async () => {
    // the case: 16,000 msg/s printed as the maximum with 0 of 2 confirmations done
    const outcome = await searchRate({ ...rules, maxSteps: 6, confirmations: 2 }, brokerUpTo(17_000));
    expect(outcome.steps.some((s) => s.phase === 'confirm')).toBe(false);
    expect(outcome.foundRate).toBeUndefined();
    expect(outcome.highestPassedRate).toBe(16_000);
    const document = { foundRate: null, highestPassedRate: 16_000, failedRate: outcome.failedRate ?? null, margin: null, slo: 'p99<20ms', stoppedBecause: outcome.stoppedBecause, steps: outcome.steps, rules: { maxSteps: 6, resolution: 0.05 } } as unknown as RateSearchDocument;
    const verdict = searchVerdict(document);
    expect(verdict).toMatch(/^maximum sustainable rate: not established \(highest passing rate 16,000 msg\/s, not confirmed\)/);
    expect(verdict).not.toMatch(/maximum sustainable rate: 16,000/);
  });
});
