/**
 * The byte-level side of the consumer's fetches: what a Fetch request asks for, our Fetch v17
 * request (the client's encoder, sent on a connection of the fetcher's pool, its response read by
 * fetch-response.ts), and the walk over the record batches the client's own `consumer.fetch()`
 * decoded, for the fetches that go through it. Which partitions to ask for, from which offset, and
 * what a member may still deliver stay in ../fetcher.ts.
 *
 * Called by ../fetcher.ts (GroupFetcher: each fetch) and ../platformatic.ts (FetchSettings, and
 * speaksFetchV17 / describeFetchDecoding for the result).
 */
import { fetchV17, type ConnectionPool, type FetchIsolationLevelValue, type RecordsBatch } from '@platformatic/kafka';
import { speaksVersion, type BrokerApi } from '../shared.js';
import { fetchApiKey, fetchVersion, parseFetchResponse, type FetchedTopic, type Tally } from './fetch-response.js';

/** Kafka marks transaction markers with bit 5 of a batch's attributes; they carry no records of ours. */
const controlBatch = 1 << 5;
/** The Java consumer's max.partition.fetch.bytes default. */
const partitionMaxBytes = 1_048_576;
/**
 * Fetch session id and epoch of our own requests: a sessionless full fetch (KIP-227's FINAL_EPOCH),
 * as kafkajs sends. The client's consumer.fetch() sends epoch 0, which asks the broker to create a
 * fetch session that is never used again: one per fetch, in a cache of 1,000, broker work a
 * consumer of its sessions (the Java one) would not cause.
 */
const sessionless = { id: 0, epoch: -1 } as const;

/** What every fetch asks for: the consumer's own settings, so both paths ask alike. */
export interface FetchSettings {
  maxWaitTime: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: FetchIsolationLevelValue;
}

export type PartitionRequest = { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number };

/** One fetch's partitions (partition -> offset to fetch from), as both paths' requests name them. */
export function partitionRequests(requested: ReadonlyMap<number, bigint>): PartitionRequest[] {
  return [...requested].map(([partition, fetchOffset]) => ({ partition, fetchOffset, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }));
}

/** Whether the broker speaks the Fetch version whose responses fetch-response.ts reads. */
export function speaksFetchV17(apis: readonly BrokerApi[]): boolean {
  return speaksVersion(apis, fetchApiKey, fetchVersion);
}

/** How the responses are read, for the result. */
export function describeFetchDecoding(ownDecoding: boolean): string {
  return ownDecoding
    ? "Fetch v17 requests encoded by the client, their records read by mqbench (no object per record, each batch's CRC-32C checked, READ_COMMITTED); after a leader change the metadata is refreshed and the same offset fetched from the new leader; a compressed batch or an error response goes through the client's consumer.fetch()"
    : "the client's consumer.fetch() (the broker speaks no Fetch v17)";
}

/** The client's Fetch v17 request (its encoder), the response read by fetch-response.ts. */
export async function fetchV17Topics(
  pool: ConnectionPool,
  broker: { host: string; port: number },
  topicId: string,
  partitions: PartitionRequest[],
  settings: FetchSettings,
): Promise<FetchedTopic[]> {
  const { maxWaitTime, minBytes, maxBytes, isolationLevel } = settings;
  const connection = await pool.get(broker);
  return new Promise<FetchedTopic[]>((resolve, reject) => {
    connection.send(
      fetchApiKey,
      fetchVersion,
      () => fetchV17.createRequest(maxWaitTime, minBytes, maxBytes, isolationLevel, sessionless.id, sessionless.epoch, [{ topicId, partitions }], [], ''),
      parseFetchResponse,
      true,
      true,
      (error, topics) => (error ? reject(error) : resolve(topics ?? [])),
    );
  });
}

/**
 * The client-decoded counterpart of fetch-response.ts' forEachValue: calls `onRecord` with the value
 * of each record of `records` (one partition's batches from `consumer.fetch()`) at or after `from`,
 * adds how many to `tally`, and returns the offset after the last batch, undefined when there is none.
 */
export function forEachClientValue(records: RecordsBatch[], from: bigint, onRecord: (value: Buffer) => void, tally?: Tally): bigint | undefined {
  let delivered = 0;
  for (const batch of records) delivered += deliverBatch(batch, from, onRecord);
  if (tally) tally.records += delivered;
  const last = records[records.length - 1];
  return last === undefined ? undefined : last.firstOffset + BigInt(last.lastOffsetDelta) + 1n;
}

/** A batch may start before the offset asked for (Kafka returns whole batches): skip what came before. Returns how many were handed over. */
function deliverBatch(batch: RecordsBatch, from: bigint, onRecord: (value: Buffer) => void): number {
  if ((batch.attributes & controlBatch) !== 0) return 0;
  const skipBelow = batch.firstOffset >= from ? 0 : Number(from - batch.firstOffset);
  let delivered = 0;
  for (const record of batch.records) {
    if (record.offsetDelta >= skipBelow && record.value) {
      onRecord(record.value);
      delivered++;
    }
  }
  return delivered;
}
