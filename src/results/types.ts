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
}

export type Loop = 'open-loop' | 'closed-loop';

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
  /** open loop only */
  openLoop?: OpenLoopOutcome;
  counts: Counts;
  accounting: StreamAccount[];
  /** measured messages each consumer received: shows how load spread over partitions */
  consumers: ConsumerReceipts[];
  throughput: Throughput;
  /** absent when the run failed before measuring */
  client?: ClientCost;
  latencyUs: Latencies<LatencySummary>;
  timeline: TimelinePoint[];
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
