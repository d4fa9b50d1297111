import * as hdr from 'hdr-histogram-js';
import { inspectEncodedHistogram } from '../results/histogram-bounds.js';
import type { Latencies, LatencySummary } from '../results/types.js';

export type { Latencies, LatencySummary } from '../results/types.js';

/**
 * The one place histograms are configured (as autocannon's histUtil): WebAssembly, auto-resize,
 * 3 significant digits, values in integer microseconds, 32-bit counts. Every message is recorded
 * four or five times, and 32-bit counts cost 24 ns per record here against 231 ns for 'packed'
 * ones (2,000,000 records each, WebAssembly both): packed counts alone were ~1 µs per message.
 * A bucket overflows past 2^32 values, far beyond any run's count of one latency value.
 */
const significantDigits = 3;

// Once, when this module loads (top-level await): every importer then creates histograms synchronously.
await hdr.initWebAssembly();

export type Histogram = hdr.Histogram;

export function createHistogram(): Histogram {
  return hdr.build({
    useWebAssembly: true,
    autoResize: true,
    numberOfSignificantValueDigits: significantDigits,
    lowestDiscernibleValue: 1,
    bitBucketSize: 32,
  });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/**
 * Decodes within bounds (histogram-bounds.ts): an encoding that inflates beyond what mqbench writes,
 * tracks absurd values or overflows a bucket throws HistogramRefusal before the decoder allocates.
 */
export function decodeHistogram(encoded: string): Histogram {
  return hdr.WasmHistogram.decode(inspectEncodedHistogram(encoded).inflated, 32);
}

/** Exact merge of encoded histograms (from workers or repeats) into a new one; inputs untouched. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = createHistogram();
  for (const item of encoded) {
    const part = decodeHistogram(item);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

/** The four latencies every run records (DESIGN.md, measurement rules). */
export const latencyNames = ['endToEnd', 'endToEndUncorrected', 'publish', 'sendDelay'] as const;
export type LatencyName = (typeof latencyNames)[number];

/** One value per latency, made by `make`. */
export function latenciesOf<T>(make: (name: LatencyName) => T): Latencies<T> {
  return Object.fromEntries(latencyNames.map((name) => [name, make(name)])) as unknown as Latencies<T>;
}

/** Summary of several encoded histograms added together (repeats, workers). */
export function summarizeMerged(encoded: readonly string[]): LatencySummary {
  const histogram = mergeEncoded(encoded);
  try {
    return summarize(histogram);
  } finally {
    histogram.destroy();
  }
}


/** Summary statistics of a histogram; all values are integer microseconds (mean rounded). */
export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  const empty = count === 0;
  return {
    count,
    min: empty ? 0 : histogram.getValueAtPercentile(0),
    mean: empty ? 0 : Math.round(histogram.mean),
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    p9999: histogram.getValueAtPercentile(99.99),
    // percentile 100, not maxValue: it is what a decoded (merged) histogram reports too
    max: histogram.getValueAtPercentile(100),
    hdr: encodeHistogram(histogram),
  };
}
