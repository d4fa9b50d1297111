import type { Consumer, Driver, Producer } from '../drivers/types.js';
import { Accounting, type StreamCounts } from '../metrics/accounting.js';
import { createHistogram, encodeHistogram, initHistograms, latenciesOf, type Latencies } from '../metrics/histogram.js';
import { Timeline, type TimelinePartial } from '../metrics/timeline.js';
import { nowUs, sleepMs, withTimeout } from '../util/clock.js';
import { headerSize, readHeader, stampSentTime, writeHeader } from './header.js';
import { intendedTimeUs, type Schedule } from './schedule.js';
import { helloText, type Workload } from './workload.js';

/** Which producers and consumers one participant (the process itself, or one worker) runs. */
export interface Assignment {
  producers: { id: number; quota?: number }[];
  consumers: { subscription: number; consumer: number; partitions: number[] }[];
}

/** What a participant tells the coordinator while it runs: cheap counters, no per-message data. */
export interface LiveCounters {
  sentAll: number;
  receivedAll: number;
  errorsAll: number;
  /** measured messages sent minus send errors */
  expected: number;
  outstanding: number;
  /** unique measured messages received, per subscription */
  uniqueBySubscription: number[];
  /** every producer of this participant has stopped sending */
  producersDone: boolean;
  /** once producers are done: per producer id, the measured sequence numbers whose send failed */
  failedSeqs: Record<number, number[]>;
}

/**
 * What the engine asks of whoever coordinates participants: one shared start time, a shared
 * closed-loop window, one decision about when draining is over.
 */
export interface Coordinator {
  /** Resolves with the common start time once every participant's consumers are attached. */
  start(): Promise<number>;
  /** Messages in flight over the whole run (sent, not yet received by every subscription), from this participant's counters. */
  inFlight(sentAll: number, receivedAll: number, errorsAll: number): number;
  /** Called often; resolves true when draining may stop (everything arrived, or time is up). */
  drained(local: LiveCounters, deadlineUs: number): boolean;
  /** Set when the run must stop early (interrupt, or another participant lost its broker). */
  abortReason(): string | undefined;
  /** After draining: every participant's failed sends, per producer (workers learn the others' from the parent). */
  failedSeqs(local: Record<number, number[]>): Record<number, number[]>;
}

export interface ParticipantHooks {
  onLive?: (live: LiveCounters) => void;
  /** hello-world: the text received after the header */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** observes each measured receipt; tests use it to stall a consumer for a known time */
  afterReceive?: (receivedAtUs: number) => void;
}

export interface ProducerTally {
  id: number;
  sent: number;
  acked: number;
  errors: number;
  /** measured sequence numbers whose send failed: few, unless the broker died */
  failedSeqs: number[];
}

export interface ConsumerReceipts {
  subscription: number;
  consumer: number;
  received: number;
}

/** One participant's measurement, mergeable with others' exactly (histograms are encoded). */
export interface PartialMeasurement {
  abortReason?: string;
  firstSendError?: string;
  producers: ProducerTally[];
  consumers: ConsumerReceipts[];
  streams: { subscription: number; producer: number; counts: StreamCounts }[];
  histograms: Latencies<string>;
  timeline: TimelinePartial;
  receivedBytes: number;
  foreignMessages: number;
  startUs: number;
  warmupEndUs: number;
  endUs: number;
  producersDoneUs: number;
  finishedUs: number;
}

/** Closing against a broker that is gone must neither throw nor hang the run. */
async function closeQuietly(close: () => Promise<void>): Promise<void> {
  await withTimeout(close(), 5000, () => new Error('close timed out')).catch(() => undefined);
}

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs producers and consumers on an already set-up topology: consumers first, a common start,
 * the warmup and measured window on a schedule (open loop) or a window (closed loop), then a drain.
 */
export async function runParticipant(
  driver: Driver,
  workload: Workload,
  assignment: Assignment,
  coordinator: Coordinator,
  hooks: ParticipantHooks = {},
): Promise<PartialMeasurement> {
  await initHistograms();
  const histograms = latenciesOf(() => createHistogram());
  const accounting = new Accounting();
  let fatal: string | undefined;
  driver.onFatal((error) => {
    fatal ??= `broker connection lost: ${error.message}`;
  });
  const abortReason = (): string | undefined => fatal ?? coordinator.abortReason();

  const consumers: Consumer[] = [];
  const producers: {
    id: number;
    quota: number | undefined;
    producer: Producer;
    tally: ProducerTally;
    outstanding: number;
    /** measured messages whose send has not settled yet */
    unsettled: Set<number>;
  }[] = [];
  const perConsumer: ConsumerReceipts[] = [];
  let timeline = new Timeline(Number.MAX_SAFE_INTEGER);
  let receivedAll = 0;
  let receivedBytes = 0;
  let foreignMessages = 0;
  let sentAll = 0;
  let errorsAll = 0;
  let firstSendError: string | undefined;
  const windowWaiters: (() => void)[] = [];
  const wakeWindow = (): void => {
    for (const wake of windowWaiters.splice(0)) wake();
  };
  const uniqueBySubscription = Array.from({ length: workload.subscriptions }, () => 0);
  let producersDone = false;
  const live = (): LiveCounters => ({
    sentAll,
    receivedAll,
    errorsAll,
    expected: producers.reduce((n, p) => n + p.tally.sent - p.tally.errors, 0),
    outstanding: producers.reduce((n, p) => n + p.outstanding, 0),
    uniqueBySubscription: [...uniqueBySubscription],
    producersDone,
    failedSeqs: producersDone ? localFailedSeqs() : {},
  });
  const localFailedSeqs = (): Record<number, number[]> =>
    Object.fromEntries(producers.filter((p) => p.tally.failedSeqs.length > 0).map((p) => [p.id, [...p.tally.failedSeqs]]));

  try {
    for (const spec of assignment.consumers) {
      const receipts: ConsumerReceipts = { subscription: spec.subscription, consumer: spec.consumer, received: 0 };
      perConsumer.push(receipts);
      const { subscription } = spec;
      const consumer = await driver.createConsumer(
        { subscription, partitions: spec.partitions, groupSize: workload.consumers },
        (payload) => {
          const receivedAt = nowUs();
          const header = readHeader(payload);
          if (!header) {
            foreignMessages++;
            return;
          }
          receivedAll++;
          if (windowWaiters.length > 0) wakeWindow();
          if (!header.measured) return;
          receipts.received++;
          // a duplicate is counted by the accounting, not timed again
          if (!accounting.record(subscription, header.producerId, header.seq)) return;
          uniqueBySubscription[subscription] = (uniqueBySubscription[subscription] ?? 0) + 1;
          const corrected = Math.max(0, receivedAt - header.intendedUs);
          histograms.endToEnd.recordValue(corrected);
          histograms.endToEndUncorrected.recordValue(Math.max(0, receivedAt - header.sentUs));
          receivedBytes += payload.length;
          timeline.received(receivedAt, payload.length, corrected);
          hooks.onMessageText?.(payload.subarray(headerSize).toString('utf8'), corrected);
          hooks.afterReceive?.(receivedAt);
        },
      );
      consumers.push(consumer);
    }
    for (const { id, quota } of assignment.producers) {
      producers.push({ id, quota, producer: await driver.createProducer(id), tally: { id, sent: 0, acked: 0, errors: 0, failedSeqs: [] }, outstanding: 0, unsettled: new Set() });
    }

    const startUs = await coordinator.start();
    const warmupEndUs = startUs + workload.warmupUs;
    const endUs = warmupEndUs + workload.durationUs;
    timeline = new Timeline(warmupEndUs);
    const body = Buffer.alloc(workload.messageSize - headerSize, workload.messages !== null ? helloText : 'mqbench ');

    const sendOne = (slot: (typeof producers)[number], intendedUs: number, seq: number, measured: boolean): void => {
      const { producer, tally, id } = slot;
      const payload = Buffer.allocUnsafe(workload.messageSize);
      writeHeader(payload, { producerId: id, seq, measured, intendedUs });
      body.copy(payload, headerSize);
      const key = workload.keyed ? `k${(seq * workload.producers + id) % 4096}` : undefined;
      const sentUs = nowUs();
      stampSentTime(payload, sentUs);
      sentAll++;
      if (measured) {
        tally.sent++;
        slot.unsettled.add(seq);
        histograms.sendDelay.recordValue(Math.max(0, sentUs - intendedUs));
        timeline.sent(sentUs);
      }
      slot.outstanding++;
      producer.send(payload, key).then(
        () => {
          slot.outstanding--;
          if (!measured) return;
          slot.unsettled.delete(seq);
          const ackedUs = nowUs();
          tally.acked++;
          if (producer.brokerAcks) histograms.publish.recordValue(ackedUs - sentUs);
          timeline.acked(ackedUs);
        },
        (error: unknown) => {
          slot.outstanding--;
          errorsAll++;
          if (measured && slot.unsettled.delete(seq)) {
            tally.errors++;
            tally.failedSeqs.push(seq);
          }
          firstSendError ??= error instanceof Error ? error.message : String(error);
          wakeWindow();
        },
      );
    };

    const openLoop = async (slot: (typeof producers)[number], ratePerSec: number): Promise<void> => {
      const schedule: Schedule = { startUs, ratePerSec, producers: workload.producers, producerIndex: slot.id };
      let measuredSeq = 0;
      let warmupSeq = 0;
      for (let i = 0; ; i++) {
        const intended = intendedTimeUs(schedule, i);
        if (intended >= endUs || abortReason()) return;
        let now = nowUs();
        while (intended > now) {
          const waitUs = intended - now;
          if (waitUs >= 1000) await sleepMs(Math.floor(waitUs / 1000));
          else await yieldToIo();
          now = nowUs();
          if (abortReason()) return;
        }
        const measured = intended >= warmupEndUs;
        // a late send is sent late, never skipped: its intended time stays in the header
        sendOne(slot, intended, measured ? measuredSeq++ : warmupSeq++, measured);
        if (i % 64 === 63) await yieldToIo();
      }
    };

    const closedLoop = async (slot: (typeof producers)[number]): Promise<void> => {
      let measuredSeq = 0;
      let warmupSeq = 0;
      let sinceYield = 0;
      for (;;) {
        if (abortReason()) return;
        const now = nowUs();
        if (slot.quota !== undefined ? measuredSeq >= slot.quota : now >= endUs) return;
        if (coordinator.inFlight(sentAll, receivedAll, errorsAll) >= workload.inflight) {
          await new Promise<void>((resolve) => {
            windowWaiters.push(resolve);
            // re-check the clock and the shared window even when nothing arrives here
            setTimeout(resolve, workload.messages !== null ? 50 : 2);
          });
          continue;
        }
        const measured = slot.quota !== undefined || now >= warmupEndUs;
        sendOne(slot, now, measured ? measuredSeq++ : warmupSeq++, measured);
        if (++sinceYield >= 32) {
          sinceYield = 0;
          await yieldToIo();
        }
      }
    };

    const liveTimer = hooks.onLive ? setInterval(() => hooks.onLive?.(live()), 5) : undefined;
    let producersDoneUs = endUs;
    try {
      const rate = workload.rate;
      await Promise.all(producers.map((slot) => (rate === 'max' || slot.quota !== undefined ? closedLoop(slot) : openLoop(slot, rate))));
      producersDoneUs = nowUs();
      producersDone = true;
      // Drain: in-flight messages arrive before anything is called lost (shorter when interrupted).
      const interrupted = abortReason() !== undefined;
      const deadline = producersDoneUs + (interrupted ? Math.min(workload.drainTimeoutUs, 2_000_000) : workload.drainTimeoutUs);
      while (!coordinator.drained(live(), deadline)) {
        if (fatal) break;
        await sleepMs(5);
      }
    } finally {
      if (liveTimer) clearInterval(liveTimer);
      hooks.onLive?.(live());
    }

    for (const slot of producers) await closeQuietly(() => slot.producer.close());
    for (const consumer of consumers.splice(0)) await closeQuietly(() => consumer.close());
    // A send still unconfirmed when the run ends (the broker died with it) is one the harness gives up
    // on: a send error, like a nack. If it arrived anyway it is counted apart, never as lost or expected.
    for (const slot of producers) {
      for (const seq of slot.unsettled) {
        slot.tally.errors++;
        slot.tally.failedSeqs.push(seq);
      }
      slot.unsettled.clear();
    }
    const partial: PartialMeasurement = {
      ...(abortReason() ? { abortReason: abortReason() } : {}),
      ...(firstSendError ? { firstSendError } : {}),
      // copies: a late send rejection must not change the tallies after the accounting was taken
      producers: producers.map((p) => ({ ...p.tally, failedSeqs: [...p.tally.failedSeqs] })),
      consumers: perConsumer,
      streams: accounting.snapshot(
        new Map(Object.entries(coordinator.failedSeqs(localFailedSeqs())).map(([id, seqs]) => [Number(id), seqs] as const)),
      ),
      histograms: latenciesOf((name) => encodeHistogram(histograms[name])),
      timeline: timeline.toPartial(),
      receivedBytes,
      foreignMessages,
      startUs,
      warmupEndUs,
      endUs,
      producersDoneUs,
      finishedUs: nowUs(),
    };
    producers.splice(0);
    return partial;
  } finally {
    for (const slot of producers) await closeQuietly(() => slot.producer.close());
    for (const consumer of consumers) await closeQuietly(() => consumer.close());
    for (const histogram of Object.values(histograms)) histogram.destroy();
  }
}
