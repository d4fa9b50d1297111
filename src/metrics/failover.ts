/**
 * What a failover run says about its fault (DESIGN.md, result `failover`): per direction the
 * unavailability window and the time to the first success after the fault, latency before / during /
 * after, the time until throughput is back, and the message account. Pure: the recorder's success
 * buckets, phase histograms and counts in, the result block out.
 */
import type { Counts, DirectionOutage, FailoverResult, FaultRecord, PhaseLatency, RunEvent } from '../results/types.js';
import { summarizeMerged } from './histogram.js';

/** Fine-grained successes (counts per bucket since the measured window started) and phase histograms. */
export interface FailoverRecording {
  bucketUs: number;
  /** broker acknowledgements of measured sends, per bucket */
  acks: number[];
  /** measured receipts (duplicates included: a receipt is a sign of life), per bucket */
  receipts: number[];
  /** corrected end-to-end latency by the phase of the intended send time (encoded histograms) */
  phases: { before: string; during: string; after: string };
  resends: number;
  /** send failure reasons that led to a resend, with counts */
  resendReasons: { reason: string; count: number }[];
  /** the same successes and latency per group of placed clients (key: `node:<position>` or `late`) */
  groups?: GroupRecording[];
}

/** One group's successes and latency (a group: the clients placed on one node, or the late joiners). */
export interface GroupRecording {
  key: string;
  acks: number[];
  receipts: number[];
  phases: { before: string; during: string; after: string };
}

export interface FailoverInputs {
  recording: FailoverRecording;
  fault: FaultRecord;
  events: readonly RunEvent[];
  /** until when acknowledgements could come (producers stopped, plus the drain), since the window started (us) */
  sendEndUs: number;
  /** until when receipts could come, same clock */
  receiveEndUs: number;
  counts: Counts;
  /** false when sends resolve without a broker acknowledgement: the publish direction then says nothing */
  brokerAcks: boolean;
}

/** A whole second of buckets: the throughput the recovery is judged by. */
const recoveryWindowUs = 1_000_000;
const recoveredShare = 0.9;

/** The fault time: the injector's event when it came, else the plan; the restore's start and end when they came. */
export function faultTimes(fault: FaultRecord, events: readonly RunEvent[]): { atUs: number; restoringAtUs: number | null; restoredAtUs: number | null } {
  const injected = events.find((e) => e.kind === 'fault-injected');
  const restoring = events.find((e) => e.kind === 'fault-restoring');
  const restored = events.find((e) => e.kind === 'fault-restored');
  return { atUs: Math.max(0, injected?.atUs ?? fault.atUs), restoringAtUs: restoring ? Math.max(0, restoring.atUs) : null, restoredAtUs: restored ? Math.max(0, restored.atUs) : null };
}

/** False only when the injector said it failed and never that it injected (no event at all: assumed done). */
export function faultInjected(events: readonly RunEvent[]): boolean {
  return events.some((e) => e.kind === 'fault-injected') || !events.some((e) => e.kind === 'fault-failed');
}

/** Which stretches count, by where they begin (us since the window started): [fromUs, beforeUs). */
export interface StretchStart {
  fromUs?: number;
  beforeUs?: number;
}

/**
 * The longest stretch of empty buckets that ends after the fault (one that ended before it is
 * ordinary idleness) and begins within `begins` (the fault's phase: before the restore began; the
 * restore's: after), bounded by the end of the data; and the first success that ended it.
 */
export function outageOf(buckets: readonly number[], bucketUs: number, faultUs: number, endUs: number, begins: StretchStart = {}): DirectionOutage {
  const lastBucket = Math.max(0, Math.ceil(endUs / bucketUs));
  const faultBucket = Math.floor(faultUs / bucketUs);
  const fromBucket = Math.floor((begins.fromUs ?? 0) / bucketUs);
  const beforeBucket = begins.beforeUs === undefined ? Number.POSITIVE_INFINITY : Math.floor(begins.beforeUs / bucketUs);
  let best: { from: number; to: number } | undefined;
  let runStart = -1;
  for (let i = 0; i <= lastBucket; i++) {
    const empty = i < lastBucket && (buckets[i] ?? 0) === 0;
    if (empty) {
      if (runStart < 0) runStart = i;
      continue;
    }
    // a stretch [runStart, i) closed here (by a success, or by the end of the data)
    const counts = runStart >= fromBucket && runStart < beforeBucket && i > faultBucket;
    if (runStart >= 0 && counts && (!best || i - runStart > best.to - best.from)) best = { from: runStart, to: i };
    runStart = -1;
  }
  if (!best) {
    const first = firstSuccessFrom(buckets, Math.max(faultBucket, fromBucket), lastBucket);
    return { unavailableUs: 0, unavailableFromUs: Math.max(faultUs, begins.fromUs ?? 0), firstSuccessAfterFaultUs: first === undefined ? null : Math.max(0, first * bucketUs - faultUs) };
  }
  const endedBySuccess = best.to < lastBucket;
  return {
    unavailableUs: (best.to - best.from) * bucketUs,
    unavailableFromUs: best.from * bucketUs,
    firstSuccessAfterFaultUs: endedBySuccess ? Math.max(0, best.to * bucketUs - faultUs) : null,
  };
}

/**
 * The outage of clients that came after the window started (late joiners): measured from when they
 * opened, so the time before they existed is not counted as theirs; the first success still counts
 * from the fault. `begins` bounds where a stretch may begin, as in outageOf.
 */
export function outageSince(buckets: readonly number[], bucketUs: number, sinceUs: number, faultUs: number, endUs: number, begins: StretchStart = {}): DirectionOutage {
  const from = Math.floor(sinceUs / bucketUs);
  const offsetUs = from * bucketUs;
  const localFaultUs = Math.max(0, faultUs - offsetUs);
  const shifted = (us: number | undefined): number | undefined => (us === undefined ? undefined : Math.max(0, us - offsetUs));
  const fromUs = shifted(begins.fromUs);
  const beforeUs = shifted(begins.beforeUs);
  const local = outageOf(buckets.slice(from), bucketUs, localFaultUs, endUs - offsetUs, { ...(fromUs === undefined ? {} : { fromUs }), ...(beforeUs === undefined ? {} : { beforeUs }) });
  const first = local.firstSuccessAfterFaultUs;
  return {
    unavailableUs: local.unavailableUs,
    unavailableFromUs: local.unavailableFromUs + offsetUs,
    firstSuccessAfterFaultUs: first === null ? null : Math.max(0, first + localFaultUs + offsetUs - faultUs),
  };
}

function firstSuccessFrom(buckets: readonly number[], from: number, to: number): number | undefined {
  for (let i = Math.max(0, from); i < to; i++) if ((buckets[i] ?? 0) > 0) return i;
  return undefined;
}

const sum = (buckets: readonly number[], from: number, to: number): number => {
  let n = 0;
  for (let i = Math.max(0, from); i < to; i++) n += buckets[i] ?? 0;
  return n;
};

/** Receipts per second over the measured window before the fault. */
export function rateBefore(buckets: readonly number[], bucketUs: number, faultUs: number): number {
  const faultBucket = Math.floor(faultUs / bucketUs);
  return faultBucket > 0 ? sum(buckets, 0, faultBucket) / ((faultBucket * bucketUs) / 1_000_000) : 0;
}

/**
 * From the fault to the end of the first whole second, starting once the consume outage is over,
 * whose receipts reach 90% of the rate before the fault; null when none does before the data ends.
 */
export function recoveryOf(buckets: readonly number[], bucketUs: number, faultUs: number, outage: DirectionOutage, endUs: number, before: number): number | null {
  if (before <= 0 || outage.firstSuccessAfterFaultUs === null) return null;
  const width = Math.max(1, Math.round(recoveryWindowUs / bucketUs));
  const needed = before * recoveredShare * (width * bucketUs / 1_000_000);
  const from = Math.floor((faultUs + outage.firstSuccessAfterFaultUs) / bucketUs);
  const last = Math.floor(endUs / bucketUs);
  let inWindow = sum(buckets, from, from + width);
  // a second may reach past the end of the data: what it already holds is enough to call it back
  for (let start = from; start < last; start++) {
    if (inWindow >= needed) return (start + width) * bucketUs - faultUs;
    inWindow += (buckets[start + width] ?? 0) - (buckets[start] ?? 0);
  }
  return null;
}

function phaseLatency(encoded: string): PhaseLatency {
  const summary = summarizeMerged([encoded]);
  return { count: summary.count, p50Us: summary.p50, p99Us: summary.p99 };
}

const noOutage = (faultUs: number): DirectionOutage => ({ unavailableUs: 0, unavailableFromUs: faultUs, firstSuccessAfterFaultUs: null });

/** The gaps that began once the restore began (a node rejoining, a mirror syncing), when it began within the data. */
function restoreGapsOf(recording: FailoverRecording, atUs: number, restoringAtUs: number | null, inputs: FailoverInputs): Pick<FailoverResult, 'restoreGaps'> {
  if (restoringAtUs === null || restoringAtUs >= Math.max(inputs.sendEndUs, inputs.receiveEndUs)) return {};
  const { bucketUs } = recording;
  const restorePhase: StretchStart = { fromUs: restoringAtUs };
  return {
    restoreGaps: {
      publish: inputs.brokerAcks ? outageOf(recording.acks, bucketUs, atUs, inputs.sendEndUs, restorePhase) : null,
      consume: outageOf(recording.receipts, bucketUs, atUs, inputs.receiveEndUs, restorePhase),
    },
  };
}

/** The result's `failover` block. */
export function analyseFailover(inputs: FailoverInputs): FailoverResult {
  const { recording, fault, counts } = inputs;
  const { bucketUs } = recording;
  const { atUs, restoringAtUs, restoredAtUs } = faultTimes(fault, inputs.events);
  // the fault's gaps begin before the restore does; what the restore itself causes is told apart
  const faultPhase: StretchStart = restoringAtUs === null ? {} : { beforeUs: restoringAtUs };
  const consume = outageOf(recording.receipts, bucketUs, atUs, inputs.receiveEndUs, faultPhase);
  const before = rateBefore(recording.receipts, bucketUs, atUs);
  const neverAckedDelivered = counts.receivedDespiteSendError;
  return {
    fault,
    injected: faultInjected(inputs.events),
    faultAtUs: atUs,
    restoredAtUs,
    bucketUs,
    publish: inputs.brokerAcks ? outageOf(recording.acks, bucketUs, atUs, inputs.sendEndUs, faultPhase) : noOutage(atUs),
    consume,
    ...restoreGapsOf(recording, atUs, restoringAtUs, inputs),
    latency: { before: phaseLatency(recording.phases.before), during: phaseLatency(recording.phases.during), after: phaseLatency(recording.phases.after) },
    receivedPerSecBefore: before,
    recoveryUs: recoveryOf(recording.receipts, bucketUs, atUs, consume, inputs.receiveEndUs, before),
    // the accounting's loss is of sends the broker acknowledged (a failed send is not expected)
    ackedThenLost: Math.max(0, counts.lost),
    neverAckedLost: Math.max(0, counts.sendErrors - neverAckedDelivered),
    neverAckedDelivered,
    resends: recording.resends,
    resendReasons: recording.resendReasons,
    duplicated: counts.duplicated,
    reordered: counts.reordered,
  };
}
