import { createHistogram, encodeHistogram, type Histogram } from '../metrics/histogram.js';
import type { FailoverRecording } from '../metrics/failover.js';

/** Fine enough to see a sub-second outage, coarse enough to stay small (40 s + drain: a few thousand). */
export const failoverBucketUs = 10_000;

/** Distinct resend reasons kept (a client's messages are few; this bounds memory if one is not). */
const maxReasons = 20;

/** One line, at most 160 characters, any user:password@ in it removed. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').replace(/\/\/[^\s/@]*@/g, '//').slice(0, 160) || 'unknown';
}

/** Fault times on the run's clock (absolute microseconds), known before the window starts. */
export interface FaultWindow {
  windowStartUs: number;
  faultAtUs: number;
  restoreAtUs: number;
}

/** Successes per bucket and latency by fault phase, of the whole run or of one group of clients. */
class SuccessBuckets {
  readonly acks: number[] = [];
  readonly receipts: number[] = [];
  readonly phases: [Histogram, Histogram, Histogram] = [createHistogram(), createHistogram(), createHistogram()];

  encode(): { acks: number[]; receipts: number[]; phases: FailoverRecording['phases'] } {
    const [before, during, after] = this.phases.map((h) => encodeHistogram(h));
    return { acks: [...this.acks], receipts: [...this.receipts], phases: { before: before ?? '', during: during ?? '', after: after ?? '' } };
  }

  destroy(): void {
    for (const h of this.phases) h.destroy();
  }
}

/**
 * What a failover run records beside the usual: successes per 10 ms bucket (publish acknowledgements
 * and receipts) and corrected end-to-end latency split by the phase of the intended send time; the
 * same again per group of clients when clients are placed (a group: the clients on one node, or the
 * late joiners), which the analysis turns into populations once it knows the node the fault hit.
 */
export class FailoverRecorder {
  private readonly all = new SuccessBuckets();
  private readonly groups = new Map<string, SuccessBuckets>();
  private resends = 0;
  private readonly reasons = new Map<string, number>();
  private released = false;

  constructor(private readonly window: FaultWindow) {}

  private bucketOf(atUs: number): number {
    return Math.floor((atUs - this.window.windowStartUs) / failoverBucketUs);
  }

  private count(buckets: number[], atUs: number): void {
    const index = this.bucketOf(atUs);
    if (index < 0) return;
    while (buckets.length <= index) buckets.push(0);
    buckets[index] = (buckets[index] ?? 0) + 1;
  }

  private group(key: string | undefined): SuccessBuckets | undefined {
    if (key === undefined || this.released) return undefined;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new SuccessBuckets()));
    return group;
  }

  acked(atUs: number, group?: string): void {
    this.count(this.all.acks, atUs);
    const own = this.group(group);
    if (own) this.count(own.acks, atUs);
  }

  received(atUs: number, group?: string): void {
    this.count(this.all.receipts, atUs);
    const own = this.group(group);
    if (own) this.count(own.receipts, atUs);
  }

  resent(error: unknown): void {
    this.resends++;
    const reason = reasonOf(error);
    if (this.reasons.has(reason) || this.reasons.size < maxReasons) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  /** `group`: the sending producer's group (latency belongs to whoever sent the message). */
  latency(intendedUs: number, correctedUs: number, group?: string): void {
    if (this.released) return;
    const phase = intendedUs < this.window.faultAtUs ? 0 : intendedUs < this.window.restoreAtUs ? 1 : 2;
    this.all.phases[phase].recordValue(correctedUs);
    this.group(group)?.phases[phase].recordValue(correctedUs);
  }

  /** The recording; histograms encoded and released. */
  close(): FailoverRecording {
    const all = this.all.encode();
    const groups = [...this.groups].map(([key, group]) => ({ key, ...group.encode() }));
    this.dispose();
    return { bucketUs: failoverBucketUs, ...all, resends: this.resends, resendReasons: this.topReasons(), ...(groups.length > 0 ? { groups } : {}) };
  }

  private topReasons(): { reason: string; count: number }[] {
    return [...this.reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count).slice(0, 5);
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.all.destroy();
    for (const group of this.groups.values()) group.destroy();
  }
}
