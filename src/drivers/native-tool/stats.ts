/** Pure statistics for `bench calibrate`: medians and spreads over rounds, and ratios. */
import type { SampleSummary } from './types.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  // even counts: the mean of the middle two, so 2 rounds do not silently favour one
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(values: readonly number[]): SampleSummary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** mqbench / native; null when there is nothing to divide by (a ratio of infinity says nothing). */
export function ratio(mqbench: number, native: number): number | null {
  if (!Number.isFinite(mqbench) || !Number.isFinite(native) || native <= 0) return null;
  return mqbench / native;
}

/** Relative spread (max - min) / median: how much the rounds disagree. */
export function relativeSpread(summary: SampleSummary): number | null {
  return summary.median > 0 ? (summary.max - summary.min) / summary.median : null;
}
