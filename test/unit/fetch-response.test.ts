import { existsSync, readFileSync } from 'node:fs';
import { createRecordsBatch, fetchV17, Reader, readRecordsBatches, Writer, type MessageRecord } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import * as fetchResponseModule from '../../src/drivers/kafka/wire/fetch-response.js';
import { FetchErrorCodes, forEachValue, parseFetchResponse, UnreadableBatch } from '../../src/drivers/kafka/wire/fetch-response.js';
import { batchAt, currentLeaderTag, fetchResponse, named, nodeEndpointsTag, values } from './fetch-bytes.js';

/** What the client's reader delivers: each record's value at or after `from`, and the next offset. */
function clientValues(records: Buffer, from: bigint): { values: Buffer[]; next: bigint | undefined } {
  const batches = readRecordsBatches(Reader.from(records));
  const out: Buffer[] = [];
  for (const b of batches) {
    if ((b.attributes & 0b100000) !== 0) continue;
    for (const r of b.records) if (b.firstOffset + BigInt(r.offsetDelta) >= from && r.value) out.push(r.value);
  }
  const last = batches[batches.length - 1];
  return { values: out, next: last ? last.firstOffset + BigInt(last.lastOffsetDelta) + 1n : undefined };
}

function ourValues(records: Buffer, from: bigint): { values: Buffer[]; next: bigint | undefined } {
  const out: Buffer[] = [];
  const next = forEachValue(records, from, (value) => out.push(Buffer.from(value)));
  return { values: out, next };
}

describe('forEachValue (records of a fetch response)', () => {
  it('hands over what the client reader reads: unkeyed, keyed, headers, sizes across varint boundaries', () => {
    const records = Buffer.concat([
      batchAt(0n, values(200, 100, false)),
      batchAt(200n, values(3, 63, true, true)),
      batchAt(203n, values(2, 64, true)),
      batchAt(205n, values(1, 8191, false, true)),
      batchAt(206n, values(2, 8192, true)),
    ]);
    const ours = ourValues(records, 0n);
    expect(ours.values).toHaveLength(208);
    expect(ours).toEqual(clientValues(records, 0n));
    expect(ours.next).toBe(208n);
  });

  it('skips the records before the offset asked for, within the first batch', () => {
    const records = Buffer.concat([batchAt(1000n, values(10, 100, false)), batchAt(1010n, values(5, 100, false))]);
    const ours = ourValues(records, 1007n);
    expect(ours.values).toHaveLength(8);
    expect(ours).toEqual(clientValues(records, 1007n));
  });

  it('leaves a batch the fetch cut off for the next fetch', () => {
    const whole = batchAt(0n, values(4, 100, false));
    const cut = batchAt(4n, values(4, 100, false)).subarray(0, 150);
    const ours = ourValues(Buffer.concat([whole, cut]), 0n);
    expect(ours.values).toHaveLength(4);
    expect(ours.next).toBe(4n);
    expect(ourValues(cut, 4n)).toEqual({ values: [], next: undefined });
  });

  it('delivers nothing of a control batch, and moves past it', () => {
    const records = Buffer.concat([batchAt(0n, values(2, 10, false)), batchAt(2n, values(1, 10, false), 1 << 5), batchAt(3n, values(1, 10, false))]);
    const ours = ourValues(records, 0n);
    expect(ours.values).toHaveLength(3);
    expect(ours.next).toBe(4n);
  });

  it('reads past timestamp deltas of one, two and three bytes, and skips null values as the client does', () => {
    const base = 1_764_590_000_000n;
    const messages: MessageRecord[] = [0n, 40n, 5_000n, 2_000_000n].map((delta, i) => ({ topic: 't', value: Buffer.from(`v${i}`), timestamp: base + delta }));
    messages.push({ topic: 't', value: null as unknown as Buffer, key: Buffer.from('tombstone'), timestamp: base + 9n });
    messages.push({ topic: 't', value: Buffer.alloc(0), timestamp: base + 70n });
    const records = Buffer.concat([batchAt(0n, messages), batchAt(6n, values(2, 10, false))]);
    const ours = ourValues(records, 0n);
    expect(ours.values).toEqual([...['v0', 'v1', 'v2', 'v3'].map((v) => Buffer.from(v)), Buffer.alloc(0), Buffer.alloc(10, 0), Buffer.alloc(10, 7)]);
    expect(ours).toEqual(clientValues(records, 0n));
    expect(ours.next).toBe(8n);
  });
});

describe('parseFetchResponse (Fetch v17)', () => {
  it("reads the partitions' records where the client's parser reads them", () => {
    const records0 = batchAt(0n, values(3, 100, false));
    const records2 = Buffer.concat([batchAt(5n, values(2, 100, true)), batchAt(7n, values(1, 100, false))]);
    const body = fetchResponse([
      { index: 0, errorCode: 0, records: records0 },
      { index: 1, errorCode: 0, records: undefined },
      { index: 2, errorCode: 0, records: records2 },
    ]);
    const ours = parseFetchResponse(1, 1, 17, Reader.from(body));
    const client = fetchV17.parseResponse(1, 1, 17, Reader.from(body));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.topicId).toBe(client.responses[0]?.topicId);
    expect(ours[0]?.partitions.map((p) => p.partitionIndex)).toEqual([0, 1, 2]);
    expect(ours[0]?.partitions.map((p) => p.records)).toEqual([records0, undefined, records2]);
    const clientRecords = client.responses[0]?.partitions[2]?.records ?? [];
    expect(ourValues(records2, 0n).values).toEqual(clientRecords.flatMap((b) => b.records.map((r) => r.value)));
  });

  it('leaves a compressed batch, found while parsing (before anything is delivered), to the client\'s reader', () => {
    const compressed = Buffer.from(createRecordsBatch(values(3, 100, false), { compression: 'gzip' }).buffer);
    const body = fetchResponse([{ index: 0, errorCode: 0, records: batchAt(0n, values(2, 10, false)) }, { index: 1, errorCode: 0, records: compressed }]);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(body))).toThrow(UnreadableBatch);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(body))).toThrow(/record batch at offset 0 is compressed: mqbench reads uncompressed batches/);
  });

  it('reads a response that arrived in several socket chunks, records split across them', () => {
    const records = Buffer.concat([batchAt(0n, values(50, 100, false)), batchAt(50n, values(50, 100, true))]);
    const body = fetchResponse([{ index: 0, errorCode: 0, records }]);
    const cut = Math.floor(body.length / 2);
    // a Writer's appended buffers stay separate chunks, as the connection's socket chunks do
    const chunked = Reader.from(Writer.create().append(body.subarray(0, 7)).append(body.subarray(7, cut)).append(body.subarray(cut)));
    expect(chunked.buffer.buffers.length).toBe(3);
    const [topic] = parseFetchResponse(1, 1, 17, chunked);
    expect(topic?.partitions[0]?.records).toEqual(records);
    expect(ourValues(records, 0n).values).toHaveLength(100);
  });

  it("throws the response's own error code; a partition's error code stays with its partition, the others' records are read", () => {
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(fetchResponse([{ index: 0, errorCode: 0, records: undefined }], 58)))).toThrow(FetchErrorCodes);
    const records = batchAt(0n, values(2, 10, false));
    const partitionError = fetchResponse([{ index: 0, errorCode: 0, records }, { index: 1, errorCode: 1, records: undefined }]);
    const [topic] = parseFetchResponse(1, 1, 17, Reader.from(partitionError));
    expect(topic?.partitions.map((p) => [p.partitionIndex, p.errorCode, p.records])).toEqual([
      [0, 0, records],
      [1, 1, undefined],
    ]);
  });

  it('a partition answered NOT_LEADER_OR_FOLLOWER with its CurrentLeader tag and the NodeEndpoints tag (KIP-951): its own error code only, the next partition read whole', () => {
    const records = batchAt(100n, values(2, 10, false));
    const body = fetchResponse(
      [
        { index: 0, errorCode: 6, records: undefined, tags: [currentLeaderTag(2, 7)] },
        { index: 1, errorCode: 0, records },
      ],
      0,
      [nodeEndpointsTag(2, 'kafka-2.mqbench.test', 9094)],
    );
    const [topic] = parseFetchResponse(1, 1, 17, Reader.from(body));
    expect(topic?.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, 6],
      [1, 0],
    ]);
    expect(topic?.partitions[0]?.currentLeader).toEqual({ leaderId: 2, leaderEpoch: 7 });
    expect(topic?.partitions[1]?.records).toEqual(records);
  });

  it.skipIf(!existsSync(notLeaderFixture))("the same from a Java-built response (fixture): partition 0 moved to node 2, partition 1's records", () => {
    const [topic] = parseFetchResponse(1, 1, 17, Reader.from(readFileSync(notLeaderFixture)));
    expect(topic?.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, 6],
      [1, 0],
    ]);
    expect(topic?.partitions[0]?.currentLeader?.leaderId).toBe(2);
    expect(ourValues(topic?.partitions[1]?.records as Buffer, 0n).values.map(String)).toEqual(['p1-100', 'p1-101']);
  });
});

const notLeaderFixture = new URL('../fixtures/kafka/fetch-v17-not-leader.bin', import.meta.url);
const transactionsFixture = new URL('../fixtures/kafka/fetch-v17-transactions.bin', import.meta.url);

describe('record batches refused before anything is delivered', () => {
  it('a batch whose bytes changed after it was written (CRC-32C no longer matches): refused while parsing, no value delivered', () => {
    const good = batchAt(0n, values(3, 100, false));
    const flipped = batchAt(3n, values(3, 100, false));
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 20) ^ 0x01, flipped.length - 20); // a byte of the last record's value
    const body = fetchResponse([{ index: 0, errorCode: 0, records: Buffer.concat([good, flipped]) }]);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(body))).toThrow(/record batch at offset 3: CRC-32C .* does not match/);
    // the checksum covers the batch from its attributes on: a changed header field is caught too
    const header = batchAt(0n, values(1, 10, false));
    header.writeInt32BE(header.readInt32BE(23) + 1, 23); // lastOffsetDelta
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(fetchResponse([{ index: 0, errorCode: 0, records: header }])))).toThrow(/CRC-32C/);
  });

  it("a batch of magic 0 or 1 (a message set older than Kafka 0.11's record batch): refused for good, not handed to the client's reader", () => {
    for (const magic of [0, 1]) {
      const old = batchAt(0n, values(1, 10, false));
      old.writeInt8(magic, 16);
      const parse = () => parseFetchResponse(1, 1, 17, Reader.from(fetchResponse([{ index: 0, errorCode: 0, records: old }])));
      expect(parse).toThrow(new RegExp(`record batch at offset 0 has magic ${magic}: .*neither mqbench nor @platformatic/kafka`));
      let thrown: unknown;
      try {
        parse();
      } catch (error) {
        thrown = error;
      }
      // UnreadableBatch would send the fetch to the client's reader, which reads it as magic 2
      expect(thrown).not.toBeInstanceOf(UnreadableBatch);
    }
  });
});

describe('READ_COMMITTED: aborted transactions left out, as the Java consumer does', () => {
  const transactional = 1 << 4;
  const control = 1 << 5;
  /** a transaction marker: key = version 0, type (0 ABORT, 1 COMMIT) */
  const marker = (type: number): MessageRecord[] => [{ topic: 't', key: Buffer.from([0, 0, 0, type]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }];

  it("a transaction the broker names as aborted is not delivered up to its ABORT marker; other producers' and later records are", () => {
    const records = Buffer.concat([
      batchAt(0n, named('plain-', 2)), // non-transactional
      batchAt(2n, named('aborted-', 2), transactional, 7n),
      batchAt(4n, named('committed-', 2), transactional, 8n),
      batchAt(6n, marker(0), transactional | control, 7n),
      batchAt(7n, marker(1), transactional | control, 8n),
      batchAt(8n, named('later-', 1), transactional, 7n), // producer 7's next transaction, not aborted
    ]);
    const body = fetchResponse([{ index: 0, errorCode: 0, records, aborted: [{ producerId: 7n, firstOffset: 2n }] }]);
    const [topic] = parseFetchResponse(1, 1, 17, Reader.from(body));
    const partition = topic?.partitions[0];
    expect(partition?.abortedTransactions).toEqual([{ producerId: 7n, firstOffset: 2n }]);
    const out: string[] = [];
    const next = forEachValue(partition?.records as Buffer, 0n, (v) => out.push(v.toString()), partition?.abortedTransactions);
    expect(out).toEqual(['plain-0', 'plain-1', 'committed-0', 'committed-1', 'later-0']);
    expect(next).toBe(9n);
  });

  it.skipIf(!existsSync(transactionsFixture))('the same from a Java-built response (fixture): the committed transaction and the record after the aborted one', () => {
    const [topic] = parseFetchResponse(1, 1, 17, Reader.from(readFileSync(transactionsFixture)));
    const partition = topic?.partitions[0];
    const out: string[] = [];
    forEachValue(partition?.records as Buffer, 0n, (v) => out.push(v.toString()), partition?.abortedTransactions);
    // producer 2000: committed 0-2, COMMIT marker 3, aborted 4-5, ABORT marker 6; then a plain record at 7
    expect(out).toEqual(['committed-0', 'committed-1', 'committed-2', 'after-abort']);
  });
});

it('the module names its refusals (for the fetcher to tell a fallback from a refusal)', () => {
  expect(Object.keys(fetchResponseModule)).toEqual(expect.arrayContaining(['CorruptBatch', 'RefusedBatch', 'UnreadableBatch', 'FetchErrorCodes']));
});
