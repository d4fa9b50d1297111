/**
 * mqbench's Kafka wire code on bytes Kafka's own Java classes wrote (test/fixtures/kafka/: what each
 * file holds is in its README.md; brokers/kafka-fixtures/ writes them, `npm run fixtures:kafka`).
 * Only the committed .bin files are read here: no Java, no broker.
 *
 * Three of them were written before the fixes of issue 25 and failed then (aborted records delivered,
 * no CRC check, tagged fields misread): they pass since wire/ reads what Kafka writes.
 */
import { readFileSync } from 'node:fs';
import { crc32c, Reader, readRecordsBatches } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { forEachClientValue } from '../../src/drivers/kafka/wire/fetch-decoding.js';
import { forEachValue, parseFetchResponse, UnreadableBatch, type AbortedTransaction, type FetchedTopic } from '../../src/drivers/kafka/wire/fetch-response.js';
import { encodeProduceRequest } from '../../src/drivers/kafka/wire/produce-request.js';
import { judgePartitions, parseProduceResponse } from '../../src/drivers/kafka/wire/produce-response.js';
import { readCompactArray, readTaggedFields } from '../../src/drivers/kafka/wire/tagged-fields.js';

/** The generator's constants (KafkaFixtures.java). */
const timestampMs = 1_764_590_000_123;
const topicId = '0b7d1e4c-6d3f-4f9e-9a51-3c2b1a0f9e8d';
const newLeader = { leaderId: 2, leaderEpoch: 7 };
const endpoint = { nodeId: 2, host: 'kafka-2.mqbench.test', port: 9094, rack: 'rack-b' };
const NOT_LEADER_OR_FOLLOWER = 6;

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/kafka/${name}`, import.meta.url));
}

const text = (values: readonly (Buffer | null | undefined)[]): (string | null)[] => values.map((v) => (v == null ? null : v.toString('utf8')));

/** Record batch v2 header fields (the Kafka protocol's RecordBatch), read at their fixed places. */
interface BatchHeader {
  start: number;
  end: number;
  baseOffset: bigint;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  count: number;
}

function batchHeaders(records: Buffer): BatchHeader[] {
  const headers: BatchHeader[] = [];
  for (let at = 0; at < records.length; ) {
    const end = at + 12 + records.readInt32BE(at + 8);
    headers.push({
      start: at,
      end,
      baseOffset: records.readBigInt64BE(at),
      magic: records.readInt8(at + 16),
      crc: records.readUInt32BE(at + 17),
      attributes: records.readInt16BE(at + 21),
      lastOffsetDelta: records.readInt32BE(at + 23),
      producerId: records.readBigInt64BE(at + 43),
      producerEpoch: records.readInt16BE(at + 51),
      baseSequence: records.readInt32BE(at + 53),
      count: records.readInt32BE(at + 57),
    });
    at = end;
  }
  return headers;
}

/** What the fetcher delivers from a partition's records (forEachValue), and the offset it moves to. */
function delivered(records: Buffer | undefined, from = 0n, aborted: readonly AbortedTransaction[] = []): { values: (string | null)[]; next: bigint | undefined } {
  const values: Buffer[] = [];
  const next = records === undefined ? undefined : forEachValue(records, from, (value) => values.push(Buffer.from(value)), aborted);
  return { values: text(values), next };
}

/** Each record's offset and key, as the client's reader (the fetcher's fallback path) reads them. */
function offsetsAndKeys(records: Buffer): { offset: bigint; key: string | null }[] {
  return readRecordsBatches(Reader.from(records))
    .filter((b) => (b.attributes & 0b100000) === 0)
    .flatMap((b) => b.records.map((r) => ({ offset: b.firstOffset + BigInt(r.offsetDelta), key: r.key == null ? null : r.key.toString('utf8') })));
}

function fetched(name: string): FetchedTopic[] {
  return parseFetchResponse(1, 1, 17, Reader.from(fixture(name)));
}

const recordFixtures = ['idempotent-batch.bin', 'plain-batch.bin', 'compacted.bin', 'gzip-batch.bin'];

describe('Kafka-made record batches: the fixtures themselves', () => {
  it('every batch is magic 2, and its CRC-32C (the one produce-request.ts computes) matches its bytes', () => {
    for (const name of recordFixtures) {
      const records = fixture(name);
      const headers = batchHeaders(records);
      expect(headers.length, name).toBeGreaterThan(0);
      expect(headers[headers.length - 1]?.end, name).toBe(records.length);
      for (const h of headers) {
        expect(h.magic, name).toBe(2);
        expect(crc32c(records.subarray(h.start + 21, h.end)), name).toBe(h.crc);
      }
    }
  });
});

describe("mqbench's Produce encoder (produce-request.ts) against Kafka's batches", () => {
  const keys = ['key-0', 'key-1', undefined, 'key-3'].map((k) => (k === undefined ? undefined : Buffer.from(k)));
  const values = ['value-0', 'value-1', 'value-2 (no key)', 'value-3'].map((v) => Buffer.from(v));

  /** The one batch of mqbench's Produce request for the fixtures' records (it ends before the three closing tagged-field bytes). */
  function ourBatch(length: number): Buffer {
    const body = encodeProduceRequest({ topic: 't', acks: -1, timeoutMs: 30_000, timestampMs, partitions: [{ partition: 0, keys, values }] });
    const batch = Buffer.from(body.subarray(body.length - 3 - length, body.length - 3));
    expect(batch.readInt32BE(8) + 12).toBe(length);
    return batch;
  }

  /** Sets a batch's producer id, epoch and base sequence, and its CRC to match. */
  function withProducer(batch: Buffer, producerId: bigint, epoch: number, sequence: number): Buffer {
    batch.writeBigInt64BE(producerId, 43);
    batch.writeInt16BE(epoch, 51);
    batch.writeInt32BE(sequence, 53);
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
    return batch;
  }

  it("writes Kafka's idempotent batch byte for byte once given its producer id, epoch and base sequence", () => {
    const kafka = fixture('idempotent-batch.bin');
    const [header] = batchHeaders(kafka);
    expect(header).toMatchObject({ baseOffset: 0n, producerId: 1000n, producerEpoch: 3, baseSequence: 42, count: 4, lastOffsetDelta: 3, attributes: 0 });
    const ours = ourBatch(kafka.length);
    // every byte but the producer fields (43-57) and the CRC over them (17-21) is already Kafka's
    expect(ours.subarray(0, 17)).toEqual(kafka.subarray(0, 17));
    expect(ours.subarray(21, 43)).toEqual(kafka.subarray(21, 43));
    expect(ours.subarray(57)).toEqual(kafka.subarray(57));
    expect(withProducer(ours, 1000n, 3, 42)).toEqual(kafka);
  });

  it("differs from Kafka's non-idempotent batch only in producer epoch and base sequence (mqbench 0, Kafka -1)", () => {
    const kafka = fixture('plain-batch.bin');
    expect(batchHeaders(kafka)[0]).toMatchObject({ producerId: -1n, producerEpoch: -1, baseSequence: -1 });
    const ours = ourBatch(kafka.length);
    expect(batchHeaders(ours)[0]).toMatchObject({ producerId: -1n, producerEpoch: 0, baseSequence: 0 });
    expect(withProducer(ours, -1n, -1, -1)).toEqual(kafka);
  });

  it("reads back Kafka's idempotent batch: values, keys (one null), offsets", () => {
    const kafka = fixture('idempotent-batch.bin');
    expect(delivered(kafka)).toEqual({ values: ['value-0', 'value-1', 'value-2 (no key)', 'value-3'], next: 4n });
    expect(delivered(kafka, 2n).values).toEqual(['value-2 (no key)', 'value-3']);
    expect(offsetsAndKeys(kafka)).toEqual([
      { offset: 0n, key: 'key-0' },
      { offset: 1n, key: 'key-1' },
      { offset: 2n, key: null },
      { offset: 3n, key: 'key-3' },
    ]);
  });
});

describe('transactions: a Fetch v17 response with COMMIT and ABORT markers and aborted_transactions', () => {
  function partition0(): Buffer {
    const [topic] = fetched('fetch-v17-transactions.bin');
    expect(topic?.topicId).toBe(topicId);
    expect(topic?.partitions.map((p) => p.partitionIndex)).toEqual([0]);
    const records = topic?.partitions[0]?.records;
    if (!records) throw new Error('partition 0 has no records');
    return records;
  }

  it('reads the partition: five batches, transactional and control bits where Kafka set them, markers COMMIT then ABORT', () => {
    const records = partition0();
    const headers = batchHeaders(records);
    expect(headers.map((h) => h.baseOffset)).toEqual([0n, 3n, 4n, 6n, 7n]);
    expect(headers.map((h) => h.producerId)).toEqual([2000n, 2000n, 2000n, 2000n, -1n]);
    // bit 4: transactional, bit 5: control
    expect(headers.map((h) => h.attributes & 0b110000)).toEqual([0b010000, 0b110000, 0b010000, 0b110000, 0]);
    // a control record's key: version (INT16 0), type (INT16: 0 ABORT, 1 COMMIT)
    const markers = readRecordsBatches(Reader.from(records))
      .filter((b) => (b.attributes & 0b100000) !== 0)
      .map((b) => b.records[0]?.key?.readInt16BE(2));
    expect(markers).toEqual([1, 0]);
    expect(delivered(records).next).toBe(8n);
  });

  it('names the aborted transaction: producer 2000 from offset 4 (aborted_transactions, read by tagged-fields.ts)', () => {
    const { partitions, tags } = walkFetchV17(fixture('fetch-v17-transactions.bin'));
    expect(partitions.map((p) => p.abortedTransactions)).toEqual([[{ producerId: 2000n, firstOffset: 4n }]]);
    expect(partitions[0]?.records).toEqual(partition0());
    expect(tags).toEqual([]);
  });

  // READ_COMMITTED: the broker names the aborted transaction; forEachValue leaves its records out
  it('delivers only the committed records and the one after the abort (READ_COMMITTED)', () => {
    const [topic] = fetched('fetch-v17-transactions.bin');
    expect(delivered(partition0(), 0n, topic?.partitions[0]?.abortedTransactions)).toEqual({ values: ['committed-0', 'committed-1', 'committed-2', 'after-abort'], next: 8n });
  });

  // a batch whose bytes changed (one byte of the value 'committed-1') is refused, as the Java consumer (check.crcs=true) does
  it('refuses a batch whose CRC does not match its bytes', () => {
    const body = fixture('fetch-v17-transactions.bin');
    const at = body.indexOf('committed-1');
    body[at + 10] = 'X'.charCodeAt(0);
    expect(() => {
      const [topic] = parseFetchResponse(1, 1, 17, Reader.from(body));
      forEachValue(topic?.partitions[0]?.records ?? Buffer.alloc(0), 0n, () => {});
    }).toThrow();
  });
});

describe('compaction: offsets with holes and an empty batch', () => {
  const records = fixture('compacted.bin');

  it("keeps Kafka's batch bounds: a batch with holes, an emptied batch (count 0, last offset delta kept), a whole one", () => {
    expect(batchHeaders(records).map(({ baseOffset, lastOffsetDelta, count, producerId, baseSequence }) => ({ baseOffset, lastOffsetDelta, count, producerId, baseSequence }))).toEqual([
      { baseOffset: 0n, lastOffsetDelta: 4, count: 1, producerId: 3000n, baseSequence: 0 },
      { baseOffset: 5n, lastOffsetDelta: 1, count: 0, producerId: 3000n, baseSequence: 5 },
      { baseOffset: 7n, lastOffsetDelta: 2, count: 3, producerId: 3001n, baseSequence: 0 },
    ]);
  });

  it('delivers the latest value of each key, at its own offset, and moves past the holes and the empty batch', () => {
    expect(delivered(records)).toEqual({ values: ['a1', 'd1', 'b2', 'c2'], next: 10n });
    expect(offsetsAndKeys(records)).toEqual([
      { offset: 3n, key: 'a' },
      { offset: 7n, key: 'd' },
      { offset: 8n, key: 'b' },
      { offset: 9n, key: 'c' },
    ]);
    // asked from inside the holes: offset 3 is before it, offset 7 the next record
    expect(delivered(records, 4n)).toEqual({ values: ['d1', 'b2', 'c2'], next: 10n });
    expect(delivered(records, 8n).values).toEqual(['b2', 'c2']);
  });

  it('an empty batch alone delivers nothing and moves to the offset after its last one (7)', () => {
    const empty = batchHeaders(records)[1] as BatchHeader;
    expect(delivered(records.subarray(empty.start, empty.end), 5n)).toEqual({ values: [], next: 7n });
  });
});

describe('a gzip-compressed batch', () => {
  const expected = [0, 1, 2, 3, 4].map((i) => `gzip-value-${i}-${'x'.repeat(40)}`);

  it("is refused by mqbench's reader while parsing (UnreadableBatch), so the fetch goes through the client", () => {
    expect(batchHeaders(fixture('gzip-batch.bin'))[0]).toMatchObject({ baseOffset: 10n, attributes: 1, count: 5, lastOffsetDelta: 4 });
    expect(() => fetched('fetch-v17-gzip.bin')).toThrow(UnreadableBatch);
    expect(() => fetched('fetch-v17-gzip.bin')).toThrow(/record batch at offset 10 is compressed/);
  });

  it("is read by the client's decompressing reader, as the fetcher's fallback delivers it", () => {
    const values: Buffer[] = [];
    const next = forEachClientValue(readRecordsBatches(Reader.from(fixture('gzip-batch.bin'))), 10n, (v) => values.push(v));
    expect({ values: text(values), next }).toEqual({ values: expected, next: 15n });
    expect(offsetsAndKeys(fixture('gzip-batch.bin')).map((r) => r.key)).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
  });
});

/** CurrentLeader and NodeEndpoints are the same structs in Fetch and Produce responses. */
function readLeader(value: Buffer): { leaderId: number; leaderEpoch: number } {
  const r = Reader.from(value);
  const leader = { leaderId: r.readInt32(), leaderEpoch: r.readInt32() };
  readTaggedFields(r);
  return leader;
}

function readEndpoints(value: Buffer): { nodeId: number; host: string; port: number; rack: string | null }[] {
  return readCompactArray(Reader.from(value), (r) => ({ nodeId: r.readInt32(), host: r.readString(), port: r.readInt32(), rack: r.readNullableString() }));
}

interface WalkedPartition {
  index: number;
  errorCode: number;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[];
  records: Buffer;
  tags: ReturnType<typeof readTaggedFields>;
}

/**
 * A Fetch v17 body walked field by field with tagged-fields.ts (which reads tagged fields as KIP-482
 * defines them): every partition with its aborted transactions and tagged fields, the response's tags.
 */
function walkFetchV17(body: Buffer): { topicIds: string[]; partitions: WalkedPartition[]; tags: ReturnType<typeof readTaggedFields> } {
  const r = Reader.from(body);
  expect([r.readInt32(), r.readInt16(), r.readInt32()]).toEqual([0, 0, 0]); // throttle, error, session
  const partitions: WalkedPartition[] = [];
  const topicIds = readCompactArray(r, (t) => {
    const id = t.readUUID();
    // the partitions' own tagged fields are read here (readCompactArray would skip them)
    const count = t.readUnsignedVarInt() - 1;
    for (let i = 0; i < count; i++) {
      const index = t.readInt32();
      const errorCode = t.readInt16();
      t.skip(24); // high watermark, last stable offset, log start offset
      const abortedTransactions = readCompactArray(t, (a) => ({ producerId: a.readInt64(), firstOffset: a.readInt64() }));
      t.readInt32(); // preferred read replica
      const size = Math.max(t.readUnsignedVarInt() - 1, 0);
      const records = Buffer.from(t.buffer.slice(t.position, t.position + size));
      t.skip(size);
      partitions.push({ index, errorCode, abortedTransactions, records, tags: readTaggedFields(t) });
    }
    return id;
  });
  const tags = readTaggedFields(r);
  expect(r.remaining).toBe(0);
  return { topicIds, partitions, tags };
}

describe('NOT_LEADER_OR_FOLLOWER with CurrentLeader and NodeEndpoints (KIP-951 tagged fields)', () => {
  it('Fetch v17: tagged-fields.ts reads the new leader (tag 1), the endpoints (tag 0) and the other partition after them', () => {
    const { topicIds, partitions, tags } = walkFetchV17(fixture('fetch-v17-not-leader.bin'));
    expect(topicIds).toEqual([topicId]);
    expect(partitions.map((p) => [p.index, p.errorCode, p.tags.map((f) => f.tag)])).toEqual([
      [0, NOT_LEADER_OR_FOLLOWER, [1]],
      [1, 0, []],
    ]);
    expect(readLeader(partitions[0]?.tags[0]?.value as Buffer)).toEqual(newLeader);
    expect(tags.map((f) => f.tag)).toEqual([0]);
    expect(readEndpoints(tags[0]?.value as Buffer)).toEqual([endpoint]);
    expect(partitions[0]?.records.length).toBe(0);
    expect(delivered(partitions[1]?.records)).toEqual({ values: ['p1-100', 'p1-101'], next: 102n });
  });

  // the partition keeps its own error code and the leader the broker named; the tags are not misread as a second error
  it('Fetch v17: parseFetchResponse keeps NOT_LEADER_OR_FOLLOWER and the new leader on partition 0, and reads partition 1 whole', () => {
    const [topic] = fetched('fetch-v17-not-leader.bin');
    expect(topic?.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, NOT_LEADER_OR_FOLLOWER],
      [1, 0],
    ]);
    expect(topic?.partitions[0]?.currentLeader).toEqual(newLeader);
    expect(delivered(topic?.partitions[1]?.records)).toEqual({ values: ['p1-100', 'p1-101'], next: 102n });
  });

  it('Produce v11: tagged-fields.ts reads the three partitions, the new leader of p0 (tag 0) and the endpoints (tag 0)', () => {
    const r = Reader.from(fixture('produce-v11-not-leader.bin'));
    const partitions: { index: number; errorCode: number; baseOffset: bigint; logStartOffset: bigint; tags: number[]; leader?: unknown }[] = [];
    const names = readCompactArray(r, (t) => {
      const name = t.readString();
      const count = t.readUnsignedVarInt() - 1;
      for (let i = 0; i < count; i++) {
        const index = t.readInt32();
        const errorCode = t.readInt16();
        const baseOffset = t.readInt64();
        t.readInt64(); // log append time
        const logStartOffset = t.readInt64();
        readCompactArray(t, (e) => [e.readInt32(), e.readNullableString()]); // record errors
        t.readNullableString(); // error message
        const tags = readTaggedFields(t);
        partitions.push({ index, errorCode, baseOffset, logStartOffset, tags: tags.map((f) => f.tag), ...(tags[0] ? { leader: readLeader(tags[0].value) } : {}) });
      }
      return name;
    });
    expect(r.readInt32()).toBe(0); // throttle time
    const responseTags = readTaggedFields(r);
    expect(r.remaining).toBe(0);
    expect(names).toEqual(['mqbench-fixtures']);
    expect(partitions).toEqual([
      { index: 0, errorCode: NOT_LEADER_OR_FOLLOWER, baseOffset: -1n, logStartOffset: -1n, tags: [0], leader: newLeader },
      { index: 1, errorCode: 0, baseOffset: 1000n, logStartOffset: 0n, tags: [] },
      { index: 2, errorCode: 0, baseOffset: 2500n, logStartOffset: 100n, tags: [] },
    ]);
    expect(responseTags.map((f) => f.tag)).toEqual([0]);
    expect(readEndpoints(responseTags[0]?.value as Buffer)).toEqual([endpoint]);
  });

  // mqbench's own Produce response reader (wire/produce-response.ts): the CurrentLeader and NodeEndpoints
  // tags are stepped over, and only the refused partition is resent (the client's parser ran out of bounds)
  it('Produce v11: as record-sender reads it, only p0 is resent; p1 and p2 were written', () => {
    const response = parseProduceResponse(1, 0, 11, Reader.from(fixture('produce-v11-not-leader.bin')));
    expect(response.partitions.map((p) => [p.index, p.errorCode])).toEqual([
      [0, NOT_LEADER_OR_FOLLOWER],
      [1, 0],
      [2, 0],
    ]);
    const verdicts = judgePartitions(response.partitions, [{ partition: 0 }, { partition: 1 }, { partition: 2 }], 'mqbench-fixtures');
    expect(verdicts).toEqual({ resend: [{ partition: 0 }], resendReasons: ['NOT_LEADER_OR_FOLLOWER'], refused: [] });
  });
});
