/**
 * Sends the batcher's batches to their partition leaders as Produce requests encoded by
 * produce-request.ts, where the client's metadata says the leaders are, on a ConnectionPool of the
 * client's own making (its Connection: request queue, in-flight limit, timeouts, response parsing).
 * Only the encoding of the records is ours (why: produce-request.ts).
 *
 * A failure is handled as the client would handle it, not retried here: partitions the broker
 * refused with a retriable error, or a request lost with its connection, go once through the
 * client's own `producer.send()` (its retries, its refresh of stale metadata after a moved leader);
 * what the client would not retry (a timeout: the broker may have written it; a non-retriable
 * error code) fails the batch. Every resend is reported, so a fault of this encoder cannot hide
 * behind the client's path.
 *
 * Called by ../platformatic.ts (one RecordBatchSender per producer; usableProduceVersion and
 * describeProduceEncoding for the result); partitionsToResend is tested by test/unit/produce-request.test.ts.
 */
import {
  ConnectionPool,
  murmur2,
  produceV10,
  produceV11,
  produceV9,
  Writer,
  type ConnectionOptions,
  type Producer,
  type ProduceAcks,
} from '@platformatic/kafka';
import { speaksVersion, type BatchItem, type BrokerApi } from '../shared.js';
import { encodeProduceRequest } from './produce-request.js';

/** Produce versions whose request this encoder writes (one layout), newest first. */
const encoders = { 11: produceV11, 10: produceV10, 9: produceV9 } as const;
type EncodedVersion = keyof typeof encoders;
const produceApiKey = 0;
/** keys seen, with their bytes and murmur2 hash; a workload cycles through a few thousand */
const maxCachedKeys = 65_536;

type PlatformaticProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

interface KeyEntry {
  bytes: Buffer;
  hash: number;
}

/** A partition's records as encoded (a PartitionRecords), with the batch items they came from (for a resend). */
interface PartitionBatch {
  partition: number;
  values: Buffer[];
  keys: (Buffer | undefined)[];
  items: BatchItem[];
}

export interface RecordSenderOptions {
  /** unkeyed batches start their rotation here (the producer's id), so producers do not move in lockstep */
  firstPartition: number;
  /** a request failed and its partitions went through the client's producer.send() */
  onResend: (error: Error, partitions: number) => void;
  topic: string;
  acks: (typeof ProduceAcks)[keyof typeof ProduceAcks];
  /** the broker's wait for replicas under acks=all (the client's `timeout` option) */
  timeoutMs: number;
  clientId: string;
  connection: Pick<ConnectionOptions, 'connectTimeout' | 'requestTimeout'>;
}

interface RetriableError {
  canRetry?: boolean;
  errors?: RetriableError[];
  response?: { responses?: { partitionResponses?: { index: number; errorCode: number }[] }[] };
}

/**
 * The partitions to resend through the client after `error`, or undefined when the client would not
 * retry it (the batch then fails). A response names its failed partitions; a lost connection, all.
 */
export function partitionsToResend<T extends { partition: number }>(error: unknown, sent: readonly T[]): T[] | undefined {
  const failure = error as RetriableError;
  if (failure.canRetry === false) return undefined;
  if (failure.errors?.some((e) => e.canRetry === false)) return undefined;
  const failed = new Set<number>();
  for (const topic of failure.response?.responses ?? []) for (const p of topic.partitionResponses ?? []) if (p.errorCode !== 0) failed.add(p.index);
  return failed.size === 0 ? [...sent] : sent.filter((batch) => failed.has(batch.partition));
}

/** The newest Produce version both the broker and this encoder speak, if any. */
export function usableProduceVersion(apis: readonly BrokerApi[]): EncodedVersion | undefined {
  return ([11, 10, 9] as const).find((v) => speaksVersion(apis, produceApiKey, v));
}

/** One encoding, for the result: which Produce version, or the client's own path. */
export function describeProduceEncoding(version: number | undefined): string {
  return version === undefined
    ? "the client's producer.send() (the broker speaks no Produce v9-v11)"
    : `Produce v${version} requests encoded by mqbench (record batches, magic 2) on connections of the client's ConnectionPool; failures resent through the client's producer.send()`;
}

export class RecordBatchSender {
  private readonly pool: ConnectionPool;
  private readonly keys = new Map<string, KeyEntry>();
  /** unkeyed records: one partition per batch, the next one each batch (the Java client's sticky partitioner, per batch) */
  private nextUnkeyed: number;
  private version: EncodedVersion | undefined;

  constructor(
    private readonly producer: PlatformaticProducer,
    private readonly options: RecordSenderOptions,
  ) {
    this.pool = new ConnectionPool(options.clientId, options.connection);
    this.nextUnkeyed = options.firstPartition;
  }

  /** Asks which Produce versions the broker speaks; without one this encoder writes, every batch goes through the client. */
  async start(): Promise<void> {
    this.version = usableProduceVersion(await this.producer.listApis());
  }

  async send(items: readonly BatchItem[]): Promise<void> {
    if (this.version === undefined) return this.sendThroughClient(items.map((item) => ({ item, partition: undefined })));
    const metadata = await this.producer.metadata({ topics: [this.options.topic] });
    const topic = metadata.topics.get(this.options.topic);
    if (!topic) throw new Error(`no metadata for topic ${this.options.topic}`);
    const byLeader = new Map<number, PartitionBatch[]>();
    for (const batch of this.partitionBatches(items, topic.partitionsCount)) {
      const leader = topic.partitions[batch.partition]?.leader ?? -1;
      const batches = byLeader.get(leader) ?? [];
      batches.push(batch);
      byLeader.set(leader, batches);
    }
    const version = this.version;
    await Promise.all(
      [...byLeader].map(([leader, batches]) => {
        const broker = metadata.brokers.get(leader);
        if (!broker) {
          // an election under way: neither path can send there now; the next batch asks again
          this.producer.clearMetadata();
          return Promise.reject(new Error(`no leader for partition ${batches.map((b) => b.partition).join(', ')} of ${this.options.topic}`));
        }
        return this.sendTo(broker, batches, version).catch((error: unknown) => this.resend(error, batches));
      }),
    );
  }

  /** Groups a batch by partition: keyed records by the key's murmur2 hash (as the Java client), the rest together. */
  private partitionBatches(items: readonly BatchItem[], partitionsCount: number): PartitionBatch[] {
    const byPartition = new Map<number, PartitionBatch>();
    const unkeyedPartition = this.nextUnkeyed++ % partitionsCount;
    for (const item of items) {
      const key = item.key === undefined ? undefined : this.keyEntry(item.key);
      const partition = key ? key.hash % partitionsCount : unkeyedPartition;
      let batch = byPartition.get(partition);
      if (!batch) {
        batch = { partition, values: [], keys: [], items: [] };
        byPartition.set(partition, batch);
      }
      batch.values.push(item.payload);
      batch.keys.push(key?.bytes);
      batch.items.push(item);
    }
    return [...byPartition.values()];
  }

  private keyEntry(key: string): KeyEntry {
    let entry = this.keys.get(key);
    if (!entry) {
      if (this.keys.size >= maxCachedKeys) this.keys.clear();
      const bytes = Buffer.from(key);
      // the Java client's partitioner (and the client's compatibilityPartitioner): murmur2 of the key, made positive
      entry = { bytes, hash: murmur2(bytes) & 0x7fffffff };
      this.keys.set(key, entry);
    }
    return entry;
  }

  private async sendTo(broker: { host: string; port: number }, batches: readonly PartitionBatch[], version: EncodedVersion): Promise<void> {
    const { topic, acks, timeoutMs } = this.options;
    const body = encodeProduceRequest({ topic, acks, timeoutMs, timestampMs: Date.now(), partitions: batches });
    const connection = await this.pool.get(broker);
    const payload = Writer.create().append(body);
    // acks=0: the broker sends no response; the client then completes the request once it is written
    if (acks === 0) payload.context.noResponse = true;
    await new Promise<void>((resolve, reject) => {
      connection.send(produceApiKey, version, () => payload, encoders[version].parseResponse, true, true, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** The client's own send, to the same partitions: its retries, its metadata refresh; or the failure, where it would not retry. */
  private resend(error: unknown, sent: readonly PartitionBatch[]): Promise<void> {
    const batches = partitionsToResend(error, sent);
    if (!batches) throw error;
    this.options.onResend(error instanceof Error ? error : new Error(String(error)), batches.length);
    return this.sendThroughClient(batches.flatMap((batch) => batch.items.map((item) => ({ item, partition: batch.partition }))));
  }

  private async sendThroughClient(records: readonly { item: BatchItem; partition: number | undefined }[]): Promise<void> {
    const { topic, acks } = this.options;
    const messages = records.map(({ item, partition }) => ({
      topic,
      value: item.payload,
      ...(partition === undefined ? {} : { partition }),
      ...(item.key === undefined ? {} : { key: Buffer.from(item.key) }),
    }));
    await this.producer.send({ messages, acks });
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => this.pool.close(() => resolve()));
  }
}
