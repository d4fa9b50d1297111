import { assignPartitions } from '../drivers/partition.js';
import type { Consumer, Driver, DriverInfo, Producer, Topology } from '../drivers/types.js';
import { Accounting, settleAccounts, totals, type StreamAccount } from '../metrics/accounting.js';
import { createHistogram, initHistograms, summarize, type Histogram, type LatencySummary } from '../metrics/histogram.js';
import { Timeline, type TimelinePoint } from '../metrics/timeline.js';
import { nowUs, sleepMs } from '../util/clock.js';
import { headerSize, readHeader, stampSentTime, writeHeader } from './header.js';
import { intendedTimeUs, splitEvenly, type Schedule } from './schedule.js';
import { helloText, type Workload } from './workload.js';

export interface Progress {
  phase: 'warmup' | 'measure' | 'drain';
  elapsedUs: number;
  sentPerSec: number;
  receivedPerSec: number;
}

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  /** hello-world: the text each consumer received, after the header */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** stop early (Ctrl-C): producers stop, a short drain, then the run ends as aborted */
  signal?: AbortSignal;
}

export interface Counts {
  sent: number;
  acked: number;
  received: number;
  expected: number;
  lost: number;
  duplicated: number;
  reordered: number;
  sendErrors: number;
}

export interface Measurement {
  status: 'completed' | 'aborted';
  error?: string;
  info: DriverInfo;
  counts: Counts;
  accounts: StreamAccount[];
  throughput: { sentPerSec: number; receivedPerSec: number; mbPerSec: number };
  latencyUs: {
    endToEnd: LatencySummary;
    endToEndUncorrected: LatencySummary;
    publish: LatencySummary;
    sendDelay: LatencySummary;
  };
  timeline: TimelinePoint[];
  /** the length of the measured window actually used for rates (us) */
  measuredUs: number;
  /** messages received that were not ours (a shared topic/queue), never counted */
  foreignMessages: number;
  /** measured messages each consumer received (duplicates included) */
  perConsumer: ConsumerReceipts[];
}

export interface ConsumerReceipts {
  subscription: number;
  consumer: number;
  received: number;
}

interface ProducerStats {
  /** measured messages handed to the driver */
  sent: number;
  acked: number;
  errors: number;
  outstanding: number;
}

/** Runs one workload against a connected driver: setup, consumers, producers, drain, teardown. */
export async function runWorkload(driver: Driver, workload: Workload, runId: string, hooks: RunHooks = {}): Promise<Measurement> {
  await initHistograms();
  const topology: Topology = {
    prefix: `mqbench-${runId}`,
    stream: workload.stream,
    partitions: workload.partitions,
    subscriptions: workload.subscriptions,
  };
  const histograms = {
    endToEnd: createHistogram(),
    endToEndUncorrected: createHistogram(),
    publish: createHistogram(),
    sendDelay: createHistogram(),
  };
  const accounting = new Accounting();
  let abortReason: string | undefined;
  const abort = (reason: string): void => {
    abortReason ??= reason;
  };
  driver.onFatal((error) => abort(`broker connection lost: ${error.message}`));
  const onSignal = (): void => abort('interrupted');
  hooks.signal?.addEventListener('abort', onSignal, { once: true });

  const consumers: Consumer[] = [];
  const producers: Producer[] = [];
  let info: DriverInfo | undefined;
  try {
    await driver.setup(topology);
    info = await driver.info();

    // Receipt bookkeeping. Timeline origin is set when producers start.
    let timeline = new Timeline(Number.MAX_SAFE_INTEGER);
    let receivedAll = 0;
    let receivedMeasuredBytes = 0;
    let foreignMessages = 0;
    const windowWaiters: (() => void)[] = [];
    const wakeWindow = (): void => {
      for (const wake of windowWaiters.splice(0)) wake();
    };

    const perConsumer: ConsumerReceipts[] = [];
    for (let subscription = 0; subscription < workload.subscriptions; subscription++) {
      for (let c = 0; c < workload.consumers; c++) {
        const partitions = assignPartitions(workload.partitions, workload.consumers, c);
        const receipts: ConsumerReceipts = { subscription, consumer: c, received: 0 };
        perConsumer.push(receipts);
        const consumer = await driver.createConsumer(
          { subscription, partitions, groupSize: workload.consumers },
          (payload) => {
            const receivedAt = nowUs();
            const header = readHeader(payload);
            if (!header) {
              foreignMessages++;
              return;
            }
            receivedAll++;
            if (receivedAll % 64 === 0 || windowWaiters.length > 0) wakeWindow();
            if (!header.measured) return;
            receipts.received++;
            // a duplicate is counted by the accounting, not timed again
            if (!accounting.record(subscription, header.producerId, header.seq)) return;
            const corrected = Math.max(0, receivedAt - header.intendedUs);
            histograms.endToEnd.recordValue(corrected);
            histograms.endToEndUncorrected.recordValue(Math.max(0, receivedAt - header.sentUs));
            receivedMeasuredBytes += payload.length;
            timeline.received(receivedAt, payload.length, corrected);
            hooks.onMessageText?.(payload.subarray(headerSize).toString('utf8'), corrected);
          },
        );
        consumers.push(consumer);
      }
    }
    await driver.waitUntilConsumersReady(30_000);

    for (let p = 0; p < workload.producers; p++) producers.push(await driver.createProducer(p));

    const startUs = nowUs();
    const warmupEndUs = startUs + workload.warmupUs;
    const endUs = warmupEndUs + workload.durationUs;
    timeline = new Timeline(warmupEndUs);
    const stats: ProducerStats[] = producers.map(() => ({ sent: 0, acked: 0, errors: 0, outstanding: 0 }));
    let sentAll = 0;
    let settledErrorsAll = 0;
    let firstSendError: string | undefined;
    const fixedCounts = workload.messages !== null ? splitEvenly(workload.messages, workload.producers) : undefined;
    const body = Buffer.alloc(workload.messageSize - headerSize, workload.messages !== null ? helloText : 'mqbench ');

    const sendOne = (p: number, intendedUs: number, seq: number, measured: boolean): void => {
      const producer = producers[p] as Producer;
      const stat = stats[p] as ProducerStats;
      const payload = Buffer.allocUnsafe(workload.messageSize);
      writeHeader(payload, { producerId: p, seq, measured, intendedUs });
      body.copy(payload, headerSize);
      const key = workload.keyed ? `k${(seq * workload.producers + p) % 4096}` : undefined;
      const sentUs = nowUs();
      stampSentTime(payload, sentUs);
      sentAll++;
      if (measured) {
        stat.sent++;
        histograms.sendDelay.recordValue(Math.max(0, sentUs - intendedUs));
        timeline.sent(sentUs);
      }
      stat.outstanding++;
      producer.send(payload, key).then(
        () => {
          stat.outstanding--;
          if (!measured) return;
          const ackedUs = nowUs();
          stat.acked++;
          if (producer.brokerAcks) histograms.publish.recordValue(ackedUs - sentUs);
          timeline.acked(ackedUs);
        },
        (error: unknown) => {
          stat.outstanding--;
          settledErrorsAll++;
          if (measured) stat.errors++;
          firstSendError ??= error instanceof Error ? error.message : String(error);
          wakeWindow();
        },
      );
    };

    const openLoop = async (p: number, ratePerSec: number): Promise<void> => {
      const schedule: Schedule = { startUs, ratePerSec, producers: workload.producers, producerIndex: p };
      let measuredSeq = 0;
      let warmupSeq = 0;
      for (let i = 0; ; i++) {
        const intended = intendedTimeUs(schedule, i);
        if (intended >= endUs || abortReason) return;
        let now = nowUs();
        while (intended > now) {
          const waitUs = intended - now;
          if (waitUs >= 1000) await sleepMs(Math.floor(waitUs / 1000));
          else await new Promise<void>((resolve) => setImmediate(resolve));
          now = nowUs();
          if (abortReason) return;
        }
        const measured = intended >= warmupEndUs;
        sendOne(p, intended, measured ? measuredSeq++ : warmupSeq++, measured);
        // A late producer catches up without starving the consumers' callbacks.
        if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };

    const closedLoop = async (p: number): Promise<void> => {
      const quota = fixedCounts?.[p];
      let measuredSeq = 0;
      let warmupSeq = 0;
      let sinceYield = 0;
      for (;;) {
        if (abortReason) return;
        const now = nowUs();
        if (quota !== undefined ? measuredSeq >= quota : now >= endUs) return;
        const inFlight = sentAll - Math.floor(receivedAll / workload.subscriptions) - settledErrorsAll;
        if (inFlight >= workload.inflight) {
          await new Promise<void>((resolve) => {
            windowWaiters.push(resolve);
            // re-check the clock even when nothing arrives (a lost message must not stall the run)
            setTimeout(resolve, 50);
          });
          continue;
        }
        const measured = quota !== undefined || now >= warmupEndUs;
        sendOne(p, now, measured ? measuredSeq++ : warmupSeq++, measured);
        if (++sinceYield >= 32) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    };

    // Live progress once a second.
    let lastSent = 0;
    let lastReceived = 0;
    const progressTimer = setInterval(() => {
      const now = nowUs();
      const phase = now < warmupEndUs ? 'warmup' : now < endUs ? 'measure' : 'drain';
      hooks.onProgress?.({
        phase,
        elapsedUs: now - startUs,
        sentPerSec: sentAll - lastSent,
        receivedPerSec: receivedAll - lastReceived,
      });
      lastSent = sentAll;
      lastReceived = receivedAll;
    }, 1000);

    try {
      const rate = workload.rate;
      await Promise.all(
        producers.map((_, p) => (rate === 'max' || fixedCounts ? closedLoop(p) : openLoop(p, rate))),
      );
      const producersDoneUs = nowUs();

      // Drain: let in-flight messages arrive before anything is called lost.
      const drainBudgetUs = abortReason ? Math.min(workload.drainTimeoutUs, 2_000_000) : workload.drainTimeoutUs;
      const drainDeadline = producersDoneUs + drainBudgetUs;
      const expectedPerSubscription = (): number => stats.reduce((sum, s) => sum + s.sent - s.errors, 0);
      const everythingArrived = (): boolean => {
        if (stats.some((s) => s.outstanding > 0)) return false;
        const expected = expectedPerSubscription();
        for (let s = 0; s < workload.subscriptions; s++) if (accounting.receivedIn(s) < expected) return false;
        return true;
      };
      while (!everythingArrived() && nowUs() < drainDeadline && !(abortReason && abortReason !== 'interrupted')) {
        await sleepMs(10);
      }
    } finally {
      clearInterval(progressTimer);
    }

    for (const producer of producers.splice(0)) await producer.close().catch(() => undefined);
    for (const consumer of consumers.splice(0)) await consumer.close().catch(() => undefined);

    const measuredUs = fixedCounts ? Math.max(1, nowUs() - startUs) : Math.max(1, Math.min(nowUs(), endUs) - warmupEndUs);
    const expectedByProducer = new Map(stats.map((s, p) => [p, s.sent - s.errors] as const));
    const accounts = settleAccounts(expectedByProducer, workload.subscriptions, accounting.snapshot());
    const sum = totals(accounts);
    const counts: Counts = {
      sent: stats.reduce((n, s) => n + s.sent, 0),
      acked: stats.reduce((n, s) => n + s.acked, 0),
      received: sum.received,
      expected: sum.expected,
      lost: sum.lost,
      duplicated: sum.duplicated,
      reordered: sum.reordered,
      sendErrors: stats.reduce((n, s) => n + s.errors, 0),
    };
    const seconds = measuredUs / 1_000_000;
    const measurement: Measurement = {
      status: abortReason ? 'aborted' : 'completed',
      ...(abortReason ? { error: abortReason } : firstSendError ? { error: `send failed: ${firstSendError}` } : {}),
      info,
      counts,
      accounts,
      throughput: {
        sentPerSec: counts.sent / seconds,
        receivedPerSec: counts.received / seconds,
        mbPerSec: receivedMeasuredBytes / seconds / 1_000_000,
      },
      latencyUs: {
        endToEnd: summarize(histograms.endToEnd),
        endToEndUncorrected: summarize(histograms.endToEndUncorrected),
        publish: summarize(histograms.publish),
        sendDelay: summarize(histograms.sendDelay),
      },
      timeline: timeline.finish(),
      measuredUs,
      foreignMessages,
      perConsumer,
    };
    return measurement;
  } finally {
    hooks.signal?.removeEventListener('abort', onSignal);
    for (const producer of producers) await producer.close().catch(() => undefined);
    for (const consumer of consumers) await consumer.close().catch(() => undefined);
    await driver.teardown().catch((error: unknown) => {
      process.stderr.write(`warning: teardown failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
    for (const histogram of Object.values(histograms) as Histogram[]) histogram.destroy();
  }
}
