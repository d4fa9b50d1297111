/** What the failover analysis tests build their recordings from: 10 ms success buckets and encoded histograms. */
import { createHistogram, encodeHistogram } from '../../src/metrics/histogram.js';

export const bucketUs = 10_000;

/** 10 ms buckets over `totalMs`: `perBucket` successes each, except in [fromMs, toMs) of each gap; none before `startMs`. */
export function buckets(totalMs: number, perBucket: number, gaps: [number, number][], startMs = 0): number[] {
  return Array.from({ length: totalMs / 10 }, (_, i) => (i * 10 < startMs || gaps.some(([from, to]) => i * 10 >= from && i * 10 < to) ? 0 : perBucket));
}

export function encoded(values: number[]): string {
  const h = createHistogram();
  for (const v of values) h.recordValue(v);
  const out = encodeHistogram(h);
  h.destroy();
  return out;
}
