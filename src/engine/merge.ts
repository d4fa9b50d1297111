import type { DriverInfo } from '../drivers/types.js';
import { settleAccounts, totals, type StreamAccount } from '../metrics/accounting.js';
import { latenciesOf, summarizeMerged, type Latencies, type LatencySummary } from '../metrics/histogram.js';
import { mergeTimelines, type TimelinePoint } from '../metrics/timeline.js';
import type { ConsumerReceipts, PartialMeasurement } from './participant.js';
import type { Workload } from './workload.js';

export interface Counts {
  sent: number;
  acked: number;
  received: number;
  expected: number;
  lost: number;
  duplicated: number;
  reordered: number;
  sendErrors: number;
  /** messages whose send failed (no broker confirm) that arrived anyway: in doubt, not lost */
  receivedDespiteSendError: number;
}

export interface Throughput {
  sentPerSec: number;
  receivedPerSec: number;
  mbPerSec: number;
}

export interface Measurement {
  status: 'completed' | 'aborted';
  error?: string;
  info: DriverInfo;
  counts: Counts;
  accounts: StreamAccount[];
  perConsumer: ConsumerReceipts[];
  throughput: Throughput;
  latencyUs: Latencies<LatencySummary>;
  timeline: TimelinePoint[];
  /** the length of the window that rates are computed over (us) */
  measuredUs: number;
  /** messages received that were not ours, never counted */
  foreignMessages: number;
}


/** Joins the partial measurements of every participant into one: histograms added, counts summed. */
export function mergePartials(workload: Workload, info: DriverInfo, partials: readonly PartialMeasurement[], abortReason?: string): Measurement {
  const expectedByProducer = new Map<number, number>();
  for (const part of partials) for (const p of part.producers) expectedByProducer.set(p.id, (expectedByProducer.get(p.id) ?? 0) + p.sent - p.errors);
  const accounts = settleAccounts(
    expectedByProducer,
    workload.subscriptions,
    partials.flatMap((p) => p.streams),
  );
  const sum = totals(accounts);
  const producers = partials.flatMap((p) => p.producers);
  const counts: Counts = {
    sent: producers.reduce((n, p) => n + p.sent, 0),
    acked: producers.reduce((n, p) => n + p.acked, 0),
    received: sum.received,
    expected: sum.expected,
    lost: sum.lost,
    duplicated: sum.duplicated,
    reordered: sum.reordered,
    sendErrors: producers.reduce((n, p) => n + p.errors, 0),
    receivedDespiteSendError: sum.receivedDespiteSendError,
  };
  // A fixed message count has no window: rates are over the whole run. Otherwise over the measured
  // window, cut short if the run stopped early.
  const first = partials[0];
  const measuredUs = !first
    ? 1
    : workload.messages !== null
      ? Math.max(1, Math.max(...partials.map((p) => p.finishedUs)) - first.startUs)
      : Math.max(1, Math.min(Math.max(...partials.map((p) => p.producersDoneUs)), first.endUs) - first.warmupEndUs);
  const seconds = measuredUs / 1_000_000;
  const reason = abortReason ?? partials.find((p) => p.abortReason)?.abortReason;
  const sendError = partials.find((p) => p.firstSendError)?.firstSendError;
  return {
    status: reason ? 'aborted' : 'completed',
    ...(reason ? { error: reason } : sendError ? { error: `send failed: ${sendError}` } : {}),
    info,
    counts,
    accounts,
    perConsumer: partials.flatMap((p) => p.consumers).sort((a, b) => a.subscription - b.subscription || a.consumer - b.consumer),
    throughput: {
      sentPerSec: counts.sent / seconds,
      receivedPerSec: counts.received / seconds,
      mbPerSec: partials.reduce((n, p) => n + p.receivedBytes, 0) / seconds / 1_000_000,
    },
    latencyUs: latenciesOf((name) => summarizeMerged(partials.map((p) => p.histograms[name]))),
    timeline: mergeTimelines(partials.map((p) => p.timeline)),
    measuredUs,
    foreignMessages: partials.reduce((n, p) => n + p.foreignMessages, 0),
  };
}
