/**
 * Statistics for comparing repeats of a benchmark: spread of a small sample and the Mann-Whitney U
 * test. Pure functions, checked against SciPy's values in test/unit/stats.test.ts.
 */

/** A small sample summarised without assuming a distribution. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  /** first and third quartiles, linear interpolation between order statistics (NumPy's default, "type 7") */
  q1: number;
  q3: number;
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The p-quantile (0..1) of sorted values, interpolated linearly between order statistics. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] as number;
  return low + ((sorted[above] as number) - low) * (position - below);
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = sortedCopy(values);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}

export interface MannWhitney {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half */
  u: number;
  /** two-sided p-value */
  p: number;
  method: 'exact' | 'normal';
}

/** Ranks 1..n of the pooled values, tied values sharing the mean of their ranks. */
function midRanks(pooled: readonly number[]): number[] {
  const order = pooled.map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
  const ranks = new Array<number>(pooled.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end++;
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[(order[i] as { index: number }).index] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Every way to choose which `k` of the pooled ranks belong to the first sample: their rank sums. */
function allRankSums(ranks: readonly number[], k: number): number[] {
  const sums: number[] = [];
  const walk = (from: number, left: number, sum: number): void => {
    if (left === 0) {
      sums.push(sum);
      return;
    }
    for (let i = from; i <= ranks.length - left; i++) walk(i + 1, left - 1, sum + (ranks[i] as number));
  };
  walk(0, k, 0);
  return sums;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

/** Above this many rank assignments the normal approximation is used instead of enumerating them. */
export const exactLimit = 200_000;

/** Standard normal upper tail, P(Z > z) (Abramowitz and Stegun 7.1.26 via erfc; error below 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Mann-Whitney U test, two-sided (SciPy's `mannwhitneyu` conventions).
 * exact: when C(n1+n2, n1) <= exactLimit, every assignment of the pooled mid-ranks to the two samples
 * is enumerated (exact with ties too); p = 2 * min(P(U <= u), P(U >= u)), at most 1.
 * normal: otherwise, z from U with the tie-corrected variance and a 0.5 continuity correction.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitney {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitneyU needs two non-empty samples');
  const ranks = midRanks([...a, ...b]);
  const rankSumA = ranks.slice(0, n1).reduce((s, r) => s + r, 0);
  const offset = (n1 * (n1 + 1)) / 2;
  const u = rankSumA - offset;
  if (binomial(n1 + n2, n1) <= exactLimit) {
    const us = allRankSums(ranks, n1).map((sum) => sum - offset);
    const eps = 1e-9;
    const atMost = us.filter((x) => x <= u + eps).length / us.length;
    const atLeast = us.filter((x) => x >= u - eps).length / us.length;
    return { u, p: Math.min(1, 2 * Math.min(atMost, atLeast)), method: 'exact' };
  }
  const n = n1 + n2;
  const tieSizes = new Map<number, number>();
  for (const r of ranks) tieSizes.set(r, (tieSizes.get(r) ?? 0) + 1);
  const tieTerm = [...tieSizes.values()].reduce((s, t) => s + (t ** 3 - t), 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const mean = (n1 * n2) / 2;
  if (variance === 0) return { u, p: 1, method: 'normal' };
  const z = (Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalUpperTail(Math.max(0, z))), method: 'normal' };
}
