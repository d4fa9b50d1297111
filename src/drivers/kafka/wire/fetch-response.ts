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
import type { Reader } from '@platformatic/kafka';

export const fetchApiKey = 1;
/** The one Fetch version read here; the client's own parser for it is apis/consumer/fetch-v17. */
export const fetchVersion = 17;

export interface FetchedPartition {
  partitionIndex: number;
  /** the partition's record batches as the broker sent them (a whole number of batches, maybe a cut-off one at the end) */
  records: Buffer | undefined;
}

export interface FetchedTopic {
  topicId: string;
  partitions: FetchedPartition[];
}

/** A response naming an error code: the fetcher then leaves that fetch to the client's own path. */
export class FetchErrorCodes extends Error {
  constructor(readonly codes: readonly number[]) {
    super(`fetch response with error code(s) ${codes.join(', ')}`);
  }
}

/**
 * A record batch this reader does not decode (compressed, or not magic 2; mqbench writes neither, a
 * topic with compression.type set does): found while parsing, before anything is delivered, so the
 * fetcher can hand the whole fetch to the client's own reader, which decompresses.
 */
export class UnreadableBatch extends Error {}

/**
 * A connection's parser (the client's signature): the v17 layout, as the client's parseResponse
 * reads it, records left unread. Throws FetchErrorCodes when the response or a partition has one.
 */
export function parseFetchResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): FetchedTopic[] {
  const codes: number[] = [];
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  if (errorCode !== 0) codes.push(errorCode);
  reader.readInt32(); // session_id
  const topics = reader.readArray((r) => ({ topicId: r.readUUID(), partitions: r.readArray((p) => readPartition(p, codes)) }));
  if (codes.length > 0) throw new FetchErrorCodes(codes);
  return topics;
}

function readPartition(r: Reader, codes: number[]): FetchedPartition {
  const partitionIndex = r.readInt32();
  const errorCode = r.readInt16();
  if (errorCode !== 0) codes.push(errorCode);
  r.skip(24); // high_watermark, last_stable_offset, log_start_offset (INT64 each)
  r.readArray((t) => t.skip(16)); // aborted_transactions: producer_id, first_offset (INT64 each)
  r.readInt32(); // preferred_read_replica
  // COMPACT_RECORDS: length + 1
  const size = r.readUnsignedVarInt() - 1;
  if (size <= 0) return { partitionIndex, records: undefined };
  // one contiguous Buffer (the response may span socket chunks: then this is its one copy)
  const records = r.buffer.slice(r.position, r.position + size);
  r.skip(size);
  checkBatches(records);
  return { partitionIndex, records };
}

/** Record batch v2 (magic 2): where its fields are (the Kafka protocol's "RecordBatch"). */
const batch = {
  lengthAt: 8,
  magicAt: 16,
  attributesAt: 21,
  lastOffsetDeltaAt: 23,
  countAt: 57,
  recordsAt: 61,
  /** baseOffset + batchLength: what precedes the length the batch gives */
  head: 12,
} as const;
const compressionBits = 0b111;
/** control batches (transaction markers) carry no records of ours */
const controlBit = 1 << 5;

/** The whole batches of a records region, as [start, end) byte ranges (a cut-off last batch is left out). */
function* wholeBatches(records: Buffer): Generator<[number, number]> {
  let at = 0;
  while (records.length - at >= batch.head && records.length - at - batch.head >= records.readInt32BE(at + batch.lengthAt)) {
    const end = at + batch.head + records.readInt32BE(at + batch.lengthAt);
    yield [at, end];
    at = end;
  }
}

/** Throws UnreadableBatch on the first batch forEachValue could not read. One header read per batch. */
function checkBatches(records: Buffer): void {
  for (const [at] of wholeBatches(records)) {
    const magic = records.readInt8(at + batch.magicAt);
    if (magic !== 2) throw new UnreadableBatch(`record batch at offset ${records.readBigInt64BE(at)} has magic ${magic}: only magic 2 is read here`);
    if ((records.readInt16BE(at + batch.attributesAt) & compressionBits) !== 0) {
      throw new UnreadableBatch(`record batch at offset ${records.readBigInt64BE(at)} is compressed: mqbench reads uncompressed batches (the ones it writes)`);
    }
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

/**
 * Calls `onValue` with each record's value (a slice of `records`) whose offset is at or after
 * `from` (a fetch returns whole batches, which may start before the offset asked for), in order.
 * Returns the offset after the last whole batch, or undefined when `records` holds none (the broker
 * may cut the last batch off at the fetch's size limit: it comes again in the next fetch).
 * `records` is a region parseFetchResponse accepted (checkBatches: magic 2, uncompressed).
 */
export function forEachValue(records: Buffer, from: bigint, onValue: (value: Buffer) => void): bigint | undefined {
  let next: bigint | undefined;
  for (const [at, end] of wholeBatches(records)) {
    const baseOffset = records.readBigInt64BE(at);
    if ((records.readInt16BE(at + batch.attributesAt) & controlBit) === 0) {
      const skipBelow = baseOffset >= from ? 0 : Number(from - baseOffset);
      readValues(records, at, end, skipBelow, onValue);
    }
    next = baseOffset + BigInt(records.readInt32BE(at + batch.lastOffsetDeltaAt)) + 1n;
  }
  return next;
}

/** The records of one batch: length, attributes, timestamp delta, offset delta, key, value, headers. */
function readValues(records: Buffer, at: number, end: number, skipBelow: number, onValue: (value: Buffer) => void): void {
  const count = records.readInt32BE(at + batch.countAt);
  const reader = new VarintReader(records);
  reader.position = at + batch.recordsAt;
  for (let i = 0; i < count && reader.position < end; i++) {
    const length = reader.varint();
    const recordEnd = reader.position + length;
    reader.position++; // attributes
    reader.skipVarlong();
    const offsetDelta = reader.varint();
    const keyLength = reader.varint();
    if (keyLength > 0) reader.position += keyLength;
    const valueLength = reader.varint();
    if (offsetDelta >= skipBelow && valueLength >= 0) onValue(records.subarray(reader.position, reader.position + valueLength));
    // headers: not read, the record's length says where the next one starts
    reader.position = recordEnd;
  }
}
