/**
 * What both Kafka drivers (kafkajs, @platformatic/kafka) share, so the two clients are measured
 * against the same topology names, the same producer batching and the same commit policy.
 */
import { sleepMs } from '../../util/clock.js';
import type { Producer, SendDone, Topology } from '../types.js';
import { plural } from '../../util/plural.js';

/** "kafka://host:port,host2:port" or "host:port" -> ["host:port", ...] */
export function parseKafkaBrokers(url: string): string[] {
  return url
    .replace(/^kafka:\/\//, '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function kafkaTopicName(topology: Topology): string {
  return `${topology.prefix}.${topology.stream}`;
}

export function kafkaGroupId(topology: Topology, subscription: number): string {
  return `${kafkaTopicName(topology)}.g${subscription}`;
}

export function kafkaGroupIds(topology: Topology): string[] {
  return Array.from({ length: topology.subscriptions }, (_, s) => kafkaGroupId(topology, s));
}

const connectionLossNames = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSNoBrokerAvailableError', 'NetworkError']);
const connectionLossMessage = /ECONNREFUSED|ECONNRESET|EPIPE|Connection error|Closed connection|Connection closed|Connection to .* failed/i;

/** Whether @platformatic/kafka's error (or one it wraps) has `key` equal to `value` (its findBy); false for any other error. */
export function errorHas(error: unknown, key: string, value: unknown): boolean {
  return Boolean((error as { findBy?: (key: string, value: unknown) => unknown }).findBy?.(key, value));
}

/**
 * True when an error (or anything that caused it) means the broker is gone, not a retriable hiccup.
 * Walks cause/originalError (kafkajs) and AggregateError.errors (@platformatic/kafka retries).
 */
export function isConnectionLoss(error: unknown): boolean {
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 20; seen++) {
    const e = queue.shift() as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown } | null;
    if (!e || typeof e !== 'object') continue;
    if (typeof e.name === 'string' && connectionLossNames.has(e.name)) return true;
    if (e.code === 'PLT_KFK_NETWORK' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET') return true;
    if (typeof e.message === 'string' && connectionLossMessage.test(e.message)) return true;
    queue.push(e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return false;
}

/** First line of an error's message: BrokerUnreachableError must stay one line. */
export function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/**
 * The innermost reason behind an error, on one line: @platformatic/kafka wraps its retries in
 * "metadata failed 4 times." with the real cause (e.g. ECONNREFUSED) a few levels down.
 */
export function rootCauseLine(error: unknown): string {
  let e = error;
  for (let depth = 0; depth < 10; depth++) {
    const { errors, cause } = (e ?? {}) as { errors?: unknown; cause?: unknown };
    const next = Array.isArray(errors) && errors.length > 0 ? errors[errors.length - 1] : cause;
    if (!(next instanceof Error)) break;
    e = next;
  }
  return firstLine(e);
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export interface BatchItem {
  payload: Buffer;
  key: string | undefined;
}

/**
 * Sends one gathered batch as one client call; resolves when the broker acked under the producer's
 * acks. A sender that wrote part of it (one request per leader) rejects with a PartialBatchError.
 */
export type SendBatch = (items: BatchItem[]) => Promise<void>;

/** Some messages of a batch failed, each group with its own error; every other message of the batch was written. */
export class PartialBatchError extends AggregateError {
  constructor(readonly failures: readonly { items: readonly BatchItem[]; error: Error }[]) {
    const first = failures[0]?.error.message ?? 'no failure';
    super(
      failures.map((f) => f.error),
      failures.length === 1 ? first : `${first} (and ${plural(failures.length - 1, 'more failure')} in the same batch)`,
    );
    this.name = 'PartialBatchError';
  }

  /** Each failed message with its error (the rest of the batch: none). */
  errorsByItem(): Map<BatchItem, Error> {
    const byItem = new Map<BatchItem, Error>();
    for (const { items, error } of this.failures) for (const item of items) byItem.set(item, error);
    return byItem;
  }
}

export interface Batcher {
  send(payload: Buffer, key: string | undefined): Promise<void>;
  /** The same, settled through `done` (the contract's Producer.sendWith): no promise per message. */
  sendWith(payload: Buffer, key: string | undefined, done: SendDone): void;
  /** Sends whatever is gathered now, without waiting for linger; resolves once its sends are settled. */
  flush(): Promise<void>;
}

interface PendingSend extends BatchItem {
  done: SendDone;
}

/**
 * Settles every item, even when one settled() throws (rethrown after the others: a bug must show):
 * with `error`, or, after a PartialBatchError, each with its own (none: written).
 */
function settleAll(batch: readonly PendingSend[], error: Error | undefined): void {
  const byItem = error instanceof PartialBatchError ? error.errorsByItem() : undefined;
  let thrown: unknown;
  for (const item of batch) {
    try {
      item.done.settled(byItem ? byItem.get(item) : error);
    } catch (e) {
      thrown ??= e;
    }
  }
  if (thrown !== undefined) throw thrown;
}

/** A record batch's fixed part (base offset .. record count), counted once per batch. */
const recordBatchHeaderBytes = 61;
/**
 * A record's bytes besides its key and value, at most: length (5), attributes (1), timestamp delta
 * (3: under 2^20 ms, far past the longest linger), offset delta (3: under 2^20 records, past the
 * largest batch size), key length (5), value length (5), headers count (1).
 */
const recordOverheadBytes = 23;

/** What a message adds to its record batch at most: the broker's message.max.bytes counts these bytes, not the payload. */
function encodedBytesAtMost(payload: Buffer, key: string | undefined): number {
  return recordOverheadBytes + payload.length + (key === undefined ? 0 : Buffer.byteLength(key));
}

/**
 * Neither client lingers across send() calls (each call is one produce request per leader).
 * Like the Java producer's linger.ms/batch.size, gather the messages handed to us into one call,
 * so throughput is not capped by round trips.
 */
export function createBatcher(sendBatch: SendBatch, lingerMs: number, batchSize: number, batchBytes: number): Batcher {
  let pending: PendingSend[] = [];
  /** the gathered records' encoded size, at most, with the batch header */
  let pendingBytes = recordBatchHeaderBytes;
  let flushScheduled = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  const flush = (): Promise<void> => {
    flushScheduled = false;
    // a batch sent early (full) must not leave its linger timer to cut the next one short
    if (lingerTimer !== undefined) clearTimeout(lingerTimer);
    lingerTimer = undefined;
    const batch = pending;
    pending = [];
    pendingBytes = recordBatchHeaderBytes;
    if (batch.length === 0) return Promise.resolve();
    let sending: Promise<void>;
    try {
      sending = sendBatch(batch);
    } catch (error) {
      // a sender that throws at once fails its whole batch, not only the message that filled it
      sending = Promise.reject(error);
    }
    // nobody awaits this but a test: a throw from settled() is then an unhandled rejection, and shows
    return sending.then(
      () => settleAll(batch, undefined),
      (error: unknown) => settleAll(batch, asError(error)),
    );
  };
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    if (lingerMs > 0) lingerTimer = setTimeout(() => void flush(), lingerMs);
    else setImmediate(() => void flush());
  };
  const sendWith = (payload: Buffer, key: string | undefined, done: SendDone): void => {
    // a message that would take the batch past the byte cap starts the next one
    const bytes = encodedBytesAtMost(payload, key);
    if (pending.length > 0 && pendingBytes + bytes > batchBytes) void flush();
    pending.push({ payload, key, done });
    pendingBytes += bytes;
    if (pending.length >= batchSize || pendingBytes >= batchBytes) void flush();
    else scheduleFlush();
  };
  return {
    sendWith,
    send: (payload, key) => new Promise<void>((resolve, reject) => sendWith(payload, key, { settled: (error) => (error ? reject(error) : resolve()) })),
    flush,
  };
}

/** partition -> the next offset to read (what Kafka stores as the committed offset) */
export type OffsetsToCommit = Map<number, bigint>;

/**
 * Commits processed offsets on a timer and once on close, never on the path that delivers messages.
 * Kafka 4.1's group coordinator holds each offset commit ~5 ms; a client that waits for a commit per
 * fetched batch (kafkajs auto-commit) adds that to every message's latency. The Java consumer commits
 * asynchronously every auto.commit.interval.ms; this does the same.
 */
export class PeriodicCommitter {
  private pending: OffsetsToCommit = new Map();
  private inflight: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private held = false;

  constructor(
    private readonly commit: (offsets: OffsetsToCommit) => Promise<void>,
    readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref(); // a timer must not keep a finished process alive
  }

  /** Called after a message was handed to the harness: `nextOffset` = its offset + 1. */
  processed(partition: number, nextOffset: bigint): void {
    if (!this.held) this.pending.set(partition, nextOffset);
  }

  /** After a rebalance: committing for a partition another member now owns would move its offset back. */
  retain(partitions: readonly number[]): void {
    for (const partition of this.pending.keys()) if (!partitions.includes(partition)) this.pending.delete(partition);
  }

  /** One commit at a time; offsets gathered meanwhile go in the next one. */
  flush(): Promise<void> {
    if (this.inflight || this.pending.size === 0) return this.inflight ?? Promise.resolve();
    return this.send();
  }

  /**
   * Before the group rebalances: what was processed is committed now, beside a commit under way if
   * any (a later retain() would drop a revoked partition's offsets, and its next owner would re-read
   * them). Requests to the coordinator are answered in order, so the later commit's offsets stand.
   */
  commitNow(): Promise<void> {
    return this.pending.size === 0 ? (this.inflight ?? Promise.resolve()) : this.send();
  }

  /** Sends the pending offsets; `inflight` settles once every commit sent so far has. A failure goes to onError. */
  private send(): Promise<void> {
    const offsets = this.pending;
    this.pending = new Map();
    const sending = this.commit(offsets).catch((error: unknown) => this.onError(error));
    const all = Promise.all([this.inflight, sending]).then(() => undefined);
    this.inflight = all;
    void all.finally(() => {
      if (this.inflight === all) this.inflight = undefined;
    });
    return all;
  }

  /**
   * Commits nothing more, not even on stop(): there is no one to commit to (the member's group
   * coordinator is gone, and its client would not find the next one). What is pending is dropped.
   */
  hold(): void {
    clearInterval(this.timer);
    this.held = true;
    this.pending = new Map();
  }

  /** Stops the timer and commits what is left (waiting for a commit already under way first). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inflight;
    await this.flush();
  }
}

/** consumerCommit setting in info(): how offsets are committed, in words. */
export function describeCommit(intervalMs: number): string {
  return `processed offsets committed every ${intervalMs} ms and on close, never awaited per batch`;
}

/** One commit interval per delivery mode: noack like the Java auto-commit default, ack tighter. */
export function commitIntervalMs(delivery: 'noack' | 'ack'): number {
  return delivery === 'noack' ? 5_000 : 1_000;
}

export interface GroupMember {
  subscription: number;
  partitions: readonly number[];
  /** the group generation the member's assignment belongs to, when the client tells */
  generation?: number;
}

/**
 * Every group of the topology has each partition assigned exactly once, no member idles while another
 * holds two, and (when known) all members hold assignments of one generation: members learn of a
 * rebalance at different times, and one still holding the previous generation's partitions would
 * re-read them from the last commit once it catches up.
 */
export function groupsAssigned(topology: Topology, members: readonly GroupMember[]): boolean {
  for (let s = 0; s < topology.subscriptions; s++) {
    const group = members.filter((m) => m.subscription === s);
    if (group.length === 0) continue;
    const held = group.flatMap((m) => m.partitions);
    const everyPartitionOnce = held.length === topology.partitions && new Set(held).size === held.length;
    const everyoneHasWork = group.length > topology.partitions || group.every((m) => m.partitions.length > 0);
    const oneGeneration = new Set(group.map((m) => m.generation)).size === 1;
    if (!everyPartitionOnce || !everyoneHasWork || !oneGeneration) return false;
  }
  return true;
}

export async function waitForGroups(topology: Topology, members: () => readonly GroupMember[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!groupsAssigned(topology, members())) {
    if (Date.now() > deadline) throw new Error(`Kafka consumer group did not assign all partitions within ${timeoutMs} ms`);
    await sleepMs(50);
  }
}

export function assignedBySubscription(topology: Topology | undefined, members: readonly GroupMember[]): number[][] {
  if (!topology) return [];
  const out: number[][] = Array.from({ length: topology.subscriptions }, () => []);
  for (const m of members) out[m.subscription]?.push(...m.partitions);
  return out;
}

/**
 * Waits until every partition of a new topic has a leader: producers must not race the controller
 * electing them. `leaders` reads the topic's partition leaders (-1: none), undefined while the broker
 * does not know the topic yet (a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a moment).
 */
export async function waitForLeaders(topic: string, partitions: number, timeoutMs: number, leaders: () => Promise<readonly number[] | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await leaders().catch(() => undefined);
    if (found && found.length === partitions && found.every((leader) => leader >= 0)) return;
    if (Date.now() > deadline) throw new Error(`topic ${topic} has no leader for every partition after ${timeoutMs} ms`);
    await sleepMs(50);
  }
}

/** One API the broker speaks (what ApiVersions answers). */
export interface BrokerApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export function speaksVersion(apis: readonly BrokerApi[], apiKey: number, version: number): boolean {
  const api = apis.find((a) => a.apiKey === apiKey);
  return api !== undefined && api.minVersion <= version && api.maxVersion >= version;
}

export const unknownBrokerVersion = 'unknown (not started by mqbench; Kafka does not report it over the wire)';

/**
 * A contract Producer over the batcher: `sendBatch` makes one produce request of a batch; a lost
 * connection is reported through `onLoss` as well as to the batch's senders; `close` closes the client.
 */
export function batchedProducer(
  sendBatch: SendBatch,
  settings: { kafkaAcks: number; lingerMs: number; batchSize: number; batchBytes: number },
  onLoss: (error: Error) => void,
  close: () => Promise<void>,
): Producer {
  const batcher = createBatcher(
    async (items) => {
      try {
        await sendBatch(items);
      } catch (error) {
        if (isConnectionLoss(error)) onLoss(asError(error));
        throw error;
      }
    },
    settings.lingerMs,
    settings.batchSize,
    settings.batchBytes,
  );
  return {
    brokerAcks: settings.kafkaAcks !== 0,
    send: (payload: Buffer, key?: string) => batcher.send(payload, key),
    sendWith: (payload, key, done) => batcher.sendWith(payload, key, done),
    close: async () => {
      void batcher.flush();
      await close().catch(() => undefined);
    },
  };
}
