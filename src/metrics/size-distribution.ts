import type { SizeBucket, SizeDistribution } from '../results/types.js';

/** A uniform range is tallied in at most this many buckets of equal width. */
const uniformBuckets = 10;

/** The largest size a distribution can draw: what a payload buffer must hold. */
export function largestSize(distribution: SizeDistribution): number {
  return distribution.kind === 'uniform' ? distribution.maxBytes : Math.max(...distribution.sizes.map((s) => s.bytes));
}

/** The buckets the sizes sent are tallied in: one per listed size, or equal slices of the range. */
export function bucketsOf(distribution: SizeDistribution): SizeBucket[] {
  if (distribution.kind === 'weighted') return distribution.sizes.map((s) => ({ fromBytes: s.bytes, toBytes: s.bytes, sent: 0, bytes: 0 }));
  const span = distribution.maxBytes - distribution.minBytes + 1;
  const count = Math.min(uniformBuckets, span);
  return Array.from({ length: count }, (_, i) => ({
    fromBytes: distribution.minBytes + Math.floor((span * i) / count),
    toBytes: distribution.minBytes + Math.floor((span * (i + 1)) / count) - 1,
    sent: 0,
    bytes: 0,
  }));
}

/**
 * A number in [0, 1) from (seed, producer, sequence, measured): a counter-based PRNG (a 32-bit
 * integer hash, murmur3's finaliser over the mixed inputs), so a message's size depends only on
 * who sends it and its sequence number: the same in every run with the seed, whatever the timing,
 * the worker process or a resend.
 */
export function unitDraw(seed: number, producer: number, seq: number, measured: boolean): number {
  let h = (seed ^ Math.imul(producer + 1, 0x9e3779b1) ^ Math.imul(seq, 0x85ebca77) ^ (measured ? 0x27d4eb2f : 0)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  // a second round: consecutive sequence numbers must not give correlated draws
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4_294_967_296;
}

/** Draws each message's size from the distribution: pure, one draw per send. */
export class SizePicker {
  /** weighted: each size's upper edge on [0, 1) */
  private readonly cumulative: number[] = [];

  constructor(private readonly distribution: SizeDistribution) {
    if (distribution.kind === 'weighted') {
      const total = distribution.sizes.reduce((n, s) => n + s.weight, 0);
      let sum = 0;
      for (const s of distribution.sizes) this.cumulative.push((sum += s.weight) / total);
    }
  }

  /** The size of producer `producer`'s message `seq` (bytes, header included). */
  pick(producer: number, seq: number, measured: boolean): number {
    const d = this.distribution;
    const u = unitDraw(d.seed, producer, seq, measured);
    if (d.kind === 'uniform') return d.minBytes + Math.floor(u * (d.maxBytes - d.minBytes + 1));
    const index = this.cumulative.findIndex((edge) => u < edge);
    return d.sizes[index < 0 ? d.sizes.length - 1 : index]?.bytes ?? largestSize(d);
  }
}

/** Counts the measured sends per bucket of the distribution, and their bytes. */
export class SizeTally {
  private readonly buckets: SizeBucket[];

  constructor(distribution: SizeDistribution) {
    this.buckets = bucketsOf(distribution);
  }

  count(bytes: number): void {
    // at most 100 listed sizes or 10 slices of a range: a scan is cheap
    const bucket = this.buckets.find((b) => bytes >= b.fromBytes && bytes <= b.toBytes);
    if (!bucket) return;
    bucket.sent++;
    bucket.bytes += bytes;
  }

  /** What was counted so far (a copy). */
  sent(): SizeBucket[] {
    return this.buckets.map((b) => ({ ...b }));
  }
}

/** Sums the tallies of several participants bucket by bucket (they share one distribution). */
export function mergeSizeTallies(tallies: readonly SizeBucket[][]): SizeBucket[] | undefined {
  const [first, ...rest] = tallies;
  if (!first) return undefined;
  const merged = first.map((b) => ({ ...b }));
  for (const tally of rest) {
    tally.forEach((b, i) => {
      const into = merged[i];
      if (into) {
        into.sent += b.sent;
        into.bytes += b.bytes;
      }
    });
  }
  return merged;
}
