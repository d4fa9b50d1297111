import type { StreamAccount } from '../results/types.js';

export type { StreamAccount } from '../results/types.js';

/**
 * Message accounting per (subscription, producer) stream: what arrived, what arrived twice,
 * what arrived behind a later message. Memory is bounded: a contiguous floor plus the set of
 * sequence numbers seen above it, capped; see `maxPending`.
 */
export interface StreamCounts {
  received: number;
  duplicated: number;
  reordered: number;
  /** received messages whose send had failed (no broker confirm): delivered, but not expected */
  receivedDespiteSendError: number;
}


export interface AccountingTotals {
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  receivedDespiteSendError: number;
}

/** Tracks one (subscription, producer) stream of sequence numbers starting at `firstSeq`. */
export class SequenceTracker {
  /** every seq below this one has been seen */
  private floor: number;
  private readonly above = new Set<number>();
  /** highest seq seen, by order group (the index of the consumer that received it: see Accounting.record) */
  private readonly maxSeen: number[] = [];
  received = 0;
  duplicated = 0;
  reordered = 0;

  constructor(
    firstSeq: number,
    /** Past this many out-of-order entries the oldest gap is given up (counted lost unless it arrives). */
    private readonly maxPending = 1_000_000,
  ) {
    this.floor = firstSeq;
  }

  /** Returns false for a duplicate. Order is judged among the messages of one `orderGroup`. */
  record(seq: number, orderGroup = 0): boolean {
    if (seq < this.floor || this.above.has(seq)) {
      this.duplicated++;
      return false;
    }
    this.received++;
    if (seq < (this.maxSeen[orderGroup] ?? -1)) this.reordered++;
    else this.maxSeen[orderGroup] = seq;
    if (seq === this.floor) {
      this.floor++;
      while (this.above.delete(this.floor)) this.floor++;
    } else {
      this.above.add(seq);
      if (this.above.size > this.maxPending) this.giveUpOldestGap();
    }
    return true;
  }

  private giveUpOldestGap(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const seq of this.above) if (seq < lowest) lowest = seq;
    this.floor = lowest;
    while (this.above.delete(this.floor)) this.floor++;
  }

  /**
   * Sequence numbers not received while a later one was (in any order group): lost, or still on their
   * way through another partition or queue. Live metrics read it once a second; it walks no set.
   */
  missing(): number {
    let highest = this.floor - 1;
    for (const seq of this.maxSeen) if (seq !== undefined && seq > highest) highest = seq;
    return Math.max(0, highest + 1 - this.floor - this.above.size);
  }

  /** Whether `seq` arrived (a gap given up past `maxPending` reads as arrived: the documented bound). */
  has(seq: number): boolean {
    return seq < this.floor || this.above.has(seq);
  }

  /** `failedSeqs`: the producer's sends that failed; those that arrived anyway are counted apart. */
  counts(failedSeqs: readonly number[] = []): StreamCounts {
    const receivedDespiteSendError = failedSeqs.reduce((n, seq) => n + (this.has(seq) ? 1 : 0), 0);
    return { received: this.received, duplicated: this.duplicated, reordered: this.reordered, receivedDespiteSendError };
  }
}

/** Per-stream trackers for the messages a run measures (the header's "measured" flag). */
export class Accounting {
  /** keyed by subscription * 2^32 + producer: no string built per message */
  private readonly streams = new Map<number, { subscription: number; producer: number; tracker: SequenceTracker }>();

  constructor(private readonly firstSeqOf: (producer: number) => number = () => 0) {}

  /**
   * Returns false for a duplicate. Reordering is judged per `consumer`: a broker keeps order within
   * a partition or queue, which one consumer reads, not across them, so messages of different
   * partitions overtaking each other on their way to different consumers is not reordering.
   */
  record(subscription: number, producer: number, seq: number, consumer = 0): boolean {
    const key = subscription * 0x1_0000_0000 + producer;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { subscription, producer, tracker: new SequenceTracker(this.firstSeqOf(producer)) };
      this.streams.set(key, stream);
    }
    return stream.tracker.record(seq, consumer);
  }

  /** SequenceTracker.missing summed over every stream: what live metrics call lost so far. */
  missing(): number {
    let missing = 0;
    for (const { tracker } of this.streams.values()) missing += tracker.missing();
    return missing;
  }

  /** `failedSeqs`: per producer, the sequence numbers whose send failed (see StreamCounts). */
  snapshot(failedSeqs: ReadonlyMap<number, readonly number[]> = new Map()): { subscription: number; producer: number; counts: StreamCounts }[] {
    return [...this.streams.values()].map((s) => ({
      subscription: s.subscription,
      producer: s.producer,
      counts: s.tracker.counts(failedSeqs.get(s.producer)),
    }));
  }
}

/**
 * Joins what producers say they sent with what each subscription received.
 * `expectedByProducer`: messages each producer sent successfully in the measured window.
 * lost = expected - (received - receivedDespiteSendError): a message whose send failed but which
 * arrived anyway cannot hide the loss of one that was confirmed.
 */
export function settleAccounts(
  expectedByProducer: ReadonlyMap<number, number>,
  subscriptions: number,
  received: readonly { subscription: number; producer: number; counts: StreamCounts }[],
): StreamAccount[] {
  const merged = new Map<string, StreamAccount>();
  const keyOf = (s: number, p: number) => `${s}:${p}`;
  for (let subscription = 0; subscription < subscriptions; subscription++) {
    for (const [producer, expected] of expectedByProducer) {
      merged.set(keyOf(subscription, producer), {
        subscription,
        producer,
        expected,
        received: 0,
        duplicated: 0,
        reordered: 0,
        receivedDespiteSendError: 0,
        lost: 0,
      });
    }
  }
  for (const item of received) {
    const key = keyOf(item.subscription, item.producer);
    const account =
      merged.get(key) ??
      ({
        subscription: item.subscription,
        producer: item.producer,
        expected: 0,
        received: 0,
        duplicated: 0,
        reordered: 0,
        receivedDespiteSendError: 0,
        lost: 0,
      } satisfies StreamAccount);
    account.received += item.counts.received;
    account.duplicated += item.counts.duplicated;
    account.reordered += item.counts.reordered;
    account.receivedDespiteSendError += item.counts.receivedDespiteSendError;
    merged.set(key, account);
  }
  for (const account of merged.values()) {
    account.lost = account.expected - (account.received - account.receivedDespiteSendError);
  }
  return [...merged.values()].sort((a, b) => a.subscription - b.subscription || a.producer - b.producer);
}

export function totals(accounts: readonly StreamAccount[]): AccountingTotals {
  return accounts.reduce(
    (sum, a) => ({
      expected: sum.expected + a.expected,
      received: sum.received + a.received,
      lost: sum.lost + a.lost,
      duplicated: sum.duplicated + a.duplicated,
      reordered: sum.reordered + a.reordered,
      receivedDespiteSendError: sum.receivedDespiteSendError + a.receivedDespiteSendError,
    }),
    { expected: 0, received: 0, lost: 0, duplicated: 0, reordered: 0, receivedDespiteSendError: 0 },
  );
}
