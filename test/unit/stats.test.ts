/** Mann-Whitney U and spread against SciPy 1.17 (`scipy.stats.mannwhitneyu`, `numpy.percentile`). */
import { describe, expect, test } from 'vitest';
import { mannWhitneyU, normalUpperTail, quantile, spreadOf } from '../../src/report/stats.js';

describe('mannWhitneyU', () => {
  test("SciPy's documented example: exact U = 17, p = 0.1111", () => {
    const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(r).toMatchObject({ u: 17, method: 'exact' });
    expect(r.p).toBeCloseTo(0.1111111111, 9);
  });

  test('3 vs 3 fully separated: exact p = 0.1, the smallest two-sided p three repeats can give', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6])).toEqual({ u: 0, p: 0.1, method: 'exact' });
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3]).u).toBe(9);
  });

  test('ties: mid-ranks, exact over every assignment (SciPy permutation_test gives 0.1111)', () => {
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 4, 5]);
    expect(r.u).toBe(2.5);
    expect(r.p).toBeCloseTo(0.1111111111, 9);
  });

  test('identical samples: p = 1', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).p).toBe(1);
  });

  test('15 vs 15 uses the normal approximation (tie and continuity corrected): SciPy asymptotic p = 0.018067', () => {
    const a = Array.from({ length: 15 }, (_, i) => i + 1);
    const b = a.map((x) => x + 4.5);
    const r = mannWhitneyU(a, b);
    expect(r).toMatchObject({ u: 55, method: 'normal' });
    expect(r.p).toBeCloseTo(0.01806662299891238, 5);
  });

  test('normal upper tail', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.959963985)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.959963985)).toBeCloseTo(0.975, 6);
  });
});

describe('spread', () => {
  test('median, min-max and quartiles (NumPy percentile, linear)', () => {
    expect(spreadOf([10, 1, 4, 3, 2])).toEqual({ n: 5, median: 3, min: 1, max: 10, q1: 2, q3: 4 });
    expect(spreadOf([4, 1, 3, 2]).median).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75);
    expect(spreadOf([])).toEqual({ n: 0, median: 0, min: 0, max: 0, q1: 0, q3: 0 });
  });
});
