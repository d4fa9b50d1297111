import { createHistogram, type Histogram } from './histogram.js';

export interface TimelinePoint {
  /** whole seconds since the start of the measured window */
  second: number;
  sent: number;
  acked: number;
  received: number;
  bytes: number;
  /** corrected end-to-end p99 of messages received in this second (us); 0 when none */
  p99Us: number;
}

/** Per-second counters for the measured window and the drain after it. */
export class Timeline {
  private readonly points = new Map<number, TimelinePoint>();
  private readonly latency = new Map<number, Histogram>();

  constructor(private readonly originUs: number) {}

  private point(atUs: number): TimelinePoint | undefined {
    if (atUs < this.originUs) return undefined;
    const second = Math.floor((atUs - this.originUs) / 1_000_000);
    let point = this.points.get(second);
    if (!point) {
      point = { second, sent: 0, acked: 0, received: 0, bytes: 0, p99Us: 0 };
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

  received(atUs: number, bytes: number, latencyUs: number): void {
    const point = this.point(atUs);
    if (!point) return;
    point.received++;
    point.bytes += bytes;
    let histogram = this.latency.get(point.second);
    if (!histogram) {
      histogram = createHistogram();
      this.latency.set(point.second, histogram);
    }
    histogram.recordValue(latencyUs);
  }

  /** Seconds in order, gaps filled with zeros; frees the per-second histograms. */
  finish(): TimelinePoint[] {
    for (const [second, histogram] of this.latency) {
      const point = this.points.get(second);
      if (point) point.p99Us = histogram.getValueAtPercentile(99);
      histogram.destroy();
    }
    this.latency.clear();
    const last = Math.max(-1, ...this.points.keys());
    const out: TimelinePoint[] = [];
    for (let second = 0; second <= last; second++) {
      out.push(this.points.get(second) ?? { second, sent: 0, acked: 0, received: 0, bytes: 0, p99Us: 0 });
    }
    return out;
  }
}
