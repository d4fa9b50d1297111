/**
 * Result schema version 1 -> version 2. Pure: no I/O, no clock; the input is not modified.
 * The input must already match schema-v1.json (validate.ts, v1ResultProblem); the output is
 * meant to be checked against schema.json (store.ts does both).
 *
 * What v1 did not record is filled in as described at each field, never invented as a measurement:
 * no `openLoop` block (v1 did not measure the schedule, lateness or unsent sends).
 */
import { formatCount } from '../util/format.js';
import type {
  DriverSettings,
  BrokerRecord,
  ConsumerReceipts,
  Counts,
  Environment,
  Latencies,
  LatencySummary,
  Loop,
  RunResult,
  StreamAccount,
  Throughput,
  TimelinePoint,
  Workload,
} from './types.js';
import { schemaVersion } from './types.js';
import { nounFor, plural } from '../util/plural.js';

/** What schema-v1.json guarantees (v1 also allowed unknown keys; they are not carried over). */
export interface ResultV1 {
  schemaVersion: 1;
  id: string;
  status: 'completed' | 'aborted' | 'errored';
  /** required for aborted and errored */
  error?: string;
  startedAt: string;
  finishedAt: string;
  broker: BrokerRecord;
  workload: Omit<Workload, 'stallTimeoutUs' | 'maxOutstanding'>;
  environment: Environment;
  loop: Loop;
  /** receivedDespiteSendError is absent from v1 files written before it existed */
  counts: Omit<Counts, 'receivedDespiteSendError' | 'arrivedAfterClose'> & { receivedDespiteSendError?: number };
  accounting: (Omit<StreamAccount, 'receivedDespiteSendError'> & { receivedDespiteSendError?: number })[];
  consumers: ConsumerReceipts[];
  throughput: Pick<Throughput, 'sentPerSec' | 'receivedPerSec' | 'mbPerSec'>;
  latencyUs: Latencies<LatencySummary>;
  timeline: Omit<TimelinePoint, 'coveredUs'>[];
}

/**
 * v2's default stall timeout (the options table, stall-timeout: 10s; the test keeps
 * the two equal). v1 had no stall detection at all: this is what v2 would use for the same flags,
 * not something the v1 run enforced.
 */
const v2DefaultStallTimeoutUs = 10_000_000;

/**
 * A v1 run's cap on outstanding sends, as v2 records it: closed loop -> the in-flight window, which
 * bounded outstanding sends then too; open loop -> no cap at all (v1 had none), recorded as the
 * largest safe integer rather than a v2 default the run never used.
 */
function v1MaxOutstanding(workload: ResultV1['workload']): number {
  return workload.rate === 'max' ? workload.inflight : Number.MAX_SAFE_INTEGER;
}

/**
 * The executor's one-line description, worded as engine/executors/{closed-loop,open-loop}.ts word
 * it, chosen as executors/index.ts chooses (a message count or 'max' is a closed loop).
 */
export function v1ExecutorDescription(workload: ResultV1['workload']): string {
  if (workload.messages !== null) return `${plural(workload.messages, 'message')}, then stop`;
  if (workload.rate === 'max') return `closed loop, ${formatCount(workload.inflight)} in flight`;
  return `open loop at ${formatCount(workload.rate)} msg/s (v1 result: no outstanding cap)`;
}

/**
 * The window v1 divided its counts by (us). v1 used one window for both rates: the measured window
 * (end of warmup to when producers stopped, shorter if aborted), or the whole run for a message
 * count. It stored only the rates, so the window is recovered from them (count / rate); with
 * nothing sent or received the rates say nothing, and the configured duration stands in.
 */
function v1WindowUs(v1: ResultV1): number {
  const { counts, throughput } = v1;
  if (counts.sent > 0 && throughput.sentPerSec > 0) return Math.max(1, Math.round((counts.sent / throughput.sentPerSec) * 1e6));
  if (counts.received > 0 && throughput.receivedPerSec > 0) {
    return Math.max(1, Math.round((counts.received / throughput.receivedPerSec) * 1e6));
  }
  return v1.workload.durationUs;
}

function latency(s: LatencySummary): LatencySummary {
  return { count: s.count, min: s.min, mean: s.mean, p50: s.p50, p90: s.p90, p99: s.p99, p999: s.p999, p9999: s.p9999, max: s.max, hdr: s.hdr };
}

function v1Counts(v1: ResultV1): Counts {
  return {
    sent: v1.counts.sent,
    acked: v1.counts.acked,
    received: v1.counts.received,
    expected: v1.counts.expected,
    lost: v1.counts.lost,
    duplicated: v1.counts.duplicated,
    reordered: v1.counts.reordered,
    sendErrors: v1.counts.sendErrors,
    // v1 files written before this count existed had none to report
    receivedDespiteSendError: v1.counts.receivedDespiteSendError ?? 0,
    // v1 did not count late acknowledgements and receipts separately
    arrivedAfterClose: 0,
  };
}

function v1Workload(w: ResultV1['workload']): Workload {
  return {
    broker: w.broker,
    scenario: w.scenario,
    stream: w.stream,
    durationUs: w.durationUs,
    warmupUs: w.warmupUs,
    drainTimeoutUs: w.drainTimeoutUs,
    stallTimeoutUs: v2DefaultStallTimeoutUs,
    messageSize: w.messageSize,
    rate: w.rate,
    inflight: w.inflight,
    maxOutstanding: v1MaxOutstanding(w),
    producers: w.producers,
    consumers: w.consumers,
    partitions: w.partitions,
    subscriptions: w.subscriptions,
    messages: w.messages,
    keyed: w.keyed,
    // v1 held RabbitMQ's and Kafka's knobs side by side: kept as they were
    driver: { ...w.driver } as DriverSettings,
  };
}

function v1Broker(b: BrokerRecord): BrokerRecord {
  return {
    name: b.name,
    version: b.version,
    url: b.url,
    client: { name: b.client.name, version: b.client.version },
    settings: { ...b.settings },
    mapping: b.mapping,
  };
}

function v1Environment(e: Environment): Environment {
  return {
    mqbenchVersion: e.mqbenchVersion,
    gitCommit: e.gitCommit,
    node: e.node,
    os: e.os,
    cpuModel: e.cpuModel,
    cores: e.cores,
    memoryBytes: e.memoryBytes,
    hostname: e.hostname,
  };
}

function v1StreamAccount(a: ResultV1['accounting'][number]): StreamAccount {
  return {
    subscription: a.subscription,
    producer: a.producer,
    expected: a.expected,
    received: a.received,
    lost: a.lost,
    duplicated: a.duplicated,
    reordered: a.reordered,
    receivedDespiteSendError: a.receivedDespiteSendError ?? 0,
  };
}

function v1Throughput(v1: ResultV1): Throughput {
  const windowUs = v1WindowUs(v1);
  return {
    sentPerSec: v1.throughput.sentPerSec,
    receivedPerSec: v1.throughput.receivedPerSec,
    mbPerSec: v1.throughput.mbPerSec,
    sendWindowUs: windowUs,
    receiveWindowUs: windowUs,
  };
}

function v1Latencies(l: ResultV1['latencyUs']): Latencies<LatencySummary> {
  return {
    endToEnd: latency(l.endToEnd),
    endToEndUncorrected: latency(l.endToEndUncorrected),
    publish: latency(l.publish),
    sendDelay: latency(l.sendDelay),
  };
}

/**
 * v1 did not record how much of each second the run covered: every point counts as a full second
 * (the last one, usually partial, was shown that way by v1 too)
 */
function v1TimelinePoint(p: ResultV1['timeline'][number]): TimelinePoint {
  return { second: p.second, sent: p.sent, acked: p.acked, received: p.received, bytes: p.bytes, p99Us: p.p99Us, coveredUs: 1_000_000 };
}

/** A v1 result (already valid against schema-v1.json) in the version 2 shape. */
export function migrateV1(v1: ResultV1): RunResult {
  const w = v1.workload;
  const counts = v1Counts(v1);
  const body = {
    schemaVersion,
    id: v1.id,
    startedAt: v1.startedAt,
    finishedAt: v1.finishedAt,
    broker: v1Broker(v1.broker),
    workload: v1Workload(w),
    environment: v1Environment(v1.environment),
    loop: v1.loop,
    executor: v1ExecutorDescription(w),
    counts,
    accounting: v1.accounting.map(v1StreamAccount),
    consumers: v1.consumers.map((c) => ({ subscription: c.subscription, consumer: c.consumer, received: c.received })),
    throughput: v1Throughput(v1),
    latencyUs: v1Latencies(v1.latencyUs),
    timeline: v1.timeline.map(v1TimelinePoint),
  };
  const outcome = v1Outcome(v1, counts);
  return outcome.status === 'completed' ? { ...body, status: outcome.status } : { ...body, ...outcome };
}

/** v1 called a run completed even when sends failed; v2 calls that completed-with-errors (merge.ts wording). */
function v1Outcome(v1: ResultV1, counts: Counts): { status: 'completed' } | { status: 'completed-with-errors' | 'aborted' | 'errored'; error: string } {
  if (v1.status !== 'completed') return { status: v1.status, error: v1.error ?? v1.status };
  if (counts.sendErrors === 0) return { status: 'completed' };
  return {
    status: 'completed-with-errors',
    error: v1.error ?? `${counts.sendErrors} measured ${nounFor(counts.sendErrors, 'send')} failed or ${nounFor(counts.sendErrors, 'was', 'were')} never confirmed (v1 result: the first error was not recorded)`,
  };
}
