/**
 * Sends the batcher's batches to their partition leaders as Produce requests encoded by
 * produce-request.ts, where the client's metadata says the leaders are, on a ConnectionPool of the
 * client's own making (its Connection: request queue, in-flight limit, timeouts). Only the encoding
 * of the records (why: produce-request.ts) and the reading of the responses (why: produce-response.ts)
 * are ours.
 *
 * Each leader's request, and each partition in it, settles on its own: a partition written is
 * written, whatever happened to the others (resending it would write it twice). A failure is handled
 * as the client would handle it, not retried here: partitions the broker refused with a retriable
 * error, or a request lost with its connection, go once through the client's own `producer.send()`
 * (its retries, its refresh of stale metadata after a moved leader); what the client would not retry
 * (a timeout: the broker may have written it; a non-retriable error code) fails those messages only,
 * and so does CORRUPT_MESSAGE (produce-response.ts says why). Every resend is reported and counted
 * (path-counts.ts), so a fault of this encoder cannot hide behind the client's path.
 *
 * Called by ../platformatic.ts (one RecordBatchSender per producer; usableProduceVersion and
 * describeProduceEncoding for the result); tested by test/unit/record-sender.test.ts and
 * test/e2e/kafka-produce-corrupt.test.ts.
 */
import { ConnectionPool, murmur2, Writer, type ConnectionOptions, type Producer, type ProduceAcks } from '@platformatic/kafka';
import type { PathCounter } from '../path-counts.js';
import { asError, firstLine, PartialBatchError, speaksVersion, type BatchItem, type BrokerApi } from '../shared.js';
import { encodeProduceRequest } from './produce-request.js';
import { judgePartitions, parseProduceResponse, type PartitionProduceOutcome } from './produce-response.js';

/** Produce versions whose request this encoder writes and whose response produce-response.ts reads (one layout), newest first. */
const encodedVersions = [11, 10, 9] as const;
type EncodedVersion = (typeof encodedVersions)[number];
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

/** The paths counted (PathCounter): one request per leader per batch either way. */
export const produceEncoderPath = 'produce: mqbench encoder';
export const produceClientPath = 'produce: client';

/** Messages of a batch that failed together, with their error. */
type BatchFailure = { items: readonly BatchItem[]; error: Error };

export interface RecordSenderOptions {
  /** unkeyed batches start their rotation here (the producer's id), so producers do not move in lockstep */
  firstPartition: number;
  /** a request failed and its partitions went through the client's producer.send() */
  onResend: (error: Error, partitions: number) => void;
  /** the broker refused partitions for good (not resent): their messages fail with `error` */
  onRefused: (error: Error, partitions: number) => void;
  /** where requests and records are counted per path, and fallbacks per reason */
  counts: PathCounter;
  topic: string;
  acks: (typeof ProduceAcks)[keyof typeof ProduceAcks];
  /** the broker's wait for replicas under acks=all (the client's `timeout` option) */
  timeoutMs: number;
  clientId: string;
  connection: Pick<ConnectionOptions, 'connectTimeout' | 'requestTimeout'>;
}

/** Batches' records, counted per request (not per message). */
function recordCount(batches: readonly PartitionBatch[]): number {
  let records = 0;
  for (const batch of batches) records += batch.values.length;
  return records;
}

/**
 * The partitions to resend through the client after a request failed as a whole (no answer was
 * read): all of them when the client would retry the error (a lost connection), else undefined, and
 * their messages fail (a timeout: the broker may have written them; anything unknown: resending could
 * write twice). Partitions refused in an answer are judged one by one (judgePartitions).
 */
export function partitionsToResend<T extends { partition: number }>(error: unknown, sent: readonly T[]): T[] | undefined {
  return (error as { canRetry?: boolean } | undefined)?.canRetry === true ? [...sent] : undefined;
}

function failureOf(batches: readonly PartitionBatch[], error: Error): BatchFailure {
  return { items: batches.flatMap((batch) => batch.items), error };
}

/** The newest Produce version both the broker and this encoder speak, if any. */
export function usableProduceVersion(apis: readonly BrokerApi[]): EncodedVersion | undefined {
  return encodedVersions.find((v) => speaksVersion(apis, produceApiKey, v));
}

/** One encoding, for the result: which Produce version, or the client's own path. */
export function describeProduceEncoding(version: number | undefined): string {
  return version === undefined
    ? "the client's producer.send() (the broker speaks no Produce v9-v11)"
    : `Produce v${version} requests encoded by mqbench (record batches, magic 2) on connections of the client's ConnectionPool, their responses read by mqbench; partitions refused with a retriable error (not CORRUPT_MESSAGE) or lost with their connection resent once through the client's producer.send()`;
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

  /** Resolves once every message is written; else rejects with a PartialBatchError naming the messages that failed. */
  async send(items: readonly BatchItem[]): Promise<void> {
    const version = this.version;
    if (version === undefined) return this.sendWithoutEncoder(items);
    const metadata = await this.producer.metadata({ topics: [this.options.topic] });
    const topic = metadata.topics.get(this.options.topic);
    if (!topic) throw new Error(`no metadata for topic ${this.options.topic}`);
    const byLeader = new Map<number, PartitionBatch[]>();
    for (const batch of this.partitionBatches(items, topic.partitionsCount)) {
      const leader = topic.partitions[batch.partition]?.leader ?? -1;
      const batches = byLeader.get(leader);
      if (batches) batches.push(batch);
      else byLeader.set(leader, [batch]);
    }
    // each leader settles on its own: one refusing (or gone) must not fail what another wrote
    const failures: BatchFailure[] = [];
    await Promise.all([...byLeader].map(([leader, batches]) => this.sendToLeader(metadata.brokers.get(leader), batches, version, failures)));
    if (failures.length > 0) throw new PartialBatchError(failures);
  }

  /** The broker speaks no Produce version this encoder writes: every batch through the client, counted as such. */
  private sendWithoutEncoder(items: readonly BatchItem[]): Promise<void> {
    this.options.counts.recordPath(produceClientPath, 1, items.length);
    this.options.counts.recordFallback('produce through the client: the broker speaks no Produce v9-v11');
    return this.sendThroughClient(items.map((item) => ({ item, partition: undefined })));
  }

  /** One leader's share of a batch; what failed is added to `failures` (this never rejects). */
  private async sendToLeader(broker: { host: string; port: number } | undefined, batches: readonly PartitionBatch[], version: EncodedVersion, failures: BatchFailure[]): Promise<void> {
    if (!broker) {
      // an election under way: neither path can send there now; the next batch asks again
      this.producer.clearMetadata();
      failures.push(failureOf(batches, new Error(`no leader for partition ${batches.map((b) => b.partition).join(', ')} of ${this.options.topic}`)));
      return;
    }
    this.options.counts.recordPath(produceEncoderPath, 1, recordCount(batches));
    let answered: readonly PartitionProduceOutcome[] | undefined;
    try {
      answered = await this.sendTo(broker, batches, version);
    } catch (error) {
      const resend = partitionsToResend(error, batches);
      if (resend) return this.resend(asError(error), firstLine(error), resend, failures);
      failures.push(failureOf(batches, asError(error)));
      return;
    }
    // acks=0: no answer, written as far as anyone will know
    if (answered) await this.settleAnswer(answered, batches, failures);
  }

  /** Each partition by its own answer: written, resent once through the client, or failed. */
  private async settleAnswer(answered: readonly PartitionProduceOutcome[], batches: readonly PartitionBatch[], failures: BatchFailure[]): Promise<void> {
    const verdicts = judgePartitions(answered, batches, this.options.topic);
    for (const { batch, error } of verdicts.refused) failures.push(failureOf([batch], error));
    const firstRefusal = verdicts.refused[0];
    if (firstRefusal) this.options.onRefused(firstRefusal.error, verdicts.refused.length);
    if (verdicts.resend.length === 0) return;
    const reason = verdicts.resendReasons.join(', ');
    await this.resend(new Error(`the broker refused ${verdicts.resend.length} partition(s) of ${this.options.topic}: ${reason}`), reason, verdicts.resend, failures);
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

  /** The request to one leader; its partitions' answers (undefined under acks=0: the broker sends none). */
  private async sendTo(broker: { host: string; port: number }, batches: readonly PartitionBatch[], version: EncodedVersion): Promise<PartitionProduceOutcome[] | undefined> {
    const { topic, acks, timeoutMs } = this.options;
    const body = encodeProduceRequest({ topic, acks, timeoutMs, timestampMs: Date.now(), partitions: batches });
    const connection = await this.pool.get(broker);
    const payload = Writer.create().append(body);
    // acks=0: the broker sends no response; the client then completes the request once it is written
    if (acks === 0) payload.context.noResponse = true;
    return new Promise((resolve, reject) => {
      connection.send(produceApiKey, version, () => payload, parseProduceResponse, true, true, (error, response) =>
        error ? reject(error) : resolve(response?.partitions),
      );
    });
  }

  /** The client's own send, to the same partitions, once: its retries, its metadata refresh; what still fails is added to `failures`. */
  private async resend(error: Error, reason: string, batches: readonly PartitionBatch[], failures: BatchFailure[]): Promise<void> {
    this.options.onResend(error, batches.length);
    this.options.counts.recordFallback(`produce resent through the client: ${reason}`);
    this.options.counts.recordPath(produceClientPath, 1, recordCount(batches));
    try {
      await this.sendThroughClient(batches.flatMap((batch) => batch.items.map((item) => ({ item, partition: batch.partition }))));
    } catch (clientError) {
      failures.push(failureOf(batches, asError(clientError)));
    }
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
