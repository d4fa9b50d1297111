/**
 * The persisted result types: the source of truth for `schema.json` (generated from this file by
 * `npm run schema`; a test fails when the two disagree). The engine imports these, never the reverse.
 * JSDoc tags (@minimum, @pattern, @format) become schema constraints.
 */

export const schemaVersion = 2 as const;

/** How messages are delivered; each driver maps this onto its broker's features. */
export type DeliveryMode = 'noack' | 'ack';

/**
 * What a driver is told: the delivery mode, and its broker plug-in's own settings, resolved (e.g.
 * RabbitMQ prefetch and confirms, Kafka acks, linger and client). Version 1 files hold RabbitMQ's
 * and Kafka's knobs side by side here; version 2 holds only the measured broker's.
 */
export interface DriverSettings {
  delivery: DeliveryMode;
  [setting: string]: string | number | boolean;
}

/** Everything a run needs, fully resolved: what is stored in the result as `workload`. */
export interface Workload {
  broker: string;
  scenario: string;
  stream: string;
  /**
   * @asType integer
   * @minimum 1
   */
  durationUs: number;
  /**
   * @asType integer
   * @minimum 0
   */
  warmupUs: number;
  /**
   * @asType integer
   * @minimum 1
   */
  drainTimeoutUs: number;
  /**
   * No acknowledgement or receipt for this long while work is outstanding aborts the run.
   * @asType integer
   * @minimum 1
   */
  stallTimeoutUs: number;
  /**
   * bytes per message, header included
   * @asType integer
   * @minimum 32
   */
  messageSize: number;
  /** msg/s for the whole run (open loop) or 'max' (closed loop) */
  rate: PositiveRate | 'max';
  /**
   * closed loop: messages sent but not yet received, over the whole run
   * @asType integer
   * @minimum 1
   */
  inflight: number;
  /**
   * open loop: most sends awaiting the broker at once, over the whole run; what it holds back is late
   * @asType integer
   * @minimum 1
   */
  maxOutstanding: number;
  /**
   * @asType integer
   * @minimum 1
   */
  producers: number;
  /**
   * consumers per subscription
   * @asType integer
   * @minimum 1
   */
  consumers: number;
  /**
   * @asType integer
   * @minimum 1
   */
  partitions: number;
  /**
   * @asType integer
   * @minimum 1
   */
  subscriptions: number;
  /** a fixed message count instead of a timed window (hello-world) */
  messages: PositiveInteger | null;
  keyed: boolean;
  driver: DriverSettings;
  /** failover runs: the fault planned in the measured window (producers then resend what failed) */
  fault?: FaultRecord;
  /**
   * backlog runs: the backlog (bytes, over every subscription) producers build before consumers attach
   * @asType integer
   * @minimum 1
   */
  backlogBytes?: number;
  /** --stages: a ramping arrival rate over the measured window (then `rate` is its highest rate and `durationUs` the stages' sum) */
  ramp?: Ramp;
  /** --sizes: message sizes drawn per message from a distribution (then `messageSize` is its largest) */
  sizes?: SizeDistribution;
}

/** One stage of a ramp (k6's ramping-arrival-rate): the rate moves linearly from the previous target to this one. */
export interface RampStage {
  /**
   * @asType integer
   * @minimum 1
   */
  durationUs: number;
  targetPerSec: NonNegative;
}

/** A ramping arrival rate: from `startPerSec` (also the warmup's rate) through each stage in turn. */
export interface Ramp {
  startPerSec: NonNegative;
  stages: RampStage[];
}

/** A size and its share of the messages (weights need not sum to 1: they are relative). */
export interface WeightedSize {
  /**
   * bytes, header included
   * @asType integer
   * @minimum 32
   */
  bytes: number;
  /** @exclusiveMinimum 0 */
  weight: number;
}

/**
 * How message sizes are drawn: from listed sizes by weight, or uniformly from a range (whole bytes,
 * both ends included); each message's size comes from a PRNG keyed by the seed, the producer and
 * the message's sequence number, so a run with the same seed sends the same sizes.
 */
export type SizeDistribution =
  | { kind: 'weighted'; sizes: WeightedSize[]; seed: Count }
  | { kind: 'uniform'; minBytes: PositiveInteger; maxBytes: PositiveInteger; seed: Count };

/** Measured messages sent with a size in [fromBytes, toBytes], and their bytes. */
export interface SizeBucket {
  fromBytes: Count;
  toBytes: Count;
  sent: Count;
  bytes: Count;
}

/** @exclusiveMinimum 0 */
export type PositiveRate = number;

/**
 * @asType integer
 * @minimum 1
 */
export type PositiveInteger = number;

/**
 * @asType integer
 * @minimum 0
 */
export type Count = number;

/** @minimum 0 */
export type NonNegative = number;

export interface Environment {
  mqbenchVersion: string;
  gitCommit: string;
  node: string;
  os: string;
  cpuModel: string;
  /**
   * @asType integer
   * @minimum 1
   */
  cores: number;
  memoryBytes: Count;
  hostname: string;
}

export interface BrokerRecord {
  name: string;
  version: string;
  /**
   * credentials removed
   * @pattern ^(?![a-z][a-z0-9+.-]*://[^/@]*:[^/@]*@)
   */
  url: string;
  client: { name: string; version: string };
  settings: Record<string, string | number | boolean>;
  mapping: string;
}

export interface Counts {
  /** measured messages sent (handed to the client) */
  sent: Count;
  /** measured sends the broker (or client) took */
  acked: Count;
  /** unique measured messages received, summed over subscriptions */
  received: Count;
  expected: Count;
  lost: Count;
  duplicated: Count;
  reordered: Count;
  /** sends that failed, or were still unsettled when the run ended (in doubt) */
  sendErrors: Count;
  /** messages whose send failed (no broker confirm) that arrived anyway: in doubt, not lost */
  receivedDespiteSendError: Count;
  /** acknowledgements and receipts that came after the measurement closed: counted, never timed */
  arrivedAfterClose: Count;
}

export interface Throughput {
  /** measured sends / the send window */
  sentPerSec: NonNegative;
  /** unique measured receipts / the receive window */
  receivedPerSec: NonNegative;
  mbPerSec: NonNegative;
  /** from the end of warmup to when producers stopped (us) */
  sendWindowUs: Count;
  /** from the end of warmup to the last measured receipt, at least the send window (us) */
  receiveWindowUs: Count;
}

/** What an open-loop run asked for and what happened (k6's "dropped iterations", and more). */
export interface OpenLoopOutcome {
  askedPerSec: PositiveRate;
  achievedSendPerSec: NonNegative;
  receivedPerSec: NonNegative;
  /** measured sends the schedule called for in the measured window */
  scheduled: Count;
  /** scheduled sends never sent: the window closed first (the client or the cap could not keep up) */
  unsent: Count;
  /** measured sends that left more than `lateThresholdUs` after their intended time */
  lateSends: Count;
  lateThresholdUs: Count;
  /** measured sends that waited for a free slot under --max-outstanding */
  heldByCap: Count;
  /** achieved send rate at least 95% of the asked rate */
  targetReached: boolean;
}

/** What the load generator itself cost over the measured window (all its processes). */
export interface ClientCost {
  /** user + system CPU time of every client process over the measured window (us) */
  cpuUs: Count;
  /** cpuUs / unique measured messages received (or sent, when none were received) */
  cpuPerMessageUs: NonNegative;
  /** the busiest process's CPU time / window: near 1 (one core) the client may be the bottleneck */
  busiestProcessCpuShare: NonNegative;
  /** event-loop delay over the window, the worst process (us) */
  eventLoopDelayP99Us: Count;
  eventLoopDelayMaxUs: Count;
  /**
   * @asType integer
   * @minimum 1
   */
  processes: number;
}

/** A broker process whose cost was sampled, and how mqbench knew it. */
export interface BrokerProcess {
  /**
   * @asType integer
   * @minimum 1
   */
  pid: number;
  /** 'started by mqbench' (the plug-in knows it) or '--broker-pid' (the user named it) */
  source: 'started by mqbench' | '--broker-pid';
}

/** What the broker's processes on this host cost over the measured window (/proc, summed over processes). */
export interface MeasuredBrokerCost {
  measured: true;
  processes: BrokerProcess[];
  /** the sampled window (us): the measured window, give or take a timer's lateness */
  windowUs: Count;
  /** how late the window's first sample came after the measured window began (us) */
  windowStartLagUs: Count;
  /** measured messages sent; per message = (CPU or bytes per second, sampled) / (these per second over the send window) */
  messages: Count;
  /** user + system CPU time over the window (us) */
  cpuUs: Count;
  cpuSeconds: NonNegative;
  cpuPerMessageUs: NonNegative;
  /** highest summed resident memory (VmRSS) seen in the window's samples */
  peakRssBytes: Count;
  /** VmHWM at the window's end: the peak since each process started, not only this run */
  lifetimePeakRssBytes: Count;
  /** bytes the processes caused to be written to storage (/proc/<pid>/io write_bytes) over the window */
  diskWriteBytes?: Count;
  diskWriteBytesPerMessage?: NonNegative;
  /** why disk bytes are absent */
  diskNotMeasured?: string;
}

/** The broker was not sampled: a remote broker, or one mqbench did not start and no --broker-pid names. */
export interface UnmeasuredBrokerCost {
  measured: false;
  /** @minLength 1 */
  reason: string;
}

export type BrokerCost = MeasuredBrokerCost | UnmeasuredBrokerCost;

export interface ConsumerReceipts {
  subscription: Count;
  consumer: Count;
  received: Count;
}

export interface StreamAccount {
  subscription: Count;
  producer: Count;
  expected: Count;
  received: Count;
  lost: Count;
  duplicated: Count;
  reordered: Count;
  /** received messages whose send had failed (no broker confirm): delivered, but not expected */
  receivedDespiteSendError: Count;
}

export interface LatencySummary {
  count: Count;
  min: Count;
  mean: Count;
  p50: Count;
  p90: Count;
  p99: Count;
  p999: Count;
  p9999: Count;
  max: Count;
  /**
   * compressed base64 HdrHistogram V2 encoding: merge runs and workers exactly
   * @pattern ^HIST
   */
  hdr: string;
}

/** The four latencies every run records (DESIGN.md, measurement rules). */
export interface Latencies<T> {
  /** intended send time -> receipt (open loop: corrected for coordinated omission) */
  endToEnd: T;
  /** actual send time -> receipt */
  endToEndUncorrected: T;
  /** send -> broker acknowledgement */
  publish: T;
  /** intended -> actual send time */
  sendDelay: T;
}

export interface TimelinePoint {
  /** whole seconds since the start of the measured window */
  second: Count;
  sent: Count;
  acked: Count;
  received: Count;
  bytes: Count;
  /** corrected end-to-end p99 of messages received in this second (us); 0 when none */
  p99Us: Count;
  /** microseconds of this second that the run covered: 1,000,000 except for the last, partial one */
  coveredUs: Count;
  /** broker CPU time in this second (us), when the broker's processes were sampled */
  brokerCpuUs?: Count;
  /** broker resident memory at this second's end (bytes), when sampled */
  brokerRssBytes?: Count;
}

export type Loop = 'open-loop' | 'closed-loop';

/** One pod of a Kubernetes run (`bench merge`'s per-pod table). */
export interface PodRecord {
  /** JOB_COMPLETION_INDEX */
  index: Count;
  host: string;
  /** ok: ran its share; late: ready after start + slack, did not run; failed: stopped by an error; missing: no result line */
  status: 'ok' | 'late' | 'failed' | 'missing';
  /** when it was ready relative to the common start (us; negative: it waited); absent when missing */
  startOffsetUs?: number;
  /** measured messages its producers sent */
  sent: Count;
  /** unique measured messages its consumers received, summed over subscriptions */
  received: Count;
  /** the run-wide producer ids it ran (or should have) */
  producers: Count[];
  /** one line, credentials removed */
  error?: string;
}

/** Something that happened during a run besides messages: a fault injected or restored, a client reconnecting. */
/**
 * How a driver's messages travelled when it has more than one path (its own wire code beside its client
 * library's): requests and records per path since the driver connected (summed over worker processes),
 * and each fallback with its reason.
 */
export interface PathCounts {
  paths: { path: string; /** @asType integer */ requests: number; /** @asType integer */ records: number }[];
  fallbacks: { reason: string; /** @asType integer */ count: number }[];
}

export interface RunEvent {
  /** microseconds since the measured window started (negative: before it) */
  atUs: number;
  /** 'fault-injected' | 'fault-restored' | 'fault-failed' | 'reconnect' | ... */
  kind: string;
  /** @minLength 1 */
  detail: string;
  /** fault events: the node it hit (as numbered in `bench brokers status`) */
  node?: Count;
}

/** The fault a failover run planned: what, on which node, when (since the measured window started) and for how long. */
export interface FaultRecord {
  /** kill | stop | restart | partition | command */
  kind: string;
  /** --fault partition: isolate, peers or clients */
  partition?: string;
  /** leader | connected | node:N | command (the user's command text is never stored: it may hold a secret) */
  target: string;
  atUs: Count;
  /** null: never restored during the run (--fault-for never; restored after it) */
  forUs: Count | null;
  /** where the clients were placed (--clients): spread, failed-node or survivors; absent: the driver cannot place them */
  clients?: string;
  /** fresh producers opened on surviving nodes just after the fault (--late-joiners) */
  lateJoiners?: Count;
}

/** How one direction (publish acknowledgements or consumer receipts) went through the fault. */
export interface DirectionOutage {
  /** the longest stretch with no success that ends after the fault (us); 0 when there was none */
  unavailableUs: Count;
  /** where that stretch started, since the measured window started (us) */
  unavailableFromUs: Count;
  /** from the fault to the first success that ended the stretch (us); null: none came before the run ended */
  firstSuccessAfterFaultUs: Count | null;
}

/** Corrected end-to-end latency of the messages whose intended send time fell in one phase of the fault. */
export interface PhaseLatency {
  count: Count;
  p50Us: Count;
  p99Us: Count;
}

export interface ResendReason {
  reason: string;
  count: Count;
}

/** What a failover run measured about the fault (schema v2). */
export interface FailoverResult {
  fault: FaultRecord;
  /** false when the injector reported a failure and no injection (the run then measured no fault) */
  injected: boolean;
  /** when the fault was injected (from its event; the planned time when no event came), since the window started (us) */
  faultAtUs: Count;
  /** when it was restored, same clock; null when no restore event came */
  restoredAtUs: Count | null;
  /** resolution of the success buckets the outage is measured with (us) */
  bucketUs: Count;
  /** the fault's gaps: stretches that began before the restore began (the whole window when it never did) */
  publish: DirectionOutage;
  consume: DirectionOutage;
  /** what the restore caused (a node rejoining, a mirror syncing): the longest stretches that began once it began; absent when it began after the data */
  restoreGaps?: RestoreGaps;
  /** phases by intended send time: before the fault, fault to restore, after the restore */
  latency: { before: PhaseLatency; during: PhaseLatency; after: PhaseLatency };
  /** unique receipts per second before the fault */
  receivedPerSecBefore: NonNegative;
  /** from the fault to the end of the first whole second after the consume outage at >= 90% of that rate (us); null: never */
  recoveryUs: Count | null;
  /** acknowledged by the broker and never delivered: real loss */
  ackedThenLost: Count;
  /** never acknowledged (failed after every resend, or unsettled at the end) and never delivered */
  neverAckedLost: Count;
  /** never acknowledged but delivered anyway */
  neverAckedDelivered: Count;
  /** sends repeated after a failure or a connection loss (at-least-once resend) */
  resends: Count;
  /** why sends failed before they were resent: the most frequent reasons (one line each, credentials removed) */
  resendReasons: ResendReason[];
  duplicated: Count;
  reordered: Count;
  /** the node the fault hit (as numbered in `bench brokers status`); absent: not known (a user's command) */
  failedNode?: Count;
  /** per client population (--clients, --late-joiners): what the clients on each side of the fault saw */
  populations?: PopulationOutcome[];
  /** --fault partition with producers on both sides: what each side accepted and lost */
  divergence?: Divergence;
}

/** Gaps that began once the restore began (absolute times since the window started; firstSuccessAfterFaultUs still from the fault). */
export interface RestoreGaps {
  /** null: sends are not acknowledged by the broker (or no producer) */
  publish: DirectionOutage | null;
  /** null: no consumer */
  consume: DirectionOutage | null;
}

/**
 * One client population of a failover run: the clients placed on surviving nodes, those placed on
 * the node that failed (they reconnect elsewhere), and late joiners (fresh connections after the fault).
 */
export interface PopulationOutcome {
  /** survivors | failed-node | late-joiners */
  population: string;
  producers: Count;
  consumers: Count;
  /** the nodes they were placed on (as numbered in `bench brokers status`) */
  nodes: Count[];
  /** late joiners: when they were opened, since the window started (us) */
  joinedAtUs?: Count;
  /** the fault's gap (begun before the restore began); null: no producer in it (or sends are not acknowledged by the broker) */
  publish: DirectionOutage | null;
  /** null: no consumer in it */
  consume: DirectionOutage | null;
  /** the restore's gaps, as in the failover block */
  restoreGaps?: RestoreGaps;
  /** corrected end-to-end latency of the messages its producers sent, by the phase of the intended send time */
  latency: { before: PhaseLatency; during: PhaseLatency; after: PhaseLatency };
  /** of its producers' messages: acknowledged by the broker and never delivered */
  ackedThenLost: Count;
  /**
   * its producers' sends the broker acknowledged between the fault and the restore (the failed node's:
   * only until a client first lost its connection, after which they were on another node); null: sends
   * are not acknowledged by the broker (or no producer)
   */
  ackedDuringFault?: Count | null;
  duplicated: Count;
}

/**
 * A partition's divergence: whether the cut node's side and the rest both accepted writes while
 * apart, and how many acknowledged messages each side's producers lost (discarded at or after the
 * heal). Sides are told by where the producers were placed: the failed-node population is the cut
 * side, survivors and late joiners the majority.
 */
export interface Divergence {
  /** both sides acknowledged sends during the partition: a split brain that must be merged or thrown away at the heal */
  bothSidesAccepted: boolean;
  cutSide: DivergenceSide;
  majoritySide: DivergenceSide;
}

export interface DivergenceSide {
  producers: Count;
  /** sends acknowledged between the partition and the heal (the cut side's: while its clients were still on the cut node) */
  ackedDuringPartition: Count;
  /** of its producers' messages: acknowledged and never delivered */
  ackedThenLost: Count;
}

/**
 * A backlog run (OpenMessaging Benchmark's consumerBacklogSizeGB): producers build a backlog with no
 * consumer attached, then consumers attach and drain it while producers keep producing at the rate.
 */
export interface BacklogResult {
  /** the backlog asked for (bytes, over every subscription) */
  targetBytes: Count;
  /** the backlog when consumers were asked to attach: messages sent and not received, over every subscription */
  builtMessages: Count;
  builtBytes: Count;
  /** from the first send to the backlog's target (or to the end of sending, when it was not reached) */
  buildUs: Count;
  /** false: sending ended before the backlog reached its target; consumers attached then */
  reachedTarget: boolean;
  /** from asking consumers to attach to their first receipt (a consumer group's join, a subscription) */
  attachUs: Count;
  /** the backlog came down to `drainedBelowMessages` (consumers caught up with producers) */
  drained: boolean;
  /** what counts as drained: at most this many messages still in flight */
  drainedBelowMessages: Count;
  /** from the first receipt to drained (or to the last receipt, when it never drained) */
  drainUs: Count;
  /** messages received over every subscription while draining */
  drainMessages: Count;
  /** drainMessages over drainUs: the consume rate while draining (producers still producing) */
  drainPerSec: NonNegative;
  /** MB/s (10^6 bytes) while draining */
  drainMbPerSec: NonNegative;
}

interface RunResultBase {
  schemaVersion: typeof schemaVersion;
  /** @minLength 1 */
  id: string;
  /** @format date-time */
  startedAt: string;
  /** @format date-time */
  finishedAt: string;
  broker: BrokerRecord;
  workload: Workload;
  environment: Environment;
  /** 'open-loop' latency is corrected for coordinated omission; 'closed-loop' latency is labelled as such */
  loop: Loop;
  /** the executor's one-line description, e.g. "open loop at 2,000 msg/s, at most 2,000 outstanding" */
  executor: string;
  /** --sizes: the sizes the measured sends actually had, per bucket of the distribution */
  sizesSent?: SizeBucket[];
  /** open loop only */
  openLoop?: OpenLoopOutcome;
  counts: Counts;
  accounting: StreamAccount[];
  /** measured messages each consumer received: shows how load spread over partitions */
  consumers: ConsumerReceipts[];
  throughput: Throughput;
  /** absent when the run failed before measuring */
  client?: ClientCost;
  /** broker CPU, memory and disk per message (absent in files written before it existed) */
  brokerCost?: BrokerCost;
  latencyUs: Latencies<LatencySummary>;
  timeline: TimelinePoint[];
  /** what the drivers reported during the run (reconnects, fallbacks to the client's path) and, in failover runs, the faults injected and restored */
  events?: RunEvent[];
  /** drivers with more than one path (Kafka: mqbench's wire code or the client's): which ran, in numbers */
  clientPaths?: PathCounts;
  /** failover runs: unavailability, loss and latency around the fault */
  failover?: FailoverResult;
  /** backlog runs: how the backlog was built and how fast consumers drained it */
  backlog?: BacklogResult;
  /** runs merged from the pods of a Kubernetes Indexed Job (`bench merge`): what each pod did */
  pods?: PodRecord[];
}

/**
 * completed: the run went to the end and every send was settled by the broker.
 * completed-with-errors: it went to the end, but some sends failed or stayed unsettled (exit 1).
 * aborted: it stopped early (broker lost, no progress, interrupted): partial counts (exit 4).
 * errored: it failed after connecting (setup, a worker crashed): what was known (exit 4).
 */
export type RunStatus = 'completed' | 'completed-with-errors' | 'aborted' | 'errored';

export interface CompletedRun extends RunResultBase {
  status: 'completed';
}

export interface UnsuccessfulRun extends RunResultBase {
  status: 'completed-with-errors' | 'aborted' | 'errored';
  /** one line, credentials removed */
  error: string;
}

/**
 * A run's result: a union on status, so an unsuccessful run still says what it measured.
 * @discriminator status
 */
export type RunResult = CompletedRun | UnsuccessfulRun;
