import { settleAccounts, totals } from '../metrics/accounting.js';
import { latenciesOf, summarizeMerged } from '../metrics/histogram.js';
import { mergeTimelines } from '../metrics/timeline.js';
import type { MeasuredParts } from './result.js';
import type { ClientCost, Counts, OpenLoopOutcome, PathCounts, RunEvent, SizeBucket, StreamAccount, Throughput, Workload } from '../results/types.js';
import { lateThresholdUs } from './executors/open-loop.js';
import type { PartialMeasurement } from './participant.js';
import { scheduledIn } from './schedule.js';
import { rampScheduledIn } from './ramp-schedule.js';
import { mergeSizeTallies } from '../metrics/size-distribution.js';
import { nounFor } from '../util/plural.js';

/** What the engine measured, before it is dressed as a RunResult (result.ts). */
export type Measurement = MeasuredParts & {
  /** messages received that were not ours, never counted */
  foreignMessages: number;
};

interface Windows {
  fromUs: number;
  sendEndUs: number;
  receiveEndUs: number;
}

/**
 * The windows rates are computed over: what really happened, never the schedule. Sends from the end
 * of warmup to when producers stopped (the window's end for a run that went to it); receipts from
 * the same point to the last measured receipt. A fixed message count has no warmup.
 */
function windowsOf(workload: Workload, partials: readonly PartialMeasurement[], aborted: boolean): Windows {
  const first = partials[0];
  if (!first) return { fromUs: 0, sendEndUs: 1, receiveEndUs: 1 };
  const producersDoneUs = Math.max(...partials.map((p) => p.producersDoneUs));
  const fromUs = first.warmupEndUs;
  const sendEndUs = workload.messages !== null || aborted ? Math.min(producersDoneUs, first.endUs) : first.endUs;
  const lastReceiptUs = Math.max(...partials.map((p) => p.lastReceiptUs));
  return { fromUs, sendEndUs: Math.max(fromUs + 1, sendEndUs), receiveEndUs: Math.max(fromUs + 1, sendEndUs, lastReceiptUs) };
}

function countsOf(partials: readonly PartialMeasurement[], accounts: readonly StreamAccount[]): Counts {
  const producers = partials.flatMap((p) => p.producers);
  const sum = totals(accounts);
  return {
    sent: producers.reduce((n, p) => n + p.sent, 0),
    acked: producers.reduce((n, p) => n + p.acked, 0),
    received: sum.received,
    expected: sum.expected,
    lost: sum.lost,
    duplicated: sum.duplicated,
    reordered: sum.reordered,
    sendErrors: producers.reduce((n, p) => n + p.errors, 0),
    receivedDespiteSendError: sum.receivedDespiteSendError,
    arrivedAfterClose: partials.reduce((n, p) => n + p.arrivedAfterClose, 0),
  };
}

function openLoopOutcome(workload: Workload, partials: readonly PartialMeasurement[], windows: Windows, counts: Counts, throughput: Throughput): OpenLoopOutcome | undefined {
  const first = partials[0];
  if (workload.rate === 'max' || workload.messages !== null || !first) return undefined;
  const scheduled = workload.ramp
    ? rampScheduledIn(workload.ramp, first.warmupEndUs - first.startUs, first.startUs, windows.fromUs, windows.sendEndUs)
    : scheduledIn(workload.rate, first.startUs, windows.fromUs, windows.sendEndUs);
  // a ramp asks for its mean rate over the window: what its stages intended there, per second
  const askedPerSec = (workload.ramp ? scheduled / ((windows.sendEndUs - windows.fromUs) / 1_000_000) : 0) || workload.rate;
  return {
    askedPerSec,
    achievedSendPerSec: throughput.sentPerSec,
    receivedPerSec: throughput.receivedPerSec,
    scheduled,
    unsent: Math.max(0, scheduled - counts.sent),
    lateSends: partials.reduce((n, p) => n + p.lateness.lateSends, 0),
    lateThresholdUs,
    heldByCap: partials.reduce((n, p) => n + p.lateness.heldByCap, 0),
    targetReached: throughput.sentPerSec >= 0.95 * askedPerSec,
  };
}

function clientCostOf(partials: readonly PartialMeasurement[], counts: Counts): ClientCost | undefined {
  const samples = partials.map((p) => p.clientCost).filter((c) => c.windowUs > 0);
  if (samples.length === 0) return undefined;
  const cpuUs = samples.reduce((n, c) => n + c.cpuUs, 0);
  const messages = counts.received > 0 ? counts.received : counts.sent;
  return {
    cpuUs,
    cpuPerMessageUs: messages > 0 ? cpuUs / messages : 0,
    busiestProcessCpuShare: Math.max(...samples.map((c) => c.cpuUs / c.windowUs)),
    eventLoopDelayP99Us: Math.max(...samples.map((c) => c.eventLoopDelayP99Us)),
    eventLoopDelayMaxUs: Math.max(...samples.map((c) => c.eventLoopDelayMaxUs)),
    processes: samples.length,
  };
}

function statusOf(counts: Counts, abortReason: string | undefined, firstSendError: string | undefined): Pick<Measurement, 'status' | 'error'> {
  if (abortReason) return { status: 'aborted', error: abortReason };
  if (counts.sendErrors === 0) return { status: 'completed' };
  const first = firstSendError ? `; first error: ${firstSendError}` : '; still unconfirmed when the run ended';
  return { status: 'completed-with-errors', error: `${counts.sendErrors} measured ${nounFor(counts.sendErrors, 'send')} failed or ${nounFor(counts.sendErrors, 'was', 'were')} never confirmed${first}` };
}

/** --sizes: the participants' tallies of the sizes sent, bucket by bucket. */
function sizesSentOf(partials: readonly PartialMeasurement[]): { sizesSent?: SizeBucket[] } {
  const sizesSent = mergeSizeTallies(partials.flatMap((p) => (p.sizesSent ? [p.sizesSent] : [])));
  return sizesSent ? { sizesSent } : {};
}

/** Every participant's driver events, in time order, relative to the measured window's start. */
function eventsOf(partials: readonly PartialMeasurement[], fromUs: number): RunEvent[] {
  return partials.flatMap((p) => (p.events ?? []).map((e) => ({ ...e, atUs: e.atUs - fromUs }))).sort((a, b) => a.atUs - b.atUs);
}

/** The participants' path counts summed per path and per fallback reason; undefined when no driver keeps them. */
function pathCountsOf(partials: readonly Pick<PartialMeasurement, 'pathCounts'>[]): PathCounts | undefined {
  const counted = partials.flatMap((p) => (p.pathCounts ? [p.pathCounts] : []));
  if (counted.length === 0) return undefined;
  const paths = new Map<string, { path: string; requests: number; records: number }>();
  const fallbacks = new Map<string, { reason: string; count: number }>();
  for (const part of counted) {
    for (const p of part.paths) {
      const sum = paths.get(p.path) ?? { path: p.path, requests: 0, records: 0 };
      paths.set(p.path, { path: p.path, requests: sum.requests + p.requests, records: sum.records + p.records });
    }
    for (const f of part.fallbacks) fallbacks.set(f.reason, { reason: f.reason, count: (fallbacks.get(f.reason)?.count ?? 0) + f.count });
  }
  return { paths: [...paths.values()], fallbacks: [...fallbacks.values()] };
}

/**
 * What a producer of a participant that never reported (a dead worker) is expected to have delivered:
 * nobody counted its sends, so what arrived of them (in its best-served subscription) is all that is
 * known; its streams then lose nothing, and every receipt stays counted (the histograms time them).
 */
function expectedOfMissing(streams: PartialMeasurement['streams'], producer: number): number {
  const bySubscription = new Map<number, number>();
  for (const s of streams) if (s.producer === producer) bySubscription.set(s.subscription, (bySubscription.get(s.subscription) ?? 0) + s.counts.received);
  return Math.max(0, ...bySubscription.values());
}

/**
 * Joins the partial measurements of every participant into one: histograms added, counts summed.
 * `missingProducers`: producers of a participant that never reported (the abort reason names them).
 */
export function mergePartials(workload: Workload, partials: readonly PartialMeasurement[], abortReason?: string, missingProducers: ReadonlySet<number> = new Set()): Measurement {
  const expectedByProducer = new Map<number, number>();
  for (const part of partials) for (const p of part.producers) expectedByProducer.set(p.id, (expectedByProducer.get(p.id) ?? 0) + p.sent - p.errors);
  const streams = partials.flatMap((p) => p.streams);
  for (const producer of missingProducers) if (!expectedByProducer.has(producer)) expectedByProducer.set(producer, expectedOfMissing(streams, producer));
  const accounts = settleAccounts(expectedByProducer, workload.subscriptions, streams);
  const counts = countsOf(partials, accounts);
  const reason = abortReason ?? partials.find((p) => p.abortReason)?.abortReason;
  const windows = windowsOf(workload, partials, reason !== undefined);
  const sendWindowUs = windows.sendEndUs - windows.fromUs;
  const receiveWindowUs = windows.receiveEndUs - windows.fromUs;
  const throughput: Throughput = {
    sentPerSec: counts.sent / (sendWindowUs / 1_000_000),
    receivedPerSec: counts.received / (receiveWindowUs / 1_000_000),
    mbPerSec: partials.reduce((n, p) => n + p.receivedBytes, 0) / (receiveWindowUs / 1_000_000) / 1_000_000,
    sendWindowUs,
    receiveWindowUs,
  };
  const openLoop = openLoopOutcome(workload, partials, windows, counts, throughput);
  const client = clientCostOf(partials, counts);
  const events = eventsOf(partials, windows.fromUs);
  const clientPaths = pathCountsOf(partials);
  return {
    ...statusOf(counts, reason, partials.find((p) => p.firstSendError)?.firstSendError),
    counts,
    accounting: accounts,
    consumers: partials.flatMap((p) => p.consumers).sort((a, b) => a.subscription - b.subscription || a.consumer - b.consumer),
    throughput,
    ...(openLoop ? { openLoop } : {}),
    ...(client ? { client } : {}),
    ...(events.length > 0 ? { events } : {}),
    ...(clientPaths ? { clientPaths } : {}),
    ...sizesSentOf(partials),
    // a backlog run has one participant (plan/backlog.ts refuses --workers)
    ...(partials[0]?.backlog ? { backlog: partials[0].backlog } : {}),
    latencyUs: latenciesOf((name) => summarizeMerged(partials.map((p) => p.histograms[name]))),
    timeline: mergeTimelines(partials.map((p) => p.timeline), receiveWindowUs),
    foreignMessages: partials.reduce((n, p) => n + p.foreignMessages, 0),
  };
}
