/**
 * The driver contract (DESIGN.md). A driver knows its broker and nothing about timing:
 * the harness owns clocks, rates and histograms.
 */

import type { DriverSettings, PathCounts } from '../results/types.js';

export type { DeliveryMode, DriverSettings, PathCounts } from '../results/types.js';

/**
 * A named stream of messages with P partitions and K independent subscriptions.
 * Every subscription receives every message; within a subscription, partition p is read by one consumer.
 */
export interface Topology {
  /** Unique per run; every broker object is named under it, so teardown removes exactly what setup made. */
  prefix: string;
  /** The scenario's own name for the stream (e.g. "hello"). */
  stream: string;
  partitions: number;
  subscriptions: number;
}

export interface Producer {
  /** True when `send` resolves on a broker acknowledgement (so publish latency means something). */
  readonly brokerAcks: boolean;
  /**
   * Resolves when the broker has taken the message under the configured guarantee
   * (publisher confirm / Kafka acks); without one, when the client has written it.
   */
  send(payload: Buffer, key?: string): Promise<void>;
  /**
   * Optional: the same send, settled by calling `done.settled()` once (with the error, if it failed)
   * instead of through a promise. A driver that gathers messages into batches offers it, so that a
   * message costs no promise, no closures and no microtasks of its own; the engine uses it when present.
   * A synchronous throw counts as the send's failure, unless `done` was settled already.
   */
  sendWith?(payload: Buffer, key: string | undefined, done: SendDone): void;
  close(): Promise<void>;
}

/** Told once when a send settles: acknowledged (no argument) or failed. */
export interface SendDone {
  settled(error?: Error): void;
}

export interface ConsumerSpec {
  /** 0..subscriptions-1 */
  subscription: number;
  /** Which partitions this consumer reads, when the broker lets the client choose (RabbitMQ, memory). */
  partitions: readonly number[];
  /** The number of consumers sharing this subscription (Kafka: group members). */
  groupSize: number;
  /** Failover runs of a plug-in that places clients: connect to this node first (index into the endpoint's URL list). */
  node?: number;
}

/** Where a client connects first (a plug-in that places clients): an index into the endpoint's URL list. */
export interface ClientPlacement {
  node: number;
}

export type MessageHandler = (payload: Buffer) => void;

export interface Consumer {
  close(): Promise<void>;
}

export interface ClientInfo {
  name: string;
  version: string;
}

export interface DriverInfo {
  broker: string;
  brokerVersion: string;
  client: ClientInfo;
  /** URL with credentials removed. */
  url: string;
  /** The settings the driver really used, including what it chose on its own. */
  settings: Record<string, string | number | boolean>;
  /** How each topology element was mapped onto the broker, for the result and `bench list --verbose`. */
  mapping: string;
}

export interface Driver {
  readonly name: string;
  /** Connects within a bounded time; throws BrokerUnreachableError if the broker does not answer. */
  connect(): Promise<void>;
  setup(topology: Topology): Promise<void>;
  /**
   * Uses a topology another process set up (worker processes): nothing is created, and this
   * driver's teardown removes nothing of it. The memory driver, being in-process, sets up its own.
   */
  attach(topology: Topology): Promise<void>;
  /** Per subscription, the partitions this driver's consumers are attached to now (Kafka: the group assignment). */
  assignedPartitions(): number[][];
  /** `placement`: failover runs of a plug-in that places clients; the producer gets a connection of its own on that node. */
  createProducer(producerId: number, placement?: ClientPlacement): Promise<Producer>;
  /** Resolves once the consumer is subscribed and will see every message sent after this point. */
  createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer>;
  /** Waits until every consumer created so far is attached to its partitions (Kafka group join). */
  waitUntilConsumersReady(timeoutMs: number): Promise<void>;
  /** Removes exactly what setup made. Safe to call twice or after a failed setup. */
  teardown(): Promise<void>;
  info(): Promise<DriverInfo>;
  /** Closes connections; producers and consumers must be closed before. */
  close(): Promise<void>;
  /** Called once if the connection to the broker is lost mid-run. */
  onFatal(listener: (error: Error) => void): void;
  /**
   * Things worth a line in the result besides messages (failover: connection lost, reconnected to
   * another node, consumers re-subscribed). The engine stamps the time.
   */
  onEvent?(listener: (event: DriverEvent) => void): void;
  /**
   * How this driver's messages travelled, in numbers, since it connected: a driver with more than one
   * path (its own wire code beside its client library's) says how much went each way and why it fell
   * back. Read once after the run; summed over worker processes.
   */
  pathCounts?(): PathCounts;
}


/** What a driver reports; the engine adds when (RunEvent in the result). */
export interface DriverEvent {
  kind: string;
  /** one line, credentials removed */
  detail: string;
}

export interface DriverOptions {
  url: string;
  settings: DriverSettings;
  connectTimeoutMs: number;
  /** How to get a broker at this endpoint, for the one-line error when none answers. */
  startHint?: string;
  /** The broker version when mqbench knows it from elsewhere (it started the broker itself). */
  brokerVersion?: string;
}
