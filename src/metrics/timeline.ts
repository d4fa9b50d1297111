import type { TimelinePoint } from '../results/types.js';
import { createHistogram, encodeHistogram, mergeEncoded, type Histogram } from './histogram.js';

export type { TimelinePoint } from '../results/types.js';


/** Per-second counters for the measured window and the drain after it. */
export class Timeline {
  private readonly points = new Map<number, TimelinePoint>();
  /** the seconds still being received into: the newest two, and an older one a late receipt reopened until the next second seals it */
  private readonly latency = new Map<number, Histogram>();
  /** seconds that are over, encoded: a long run keeps a short string per second, not a histogram */
  private readonly sealed = new Map<number, { encoded: string; quantiles: SecondQuantiles }>();
  private newestSecond = Number.NEGATIVE_INFINITY;

  private liveSecond = Number.NaN;
  private liveQuantiles: SecondQuantiles | undefined;

  constructor(private readonly originUs: number) {}

  private point(atUs: number): TimelinePoint | undefined {
    if (atUs < this.originUs) return undefined;
    const second = Math.floor((atUs - this.originUs) / 1_000_000);
    let point = this.points.get(second);
    if (!point) {
      point = emptyPoint(second);
      this.points.set(second, point);
    }
    return point;
  }

  sent(atUs: number): void {
    const point = this.point(atUs);
    if (point) point.sent++;
  }

  acked(atUs: number): void {
    const point = this.point(atUs);
    if (point) point.acked++;
  }

  /**
   * Corrected p99 of the last whole measured second before `atUs`, for live progress; undefined until
   * one has passed. Computed once per second (the value is cached until the next second begins).
   */
  lastSecondP99Us(atUs: number): number | undefined {
    return this.lastSecondQuantiles(atUs)?.p99;
  }

  /** As lastSecondP99Us, with the other quantiles live metrics show (--metrics-port); same cache. */
  lastSecondQuantiles(atUs: number): SecondQuantiles | undefined {
    const second = Math.floor((atUs - this.originUs) / 1_000_000) - 1;
    if (second !== this.liveSecond) {
      this.liveSecond = second;
      const open = second >= 0 ? this.latency.get(second) : undefined;
      this.liveQuantiles = open ? quantilesOf(open) : this.sealed.get(second)?.quantiles;
    }
    return this.liveQuantiles;
  }

  received(atUs: number, bytes: number, latencyUs: number): void {
    const point = this.point(atUs);
    if (!point) return;
    point.received++;
    point.bytes += bytes;
    this.histogramFor(point.second).recordValue(latencyUs);
  }

  private histogramFor(second: number): Histogram {
    let histogram = this.latency.get(second);
    if (histogram) return histogram;
    // a late receipt for a sealed second reopens it (merged into a histogram that resizes)
    const late = this.sealed.get(second);
    histogram = late ? mergeEncoded([late.encoded]) : createHistogram();
    this.sealed.delete(second);
    this.latency.set(second, histogram);
    if (second > this.newestSecond) {
      this.newestSecond = second;
      this.seal(second - 1);
    }
    return histogram;
  }

  /** Encodes the seconds before `keepFrom` (receipts come in time order: those seconds are over). */
  private seal(keepFrom: number): void {
    for (const [second, histogram] of this.latency) {
      if (second >= keepFrom) continue;
      this.sealed.set(second, { encoded: encodeHistogram(histogram), quantiles: quantilesOf(histogram) });
      histogram.destroy();
      this.latency.delete(second);
    }
  }

  /** Counters plus each second's encoded latency histogram, so workers' timelines merge exactly. Frees memory. */
  toPartial(): TimelinePartial {
    this.seal(Number.POSITIVE_INFINITY);
    const latency: Record<number, string> = {};
    for (const [second, { encoded }] of this.sealed) latency[second] = encoded;
    this.sealed.clear();
    return { points: [...this.points.values()].map((p) => ({ ...p })), latency };
  }
}

/** One second's corrected end-to-end latency (us), for live metrics. */
export interface SecondQuantiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function quantilesOf(histogram: Histogram): SecondQuantiles {
  const at = (percentile: number): number => histogram.getValueAtPercentile(percentile);
  return { count: histogram.totalCount, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: at(100) };
}

export interface TimelinePartial {
  points: TimelinePoint[];
  /** second -> encoded histogram of corrected end-to-end latency */
  latency: Record<number, string>;
}

function emptyPoint(second: number): TimelinePoint {
  return { second, sent: 0, acked: 0, received: 0, bytes: 0, p99Us: 0, coveredUs: 0 };
}

/**
 * Adds the timelines of several participants: seconds in order, gaps filled with zeros.
 * `spanUs`: how long after the timeline's origin the run went on; it sets each second's `coveredUs`,
 * so the last, partial second is not read as a drop in rate.
 */
export function mergeTimelines(parts: readonly TimelinePartial[], spanUs: number): TimelinePoint[] {
  const points = new Map<number, TimelinePoint>();
  const latency = new Map<number, string[]>();
  for (const part of parts) {
    for (const p of part.points) {
      const sum = points.get(p.second) ?? emptyPoint(p.second);
      sum.sent += p.sent;
      sum.acked += p.acked;
      sum.received += p.received;
      sum.bytes += p.bytes;
      points.set(p.second, sum);
    }
    for (const [second, encoded] of Object.entries(part.latency)) {
      const list = latency.get(Number(second)) ?? [];
      list.push(encoded);
      latency.set(Number(second), list);
    }
  }
  for (const [second, encoded] of latency) {
    const merged = mergeEncoded(encoded);
    const point = points.get(second);
    if (point) point.p99Us = merged.getValueAtPercentile(99);
    merged.destroy();
  }
  const last = Math.max(-1, ...points.keys());
  const out: TimelinePoint[] = [];
  for (let second = 0; second <= last; second++) {
    const point = points.get(second) ?? emptyPoint(second);
    point.coveredUs = Math.max(0, Math.min(1_000_000, spanUs - second * 1_000_000));
    out.push(point);
  }
  return out;
}
