/**
 * Kafka Produce request bodies (versions 9 to 11, one layout) with their record batches (magic 2),
 * encoded into one buffer sized up front.
 *
 * Why not the client's encoder: @platformatic/kafka writes every field of every record into a
 * separate small buffer, concatenates them twice (for the CRC, then for the socket) and keys a string
 * map per message. At 100 B that was about a third of an end-to-end run's CPU, on the same core that
 * has to consume: the client, not Kafka, set the rate. The bytes are the same: the header fields
 * below are the client's choices, and a unit test compares the two encoders byte for byte.
 *
 * Called by record-sender.ts (one request per leader per batch); tested by test/unit/produce-request.test.ts.
 */
import { crc32c } from '@platformatic/kafka';

/** The records of one partition, in the order they were sent. */
export interface PartitionRecords {
  partition: number;
  values: readonly Buffer[];
  /** per record: its key, or undefined for none (the same length as values) */
  keys: readonly (Buffer | undefined)[];
}

export interface ProduceRequestSpec {
  topic: string;
  acks: number;
  timeoutMs: number;
  /** every record's timestamp (ms since the epoch): a batch is stamped when it is sent */
  timestampMs: number;
  partitions: readonly PartitionRecords[];
}

/** baseOffset, batchLength */
const batchHeadBytes = 8 + 4;
/** partitionLeaderEpoch, magic, crc, then attributes .. recordCount (the part the CRC covers starts at attributes) */
const batchFixedBytes = 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const crcOffset = batchHeadBytes + 4 + 1;
const attributesOffset = crcOffset + 4;
const recordBatchMagic = 2;

/** Kafka's signed varints are zigzag encoded. */
function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function unsignedVarintBytes(value: number): number {
  let bytes = 1;
  for (let v = value >>> 7; v !== 0; v >>>= 7) bytes++;
  return bytes;
}

function varintBytes(value: number): number {
  return unsignedVarintBytes(zigzag(value));
}

function writeUnsignedVarint(buffer: Buffer, offset: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buffer[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[offset++] = v;
  return offset;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  return writeUnsignedVarint(buffer, offset, zigzag(value));
}

/** A record's bytes after its length: attributes, timestamp delta (0), offset delta, key, value, no headers. */
function recordBodyBytes(offsetDelta: number, key: Buffer | undefined, value: Buffer): number {
  const keyBytes = key ? varintBytes(key.length) + key.length : varintBytes(-1);
  return 1 + 1 + varintBytes(offsetDelta) + keyBytes + varintBytes(value.length) + value.length + 1;
}

function recordsBytes(records: PartitionRecords): number {
  let total = 0;
  for (let i = 0; i < records.values.length; i++) {
    const body = recordBodyBytes(i, records.keys[i], records.values[i] as Buffer);
    total += varintBytes(body) + body;
  }
  return total;
}

function writeRecords(buffer: Buffer, offset: number, records: PartitionRecords): number {
  let at = offset;
  for (let i = 0; i < records.values.length; i++) {
    const value = records.values[i] as Buffer;
    const key = records.keys[i];
    at = writeVarint(buffer, at, recordBodyBytes(i, key, value));
    buffer[at++] = 0; // attributes
    buffer[at++] = 0; // timestamp delta: every record has the batch's timestamp
    at = writeVarint(buffer, at, i);
    if (key) {
      at = writeVarint(buffer, at, key.length);
      at += key.copy(buffer, at);
    } else {
      at = writeVarint(buffer, at, -1);
    }
    at = writeVarint(buffer, at, value.length);
    at += value.copy(buffer, at);
    buffer[at++] = 0; // no headers
  }
  return at;
}

/** One record batch at `offset`, `size` bytes in all (from batchSize()). */
function writeBatch(buffer: Buffer, offset: number, size: number, records: PartitionRecords, timestampMs: number): void {
  const count = records.values.length;
  const timestamp = BigInt(timestampMs);
  buffer.writeBigInt64BE(0n, offset); // base offset: the broker assigns it
  buffer.writeInt32BE(size - batchHeadBytes, offset + 8);
  buffer.writeInt32BE(0, offset + 12); // partition leader epoch (the client's choice; the broker sets its own)
  buffer.writeInt8(recordBatchMagic, offset + 16);
  let at = offset + attributesOffset;
  at = buffer.writeInt16BE(0, at); // attributes: no compression, no transaction
  at = buffer.writeInt32BE(count - 1, at); // last offset delta
  at = buffer.writeBigInt64BE(timestamp, at); // first timestamp
  at = buffer.writeBigInt64BE(timestamp, at); // max timestamp
  at = buffer.writeBigInt64BE(-1n, at); // producer id: not idempotent
  at = buffer.writeInt16BE(0, at); // producer epoch
  at = buffer.writeInt32BE(0, at); // base sequence
  at = buffer.writeInt32BE(count, at);
  writeRecords(buffer, at, records);
  const crc = crc32c(buffer.subarray(offset + attributesOffset, offset + size));
  buffer.writeUInt32BE(crc, offset + crcOffset);
}

function batchSize(records: PartitionRecords): number {
  return batchHeadBytes + batchFixedBytes + recordsBytes(records);
}

/** The Produce request body (v9-v11: flexible versions, compact strings and arrays, empty tagged fields). */
export function encodeProduceRequest(spec: ProduceRequestSpec): Buffer {
  const topicName = Buffer.from(spec.topic, 'utf8');
  const batchSizes = spec.partitions.map(batchSize);
  let total = 1 + 2 + 4 + unsignedVarintBytes(2) + unsignedVarintBytes(topicName.length + 1) + topicName.length;
  total += unsignedVarintBytes(spec.partitions.length + 1);
  for (const size of batchSizes) total += 4 + unsignedVarintBytes(size + 1) + size + 1;
  total += 1 + 1; // the topic's and the request's tagged fields

  const buffer = Buffer.allocUnsafe(total);
  let at = writeUnsignedVarint(buffer, 0, 0); // transactional id: null
  at = buffer.writeInt16BE(spec.acks, at);
  at = buffer.writeInt32BE(spec.timeoutMs, at);
  at = writeUnsignedVarint(buffer, at, 2); // one topic
  at = writeUnsignedVarint(buffer, at, topicName.length + 1);
  at += topicName.copy(buffer, at);
  at = writeUnsignedVarint(buffer, at, spec.partitions.length + 1);
  spec.partitions.forEach((records, i) => {
    const size = batchSizes[i] as number;
    at = buffer.writeInt32BE(records.partition, at);
    at = writeUnsignedVarint(buffer, at, size + 1);
    writeBatch(buffer, at, size, records, spec.timestampMs);
    at += size;
    buffer[at++] = 0; // the partition's tagged fields
  });
  buffer[at++] = 0; // the topic's tagged fields
  buffer[at++] = 0; // the request's tagged fields
  if (at !== total) throw new Error(`produce request: wrote ${at} of ${total} bytes`);
  return buffer;
}
