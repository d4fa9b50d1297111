/** The load shapes of --stages and --sizes in words, for the executor's line, the summary and report labels. */
import type { Ramp, SizeBucket, SizeDistribution } from '../results/types.js';
import { formatCount, formatSeconds } from '../util/format.js';

/** The ramp's highest rate: what memory bounds and the outstanding cap are sized for. */
export function peakRate(ramp: Ramp): number {
  return Math.max(ramp.startPerSec, ...ramp.stages.map((s) => s.targetPerSec));
}

/** "0 -> 1,000 msg/s over 10s, -> 5,000 over 30s": the ramp in one line. */
export function describeRamp(ramp: Ramp): string {
  const steps = ramp.stages.map((s, i) => `-> ${formatCount(s.targetPerSec)}${i === 0 ? ' msg/s' : ''} over ${formatSeconds(s.durationUs)}`);
  return `${formatCount(ramp.startPerSec)} ${steps.join(', ')}`;
}

/** A share as a short percentage: 0.25 -> "25%", 1/3 -> "33.3%". */
function percent(share: number): string {
  return `${+(share * 100).toFixed(1)}%`;
}

/** "100 B 70%, 1,024 B 25%, 10,240 B 5% (seed 1)" or "uniform 100-1,024 B (seed 1)". */
export function describeSizes(sizes: SizeDistribution): string {
  if (sizes.kind === 'uniform') return `uniform ${formatCount(sizes.minBytes)}-${formatCount(sizes.maxBytes)} B (seed ${sizes.seed})`;
  const total = sizes.sizes.reduce((n, s) => n + s.weight, 0);
  return `${sizes.sizes.map((s) => `${formatCount(s.bytes)} B ${percent(s.weight / total)}`).join(', ')} (seed ${sizes.seed})`;
}

/** "100 B: 4,132 (68.9%), 1,024 B: 1,552 (25.9%), ...; mean 1,065 B": what the measured sends were. */
export function describeSizesSent(buckets: readonly SizeBucket[]): string {
  const sent = buckets.reduce((n, b) => n + b.sent, 0);
  const bytes = buckets.reduce((n, b) => n + b.bytes, 0);
  const each = buckets.map((b) => {
    const range = b.fromBytes === b.toBytes ? `${formatCount(b.fromBytes)} B` : `${formatCount(b.fromBytes)}-${formatCount(b.toBytes)} B`;
    return `${range}: ${formatCount(b.sent)}${sent > 0 ? ` (${percent(b.sent / sent)})` : ''}`;
  });
  return `${each.join(', ')}; mean ${formatCount(sent > 0 ? Math.round(bytes / sent) : 0)} B`;
}
