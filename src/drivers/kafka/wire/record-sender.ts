/**
 * Sends the batcher's batches to their partition leaders as Produce requests encoded by
 * produce-request.ts, where the client's metadata says the leaders are, on a ConnectionPool of the
 * client's own making (its Connection: request queue, in-flight limit, timeouts). Only the encoding
 * of the records (why: produce-request.ts) and the reading of the responses (why: produce-response.ts)
 * are ours.
 *
 * Each leader's request, and each partition in it, settles on its own: a partition written is
 * written, whatever happened to the others (resending it would write it twice). Partitions the broker
 * refused with a retriable error, or a request lost with its connection, are sent again; what the
 * client would not retry (a timeout: the broker may have written it; a non-retriable error code)
 * fails those messages only, and so does CORRUPT_MESSAGE (produce-response.ts says why). How they
 * are sent again:
 *   - by default, once through the client's own `producer.send()` (its retries, its refresh of stale
 *     metadata after a moved leader);
 *   - with `followLeaderMs` (failover runs), they follow their partition's leader as the Java
 *     producer does: the cluster is asked again (a forced metadata refresh, shared by every waiting
 *     batch, after a backoff of 100 ms doubled up to 250 ms), and they go through this encoder to
 *     whichever node leads the partition now, until written or `followLeaderMs` has passed. Why:
 *     the client's path asked its metadata cache (refreshed every 5 s) and retried the dead leader
 *     5 x 250 ms, and the engine's backoff (up to 1 s) came on top, so a failover run reported the
 *     new leader seconds after Kafka's own Java producer was writing to it (issue 26; measured side
 *     by side with test/witness/KafkaWitness.java in test/e2e/failover-witness-kafka.ts).
 * Every resend is reported and counted (path-counts.ts), so a fault of this encoder cannot hide
 * behind the client's path.
 *
 * Called by ../platformatic.ts (one RecordBatchSender per producer; usableProduceVersion and
 * describeProduceEncoding for the result); tested by test/unit/record-sender.test.ts,
 * test/e2e/kafka-produce-corrupt.test.ts and test/e2e/failover-witness-kafka.ts.
 */
import { ConnectionPool, murmur2, Writer, type ConnectionOptions, type Producer, type ProduceAcks } from '@platformatic/kafka';
import { sleepMs } from '../../../util/clock.js';
import type { PathCounter } from '../path-counts.js';
import { asError, firstLine, PartialBatchError, rootCauseLine, speaksVersion, type BatchItem, type BrokerApi } from '../shared.js';
import { encodeProduceRequest } from './produce-request.js';
import { judgePartitions, parseProduceResponse, type PartitionProduceOutcome } from './produce-response.js';
import { plural } from '../../../util/plural.js';

/** Produce versions whose request this encoder writes and whose response produce-response.ts reads (one layout), newest first. */
const encodedVersions = [11, 10, 9] as const;
type EncodedVersion = (typeof encodedVersions)[number];
const produceApiKey = 0;
/** keys seen, with their bytes and murmur2 hash; a workload cycles through a few thousand */
const maxCachedKeys = 65_536;

type PlatformaticProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
type ClusterMetadata = Awaited<ReturnType<PlatformaticProducer['metadata']>>;

/**
 * Following a leader: the wait before the cluster is asked again, doubled per refresh that found no
 * writable leader. The Java producer starts at retry.backoff.ms (100) and caps at 1 s; capped lower
 * here because the election is what a failover run measures, and the cap is how late mqbench may
 * see a new leader (../fetcher.ts caps the same: publish and consume gaps end with one resolution).
 */
const followBackoffMs = 100;
const followBackoffMaxMs = 250;

/** A batch following its partition's leader: since when, from which node, why, and how many refreshes so far. */
interface Following {
  sinceMs: number;
  node: number;
  reason: string;
  refreshes: number;
}

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
  /**
   * Failover: how long a batch refused with a retriable error, or lost with its leader's connection,
   * follows its partition's leader (sent again through this encoder after a metadata refresh) before
   * its messages fail; undefined: such a batch is resent once through the client instead.
   */
  followLeaderMs?: number;
  /** a batch that followed its partition's leader was written (one line: where, after how long, why) */
  onLeaderFollowed?: (detail: string) => void;
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

/** One encoding, for the result: which Produce version, or the client's own path; and how a retriable failure is sent again. */
export function describeProduceEncoding(version: number | undefined, followsLeader = false): string {
  if (version === undefined) return "the client's producer.send() (the broker speaks no Produce v9-v11)";
  const again = followsLeader
    ? `sent again through this encoder to the partition's leader after a metadata refresh (backoff ${followBackoffMs}-${followBackoffMaxMs} ms), until written or given up`
    : "resent once through the client's producer.send()";
  return `Produce v${version} requests encoded by mqbench (record batches, magic 2) on connections of the client's ConnectionPool, their responses read by mqbench; partitions refused with a retriable error (not CORRUPT_MESSAGE) or lost with their connection ${again}`;
}

export class RecordBatchSender {
  private readonly pool: ConnectionPool;
  private readonly keys = new Map<string, KeyEntry>();
  /** unkeyed records: one partition per batch, the next one each batch (the Java client's sticky partitioner, per batch) */
  private nextUnkeyed: number;
  private version: EncodedVersion | undefined;
  /** following leaders: the refresh under way, if any, and the wait before the next one */
  private refreshing: Promise<ClusterMetadata | undefined> | undefined;
  private followBackoff = followBackoffMs;
  private closed = false;

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
    const failures: BatchFailure[] = [];
    await this.sendByLeader(metadata, this.partitionBatches(items, topic.partitionsCount), version, failures, undefined);
    if (failures.length > 0) throw new PartialBatchError(failures);
  }

  /** The broker speaks no Produce version this encoder writes: every batch through the client, counted as such. */
  private sendWithoutEncoder(items: readonly BatchItem[]): Promise<void> {
    this.options.counts.recordPath(produceClientPath, 1, items.length);
    this.options.counts.recordFallback('produce through the client: the broker speaks no Produce v9-v11');
    return this.sendThroughClient(items.map((item) => ({ item, partition: undefined })));
  }

  /** Each partition batch to its leader as `metadata` has it, one request per leader; what failed is added to `failures`. */
  private async sendByLeader(metadata: ClusterMetadata, batches: readonly PartitionBatch[], version: EncodedVersion, failures: BatchFailure[], following: Following | undefined): Promise<void> {
    const partitions = metadata.topics.get(this.options.topic)?.partitions ?? [];
    const byLeader = new Map<number, PartitionBatch[]>();
    for (const batch of batches) {
      const leader = partitions[batch.partition]?.leader ?? -1;
      const same = byLeader.get(leader);
      if (same) same.push(batch);
      else byLeader.set(leader, [batch]);
    }
    // each leader settles on its own: one refusing (or gone) must not fail what another wrote
    await Promise.all([...byLeader].map(([leader, own]) => this.sendToLeader(leader, metadata.brokers.get(leader), own, version, failures, following)));
  }

  /** One leader's share of a batch; what failed is added to `failures` (this never rejects). */
  private async sendToLeader(
    leader: number,
    broker: { host: string; port: number } | undefined,
    batches: readonly PartitionBatch[],
    version: EncodedVersion,
    failures: BatchFailure[],
    following: Following | undefined,
  ): Promise<void> {
    if (!broker) {
      const error = new Error(`no leader for partition ${batches.map((b) => b.partition).join(', ')} of ${this.options.topic}`);
      if (this.options.followLeaderMs !== undefined) return this.follow(error, 'no leader', leader, batches, version, failures, following);
      // an election under way: neither path can send there now; the next batch asks again
      this.producer.clearMetadata();
      failures.push(failureOf(batches, error));
      return;
    }
    this.options.counts.recordPath(produceEncoderPath, 1, recordCount(batches));
    let answered: readonly PartitionProduceOutcome[] | undefined;
    try {
      answered = await this.sendTo(broker, batches, version);
    } catch (error) {
      const resend = partitionsToResend(error, batches);
      // the innermost cause (ECONNREFUSED, not "Connection to ... failed."): what the event will say
      if (resend && this.options.followLeaderMs !== undefined) return this.follow(asError(error), rootCauseLine(error), leader, resend, version, failures, following);
      if (resend) return this.resend(asError(error), firstLine(error), resend, failures);
      failures.push(failureOf(batches, asError(error)));
      return;
    }
    // acks=0: no answer, written as far as anyone will know
    if (answered) await this.settleAnswer(answered, leader, batches, version, failures, following);
  }

  /** Each partition by its own answer: written, sent again (following its leader, or once through the client), or failed. */
  private async settleAnswer(
    answered: readonly PartitionProduceOutcome[],
    leader: number,
    batches: readonly PartitionBatch[],
    version: EncodedVersion,
    failures: BatchFailure[],
    following: Following | undefined,
  ): Promise<void> {
    const verdicts = judgePartitions(answered, batches, this.options.topic);
    for (const { batch, error } of verdicts.refused) failures.push(failureOf([batch], error));
    const firstRefusal = verdicts.refused[0];
    if (firstRefusal) this.options.onRefused(firstRefusal.error, verdicts.refused.length);
    if (verdicts.resend.length < batches.length - verdicts.refused.length) this.written(leader, following);
    if (verdicts.resend.length === 0) return;
    const reason = verdicts.resendReasons.join(', ');
    const error = new Error(`the broker refused ${plural(verdicts.resend.length, 'partition')} of ${this.options.topic}: ${reason}`);
    if (this.options.followLeaderMs !== undefined) return this.follow(error, reason, leader, verdicts.resend, version, failures, following);
    await this.resend(error, reason, verdicts.resend, failures);
  }

  /**
   * Failover: these partition batches could not be written where the metadata said their leader was
   * (gone, refused as not the leader, none yet). They wait for the next refresh of the cluster's
   * metadata, then go to whichever node leads their partition now; after `followLeaderMs` their
   * messages fail (the engine then resends them, as any failed send).
   */
  private async follow(error: Error, reason: string, node: number, batches: readonly PartitionBatch[], version: EncodedVersion, failures: BatchFailure[], was: Following | undefined): Promise<void> {
    const following = was ?? { sinceMs: Date.now(), node, reason, refreshes: 0 };
    if (this.givenUp(error, batches, following, failures)) return;
    const metadata = await this.refreshedMetadata();
    following.refreshes++;
    // closed or out of time while waiting: not sent again
    if (this.givenUp(error, batches, following, failures)) return;
    // no answer from any node: wait for the next refresh
    if (!metadata) return this.follow(error, reason, node, batches, version, failures, following);
    await this.sendByLeader(metadata, batches, version, failures, following);
  }

  /** True, with the batches' messages failed and why, once the producer closed or followLeaderMs has passed. */
  private givenUp(error: Error, batches: readonly PartitionBatch[], following: Following, failures: BatchFailure[]): boolean {
    const patienceMs = this.options.followLeaderMs ?? 0;
    if (!this.closed && Date.now() - following.sinceMs < patienceMs) return false;
    const partitions = batches.map((b) => b.partition).join(', ');
    const why = this.closed ? 'the producer closed' : `no leader took them within ${patienceMs / 1000} s`;
    failures.push(failureOf(batches, new Error(`partition ${partitions} of ${this.options.topic} not written (${following.reason}); ${why}`, { cause: error })));
    return true;
  }

  /**
   * The cluster's metadata asked again (the client's cache refreshed with it), after the backoff;
   * one refresh at a time, shared by every batch that waits for a leader. Undefined when no node answered.
   */
  private refreshedMetadata(): Promise<ClusterMetadata | undefined> {
    this.refreshing ??= (async () => {
      await sleepMs(this.followBackoff);
      this.followBackoff = Math.min(followBackoffMaxMs, this.followBackoff * 2);
      try {
        return await this.producer.metadata({ topics: [this.options.topic], forceUpdate: true });
      } catch {
        return undefined;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** A leader wrote partitions of a request: the backoff starts over, and a batch that followed its leader there says so. */
  private written(leader: number, following: Following | undefined): void {
    this.followBackoff = followBackoffMs;
    if (!following) return;
    const afterS = ((Date.now() - following.sinceMs) / 1000).toFixed(2);
    const from = following.node >= 0 ? `node ${following.node}: ` : '';
    this.options.onLeaderFollowed?.(`written at node ${leader} after ${afterS} s (${from}${following.reason}); metadata refreshed ${plural(following.refreshes, 'time')}`);
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
    // batches following a leader fail at their next refresh instead of waiting out followLeaderMs
    this.closed = true;
    return new Promise<void>((resolve) => this.pool.close(() => resolve()));
  }
}
