import { Accounting, type StreamCounts } from '../metrics/accounting.js';
import { createHistogram, encodeHistogram, latenciesOf, type Histogram } from '../metrics/histogram.js';
import { Timeline, type SecondQuantiles, type TimelinePartial } from '../metrics/timeline.js';
import { LastSecondOf } from '../metrics/last-second.js';
import type { ConsumerReceipts, Latencies, SizeBucket, SizeDistribution } from '../results/types.js';
import { SizeTally } from '../metrics/size-distribution.js';
import type { FailoverRecording } from '../metrics/failover.js';
import { FailoverRecorder, type FaultWindow } from './failover-recorder.js';
import { readHeader, type MessageHeader } from './header.js';
import { nowUs } from '../util/clock.js';

/** What one producer did, as the recorder saw it. */
export interface ProducerTally {
  id: number;
  sent: number;
  acked: number;
  errors: number;
  /** measured sequence numbers whose send failed or never settled: few, unless the broker died */
  failedSeqs: number[];
}

/** Open-loop counts one participant kept (the executor tells the recorder about the cap). */
export interface LatenessCounts {
  lateSends: number;
  heldByCap: number;
}

/** Cheap counters for the coordinator, sampled every few ms: no per-message data. */
export interface LiveCounters {
  sentAll: number;
  receivedAll: number;
  errorsAll: number;
  /** broker acknowledgements, receipts and send errors so far: a stall is this not moving */
  progress: number;
  /** measured messages sent minus send errors */
  expected: number;
  /** sends handed to the client and not settled yet */
  outstanding: number;
  /** unique measured messages received, per subscription */
  uniqueBySubscription: number[];
  /** corrected end-to-end p99 of the last whole measured second (live progress; this process only) */
  lastSecondP99Us?: number;
  /** the same second's quantiles, for live metrics (--metrics-port; this process only) */
  lastSecondUs?: SecondQuantiles;
  /** the send delay of the measured sends of the last second, for live metrics (this process only) */
  lastSecondSendDelayUs?: SecondQuantiles;
  /** measured messages missing behind a later one of their producer, over every subscription: lost so far (recounted once a second) */
  missing?: number;
}

/** Everything a participant recorded, mergeable with other participants' exactly. */
export interface Recording {
  producers: ProducerTally[];
  consumers: ConsumerReceipts[];
  streams: { subscription: number; producer: number; counts: StreamCounts }[];
  histograms: Latencies<string>;
  timeline: TimelinePartial;
  receivedBytes: number;
  foreignMessages: number;
  arrivedAfterClose: number;
  lateness: LatenessCounts;
  /** time of the last measured receipt (us), or 0 */
  lastReceiptUs: number;
  /** failover runs: successes per bucket and latency by fault phase */
  failover?: FailoverRecording;
  /** --sizes: measured sends per size bucket, and their bytes */
  sizesSent?: SizeBucket[];
}

interface ProducerState {
  tally: ProducerTally;
  /** failover runs with placed clients: its group (the node it was placed on, or the late joiners) */
  group?: string;
  /** measured sequence numbers whose send has not settled yet */
  unsettled: Set<number>;
}

/**
 * The one place that turns sends, acknowledgements and receipts into histograms, accounting and
 * the timeline. After `close()` nothing is timed any more: a late acknowledgement or receipt is
 * only counted (`arrivedAfterClose`), never recorded into a released histogram.
 */
export class Recorder {
  private readonly histograms: Latencies<Histogram> = latenciesOf(() => createHistogram());
  private readonly accounting = new Accounting();
  private readonly producers = new Map<number, ProducerState>();
  private readonly consumers: ConsumerReceipts[] = [];
  private readonly consumerGroups = new Map<ConsumerReceipts, string>();
  private readonly uniqueBySubscription: number[];
  private timeline = new Timeline(Number.MAX_SAFE_INTEGER);
  private failover: FailoverRecorder | undefined;
  private sizes: SizeTally | undefined;
  private closed = false;
  /** every send, receipt (ours, duplicates included) and send error, warmup included: the closed-loop window */
  sentAll = 0;
  receivedAll = 0;
  errorsAll = 0;
  private brokerAcksAll = 0;
  private receivedBytes = 0;
  private foreignMessages = 0;
  private arrivedAfterClose = 0;
  private lastReceiptUs = 0;
  private readonly lateness: LatenessCounts = { lateSends: 0, heldByCap: 0 };
  private missingCount = { second: Number.NaN, missing: 0 };
  private readonly sendDelaySeconds = new LastSecondOf(this.histograms.sendDelay);
  firstSendError: string | undefined;
  /** when the first of our messages arrived, warmup included (a backlog run's drain starts there), or 0 */
  firstReceivedUs = 0;

  constructor(
    subscriptions: number,
    /** a measured send this much after its intended time counts as late */
    private readonly lateThresholdUs: number,
  ) {
    this.uniqueBySubscription = Array.from({ length: subscriptions }, () => 0);
  }

  /** The measured window starts: the timeline counts seconds from here. */
  startMeasuring(warmupEndUs: number): void {
    this.timeline = new Timeline(warmupEndUs);
  }

  /** A failover run: also keep successes per bucket and latency by fault phase. */
  recordFailover(window: FaultWindow): void {
    this.failover = new FailoverRecorder(window);
  }

  /** A run with --sizes: also tally the measured sends' sizes. */
  recordSizes(distribution: SizeDistribution): void {
    this.sizes = new SizeTally(distribution);
  }

  /** A measured send's size, with --sizes (the producer slot drew it). */
  sentSize(bytes: number): void {
    if (!this.closed) this.sizes?.count(bytes);
  }

  /** A failed send is sent again (same producer and sequence): counted, not sent twice in the tallies. */
  resent(error: unknown): void {
    this.failover?.resent(error);
  }

  /** `group`: failover runs with placed clients (failover-recorder.ts); may come mid-run (a late joiner). */
  addProducer(id: number, group?: string): void {
    this.producers.set(id, { tally: { id, sent: 0, acked: 0, errors: 0, failedSeqs: [] }, unsettled: new Set(), ...(group === undefined ? {} : { group }) });
  }

  /** Returns the consumer's receipt counter (owned by the recorder). */
  addConsumer(subscription: number, consumer: number, group?: string): ConsumerReceipts {
    const receipts = { subscription, consumer, received: 0 };
    this.consumers.push(receipts);
    if (group !== undefined) this.consumerGroups.set(receipts, group);
    return receipts;
  }

  sent(producerId: number, seq: number, measured: boolean, intendedUs: number, sentUs: number): void {
    this.sentAll++;
    if (!measured || this.closed) return;
    const state = this.producer(producerId);
    state.tally.sent++;
    state.unsettled.add(seq);
    const delay = Math.max(0, sentUs - intendedUs);
    this.histograms.sendDelay.recordValue(delay);
    if (delay > this.lateThresholdUs) this.lateness.lateSends++;
    this.timeline.sent(sentUs);
  }

  heldByCap(measured: boolean): void {
    if (measured && !this.closed) this.lateness.heldByCap++;
  }

  acked(producerId: number, seq: number, measured: boolean, sentUs: number, ackedUs: number, brokerAcks: boolean): void {
    // a send the client merely wrote is no sign of life from the broker
    if (brokerAcks) this.brokerAcksAll++;
    if (!measured) return;
    if (this.closed) {
      this.arrivedAfterClose++;
      return;
    }
    const state = this.producer(producerId);
    // already given up on (the drain ended first): late, counted but not timed
    if (!state.unsettled.delete(seq)) {
      this.arrivedAfterClose++;
      return;
    }
    state.tally.acked++;
    if (brokerAcks) this.histograms.publish.recordValue(Math.max(0, ackedUs - sentUs));
    if (brokerAcks) this.failover?.acked(ackedUs, state.group);
    this.timeline.acked(ackedUs);
  }

  sendFailed(producerId: number, seq: number, measured: boolean, error: unknown): void {
    this.errorsAll++;
    this.firstSendError ??= error instanceof Error ? error.message : String(error);
    if (!measured || this.closed) return;
    const state = this.producer(producerId);
    if (!state.unsettled.delete(seq)) return;
    state.tally.errors++;
    state.tally.failedSeqs.push(seq);
  }

  /** Returns the header of a measured, first-time receipt (for hooks), else undefined. */
  received(receipts: ConsumerReceipts, payload: Buffer, receivedUs: number): MessageHeader | undefined {
    const header = readHeader(payload);
    if (!header) {
      this.foreignMessages++;
      return undefined;
    }
    if (this.receivedAll === 0) this.firstReceivedUs = receivedUs;
    this.receivedAll++;
    if (!header.measured) return undefined;
    if (this.closed) {
      this.arrivedAfterClose++;
      return undefined;
    }
    receipts.received++;
    this.failover?.received(receivedUs, this.consumerGroups.get(receipts));
    // a duplicate is counted by the accounting, not timed again
    if (!this.accounting.record(receipts.subscription, header.producerId, header.seq, receipts.consumer)) return undefined;
    this.recordFirstReceipt(receipts.subscription, header, payload.length, receivedUs);
    return header;
  }

  private recordFirstReceipt(subscription: number, header: MessageHeader, bytes: number, receivedUs: number): void {
    this.uniqueBySubscription[subscription] = (this.uniqueBySubscription[subscription] ?? 0) + 1;
    const corrected = Math.max(0, receivedUs - header.intendedUs);
    this.histograms.endToEnd.recordValue(corrected);
    this.failover?.latency(header.intendedUs, corrected, this.producers.get(header.producerId)?.group);
    this.histograms.endToEndUncorrected.recordValue(Math.max(0, receivedUs - header.sentUs));
    this.receivedBytes += bytes;
    this.lastReceiptUs = receivedUs;
    this.timeline.received(receivedUs, bytes, corrected);
  }

  private producer(id: number): ProducerState {
    const state = this.producers.get(id);
    if (!state) throw new Error(`recorder: unknown producer ${id}`);
    return state;
  }

  live(outstanding: number): LiveCounters {
    let expected = 0;
    for (const { tally } of this.producers.values()) expected += tally.sent - tally.errors;
    return {
      sentAll: this.sentAll,
      receivedAll: this.receivedAll,
      errorsAll: this.errorsAll,
      progress: this.brokerAcksAll + this.receivedAll + this.errorsAll,
      expected,
      outstanding,
      uniqueBySubscription: [...this.uniqueBySubscription],
      ...this.liveLatency(),
      missing: this.missingSoFar(),
    };
  }

  private liveLatency(): { lastSecondP99Us?: number; lastSecondUs?: SecondQuantiles; lastSecondSendDelayUs?: SecondQuantiles } {
    if (this.closed) return {};
    const now = nowUs();
    const quantiles = this.timeline.lastSecondQuantiles(now);
    const sendDelay = this.sendDelaySeconds.at(now);
    return { ...(quantiles === undefined ? {} : { lastSecondP99Us: quantiles.p99, lastSecondUs: quantiles }), ...(sendDelay === undefined ? {} : { lastSecondSendDelayUs: sendDelay }) };
  }

  /** Walks every stream, so at most once a second (live() is sampled every few ms). */
  private missingSoFar(): number {
    const second = Math.floor(nowUs() / 1_000_000);
    if (second !== this.missingCount.second) this.missingCount = { second, missing: this.accounting.missing() };
    return this.missingCount.missing;
  }

  /** Per producer id, the measured sends that failed so far (shared with other participants). */
  failedSeqs(): Record<number, number[]> {
    const out: Record<number, number[]> = {};
    for (const [id, { tally }] of this.producers) if (tally.failedSeqs.length > 0) out[id] = [...tally.failedSeqs];
    return out;
  }

  /**
   * A send still unsettled when the run ends (the broker died or froze with it) is one the harness
   * gives up on: a send error, like a nack. If it arrived anyway it is counted apart.
   */
  giveUpUnsettled(): void {
    for (const { tally, unsettled } of this.producers.values()) {
      for (const seq of unsettled) {
        tally.errors++;
        tally.failedSeqs.push(seq);
      }
      unsettled.clear();
    }
  }

  /**
   * Ends the measurement: histograms encoded and released, accounting settled against every
   * participant's failed sends (`allFailedSeqs`). Later events are only counted.
   */
  close(allFailedSeqs: Record<number, number[]>): Recording {
    this.giveUpUnsettled();
    this.closed = true;
    const failed = new Map(Object.entries(allFailedSeqs).map(([id, seqs]) => [Number(id), seqs] as const));
    const histograms = latenciesOf((name) => encodeHistogram(this.histograms[name]));
    for (const histogram of Object.values(this.histograms)) histogram.destroy();
    this.sendDelaySeconds.destroy();
    return {
      // copies: nothing that happens after close changes what was recorded
      producers: [...this.producers.values()].map(({ tally }) => ({ ...tally, failedSeqs: [...tally.failedSeqs] })),
      consumers: this.consumers.map((c) => ({ ...c })),
      streams: this.accounting.snapshot(failed),
      histograms,
      timeline: this.timeline.toPartial(),
      receivedBytes: this.receivedBytes,
      foreignMessages: this.foreignMessages,
      arrivedAfterClose: this.arrivedAfterClose,
      lateness: { ...this.lateness },
      lastReceiptUs: this.lastReceiptUs,
      ...(this.failover ? { failover: this.failover.close() } : {}),
      ...(this.sizes ? { sizesSent: this.sizes.sent() } : {}),
    };
  }

  /** Acknowledgements and receipts that came after close (while clients were closing): read it last. */
  get afterClose(): number {
    return this.arrivedAfterClose;
  }

  /** Releases the histograms of a run that failed before `close()`; harmless after it. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const histogram of Object.values(this.histograms)) histogram.destroy();
    this.sendDelaySeconds.destroy();
    this.failover?.dispose();
  }
}
