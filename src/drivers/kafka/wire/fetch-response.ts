/**
 * Fetch v17 responses read by mqbench, the consumer's half of what produce-request.ts does for the
 * producer. Why: the client's reader builds, for every record, an object, a BigInt timestamp, a key
 * slice and a headers array, only for the fetcher to take the value: 13% of a 4-partition 100 B
 * run's busy CPU, plus the garbage it leaves. Here the response's structure is walked with the
 * client's own Reader, as its parser does, but each partition's records stay one Buffer, and
 * `forEachValue` hands over each record's value without building anything else.
 *
 * Called by fetch-decoding.ts (the parser of our Fetch v17 requests) and, through forEachValue and
 * UnreadableBatch, by ../fetcher.ts; tested by test/unit/fetch-response.test.ts.
 */
import { Reader } from '@platformatic/kafka';
import { crc32c } from './batch-crc.js';
import { readCompactArray, readTaggedFields, skipTaggedFields, type TaggedField } from './tagged-fields.js';
import { nounFor } from '../../../util/plural.js';

export const fetchApiKey = 1;
/** The one Fetch version read here; the client's own parser for it is apis/consumer/fetch-v17. */
export const fetchVersion = 17;

/** READ_COMMITTED: a transaction the broker names as aborted, from the producer's first offset in it. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchedPartition {
  partitionIndex: number;
  /** 0, or the partition's own error (the fetcher decides: leader moved, offset out of range, ...) */
  errorCode: number;
  /** KIP-951: the leader a broker names beside NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH */
  currentLeader: { leaderId: number; leaderEpoch: number } | undefined;
  /** READ_COMMITTED: what forEachValue leaves out (empty unless a transactional writer aborted) */
  abortedTransactions: AbortedTransaction[];
  /** the partition's record batches as the broker sent them (a whole number of batches, maybe a cut-off one at the end) */
  records: Buffer | undefined;
}

export interface FetchedTopic {
  topicId: string;
  partitions: FetchedPartition[];
}

/** The response's own error code (not a partition's): the fetcher then leaves that fetch to the client's own path. */
export class FetchErrorCodes extends Error {
  constructor(readonly codes: readonly number[]) {
    super(`fetch response with ${nounFor(codes.length, 'error code')} ${codes.join(', ')}`);
  }
}

/**
 * A record batch this reader does not decode (compressed; mqbench writes none, a topic with
 * compression.type set does): found while parsing, before anything is delivered, so the fetcher can
 * hand the whole fetch to the client's own reader, which decompresses.
 */
export class UnreadableBatch extends Error {}

/**
 * A batch of magic 0 or 1 (a message set, before Kafka 0.11's record batch; a broker may still hold
 * or down-convert them): refused for good. Not a fallback: the client's reader reads every batch as
 * magic 2 without looking, and would hand over garbled values.
 */
export class RefusedBatch extends Error {}

/** A batch whose CRC-32C does not match its bytes: nothing of the response is delivered. */
export class CorruptBatch extends Error {}

/**
 * A connection's parser (the client's signature): the v17 layout, as the client's parseResponse
 * reads it, records left unread; tagged fields read as the protocol defines them (tagged-fields.ts:
 * the client's Reader misreads any that a broker sets). Throws FetchErrorCodes when the response
 * itself has an error code; a partition's error code stays in its FetchedPartition.
 */
export function parseFetchResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): FetchedTopic[] {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const topics = readCompactArray(reader, (r) => ({ topicId: r.readUUID(), partitions: readPartitions(r) }));
  // NodeEndpoints (KIP-951): the fetcher's metadata refresh after a leader change names the nodes too
  skipTaggedFields(reader);
  if (errorCode !== 0) throw new FetchErrorCodes([errorCode]);
  return topics;
}

/** Not readCompactArray: it would skip each partition's tagged fields, where CurrentLeader is. */
function readPartitions(r: Reader): FetchedPartition[] {
  const count = r.readUnsignedVarInt() - 1;
  const partitions: FetchedPartition[] = [];
  for (let i = 0; i < count; i++) partitions.push(readPartition(r));
  return partitions;
}

function readPartition(r: Reader): FetchedPartition {
  const partitionIndex = r.readInt32();
  const errorCode = r.readInt16();
  r.skip(24); // high_watermark, last_stable_offset, log_start_offset (INT64 each)
  const abortedTransactions = readCompactArray(r, (t) => ({ producerId: t.readInt64(), firstOffset: t.readInt64() }));
  r.readInt32(); // preferred_read_replica
  // COMPACT_RECORDS: length + 1
  const size = r.readUnsignedVarInt() - 1;
  // one contiguous Buffer (the response may span socket chunks: then this is its one copy)
  const records = size > 0 ? r.buffer.slice(r.position, r.position + size) : undefined;
  if (size > 0) r.skip(size);
  const currentLeader = currentLeaderOf(readTaggedFields(r));
  if (records) checkBatches(records);
  return { partitionIndex, errorCode, currentLeader, abortedTransactions, records };
}

/** CurrentLeader is the partition's tag 1: leader_id, leader_epoch (INT32 each), then its own tagged fields. */
function currentLeaderOf(tags: readonly TaggedField[]): FetchedPartition['currentLeader'] {
  const tag = tags.find((t) => t.tag === 1);
  if (tag === undefined) return undefined;
  const r = Reader.from(tag.value);
  return { leaderId: r.readInt32(), leaderEpoch: r.readInt32() };
}

/** Record batch v2 (magic 2): where its fields are (the Kafka protocol's "RecordBatch"). */
const batch = {
  lengthAt: 8,
  magicAt: 16,
  crcAt: 17,
  /** the CRC-32C covers the batch from here to its end */
  attributesAt: 21,
  lastOffsetDeltaAt: 23,
  producerIdAt: 43,
  countAt: 57,
  recordsAt: 61,
  /** baseOffset + batchLength: what precedes the length the batch gives */
  head: 12,
} as const;
/** the smallest batchLength of a magic 2 batch: its header after the length field, no records */
const minBatchLength = batch.recordsAt - batch.head;
const compressionBits = 0b111;
const transactionalBit = 1 << 4;
/** control batches (transaction markers) carry no records of ours */
const controlBit = 1 << 5;

/** The whole batches of a records region, as [start, end) byte ranges (a cut-off last batch is left out). */
function* wholeBatches(records: Buffer): Generator<[number, number]> {
  let at = 0;
  while (records.length - at >= batch.head) {
    const length = records.readInt32BE(at + batch.lengthAt);
    if (length < minBatchLength || records.length - at - batch.head < length) return;
    yield [at, at + batch.head + length];
    at += batch.head + length;
  }
}

/**
 * Before anything is delivered: throws RefusedBatch (magic 0/1), CorruptBatch (a length that cannot
 * be, or a CRC-32C that does not match: the Java consumer's check.crcs), UnreadableBatch (compressed)
 * on the first whole batch that is so. A cut-off last batch is left for the next fetch, unchecked.
 */
function checkBatches(records: Buffer): void {
  let at = 0;
  while (records.length - at >= batch.head) {
    const length = records.readInt32BE(at + batch.lengthAt);
    if (records.length - at - batch.head < length) return; // cut off
    const where = `record batch at offset ${records.readBigInt64BE(at)}`;
    const magic = records.length - at > batch.magicAt ? records.readInt8(at + batch.magicAt) : 2;
    if (magic !== 2) {
      throw new RefusedBatch(`${where} has magic ${magic}: only magic 2 (Kafka 0.11's record batch) is read; neither mqbench nor @platformatic/kafka reads older message sets`);
    }
    if (length < minBatchLength) throw new CorruptBatch(`${where}: its length ${length} is shorter than a record batch's header`);
    const end = at + batch.head + length;
    const expected = records.readUInt32BE(at + batch.crcAt);
    const actual = crc32c(records.subarray(at + batch.attributesAt, end));
    if (actual !== expected) throw new CorruptBatch(`${where}: CRC-32C ${actual} does not match the ${expected} it was written with`);
    if ((records.readInt16BE(at + batch.attributesAt) & compressionBits) !== 0) {
      throw new UnreadableBatch(`${where} is compressed: mqbench reads uncompressed batches (the ones it writes)`);
    }
    at = end;
  }
}

/** Reads the varints of one records region; one per partition region, not per record. */
class VarintReader {
  position = 0;
  constructor(readonly buffer: Buffer) {}

  /** zigzag varint (Kafka's VARINT), 32-bit */
  varint(): number {
    const { buffer } = this;
    let raw = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buffer[this.position++] ?? 0;
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** a VARLONG whose value is not needed (the timestamp delta): its bytes only */
  skipVarlong(): void {
    while ((this.buffer[this.position++] ?? 0) & 0x80);
  }
}

/** Records handed over, counted per batch (the driver's pathCounts()). */
export interface Tally {
  records: number;
}

const noAbortedTransactions: readonly AbortedTransaction[] = [];

/**
 * Calls `onValue` with each record's value (a slice of `records`) whose offset is at or after
 * `from` (a fetch returns whole batches, which may start before the offset asked for), in order,
 * leaving out control batches and, READ_COMMITTED, the batches of the transactions `aborted` names.
 * Returns the offset after the last whole batch, or undefined when `records` holds none (the broker
 * may cut the last batch off at the fetch's size limit: it comes again in the next fetch).
 * `records` is a region parseFetchResponse accepted (checkBatches: magic 2, uncompressed, CRC good).
 */
export function forEachValue(
  records: Buffer,
  from: bigint,
  onValue: (value: Buffer) => void,
  aborted: readonly AbortedTransaction[] = noAbortedTransactions,
  tally?: Tally,
): bigint | undefined {
  // almost always none: then nothing is allocated or read for it
  const abortedFilter = aborted.length > 0 ? new AbortedFilter(aborted) : undefined;
  let next: bigint | undefined;
  let delivered = 0;
  for (const [at, end] of wholeBatches(records)) {
    const baseOffset = records.readBigInt64BE(at);
    const attributes = records.readInt16BE(at + batch.attributesAt);
    const lastOffset = baseOffset + BigInt(records.readInt32BE(at + batch.lastOffsetDeltaAt));
    const leftOut = abortedFilter?.leavesOut(records, at, attributes, lastOffset) ?? false;
    if ((attributes & controlBit) === 0 && !leftOut) {
      const skipBelow = baseOffset >= from ? 0 : Number(from - baseOffset);
      delivered += readValues(records, at, end, skipBelow, onValue);
    }
    next = lastOffset + 1n;
  }
  if (tally) tally.records += delivered;
  return next;
}

/**
 * READ_COMMITTED as the Java consumer applies it (CompletedFetch): a producer's batches are left out
 * from the first offset of a transaction the broker names as aborted until that producer's ABORT
 * marker. The broker names them; the markers end them (the client's own filter ignores a transaction
 * whose marker is beyond this response, and delivers it).
 */
class AbortedFilter {
  /** by first offset; a transaction joins `producers` once a batch reaches its first offset */
  private readonly pending: AbortedTransaction[];
  private readonly producers = new Set<bigint>();

  constructor(aborted: readonly AbortedTransaction[]) {
    this.pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  leavesOut(records: Buffer, at: number, attributes: number, lastOffset: bigint): boolean {
    const producerId = records.readBigInt64BE(at + batch.producerIdAt);
    if (producerId < 0n) return false;
    while (this.pending.length > 0 && (this.pending[0] as AbortedTransaction).firstOffset <= lastOffset) {
      this.producers.add((this.pending.shift() as AbortedTransaction).producerId);
    }
    if ((attributes & controlBit) !== 0) {
      if (isAbortMarker(records, at)) this.producers.delete(producerId);
      return true;
    }
    return (attributes & transactionalBit) !== 0 && this.producers.has(producerId);
  }
}

/** A control batch's first record's key: version (INT16), type (INT16: 0 ABORT, 1 COMMIT). */
function isAbortMarker(records: Buffer, at: number): boolean {
  const reader = new VarintReader(records);
  reader.position = at + batch.recordsAt;
  reader.varint(); // length
  reader.position++; // attributes
  reader.skipVarlong(); // timestamp delta
  reader.varint(); // offset delta
  return reader.varint() >= 4 && records.readInt16BE(reader.position + 2) === 0;
}

/** The records of one batch: length, attributes, timestamp delta, offset delta, key, value, headers. Returns how many were handed over. */
function readValues(records: Buffer, at: number, end: number, skipBelow: number, onValue: (value: Buffer) => void): number {
  const count = records.readInt32BE(at + batch.countAt);
  const reader = new VarintReader(records);
  reader.position = at + batch.recordsAt;
  let delivered = 0;
  for (let i = 0; i < count && reader.position < end; i++) {
    const length = reader.varint();
    const recordEnd = reader.position + length;
    reader.position++; // attributes
    reader.skipVarlong();
    const offsetDelta = reader.varint();
    const keyLength = reader.varint();
    if (keyLength > 0) reader.position += keyLength;
    const valueLength = reader.varint();
    if (offsetDelta >= skipBelow && valueLength >= 0) {
      onValue(records.subarray(reader.position, reader.position + valueLength));
      delivered++;
    }
    // headers: not read, the record's length says where the next one starts
    reader.position = recordEnd;
  }
  return delivered;
}
