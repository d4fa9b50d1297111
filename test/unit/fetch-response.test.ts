import { createRecordsBatch, fetchV17, Reader, readRecordsBatches, Writer, type MessageRecord } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { FetchErrorCodes, forEachValue, parseFetchResponse, UnreadableBatch } from '../../src/drivers/kafka/wire/fetch-response.js';

/** One record batch as a broker stores it: the client's encoder, with the batch's base offset set. */
function batchAt(baseOffset: bigint, messages: MessageRecord[], attributes?: number): Buffer {
  const bytes = Buffer.from(createRecordsBatch(messages).buffer);
  bytes.writeBigInt64BE(baseOffset, 0);
  if (attributes !== undefined) bytes.writeInt16BE(attributes, 21);
  return bytes;
}

function values(count: number, size: number, keyed: boolean, headers = false): MessageRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 't',
    value: Buffer.alloc(size, (i * 7) & 0xff),
    ...(keyed ? { key: Buffer.from(`key-${i}`) } : {}),
    ...(headers ? { headers: new Map([[Buffer.from('h'), Buffer.from(`v${i}`)]]) } : {}),
  }));
}

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

/** A Fetch v17 response body (after the response header), as a broker writes it. */
function fetchResponse(partitions: { index: number; errorCode: number; records: Buffer | undefined }[], errorCode = 0): Buffer {
  const writer = Writer.create()
    .appendInt32(0)
    .appendInt16(errorCode)
    .appendInt32(0)
    .appendArray([{ topicId: '0b7d1e4c-6d3f-4f9e-9a51-3c2b1a0f9e8d' }], (w, t) =>
      w.appendUUID(t.topicId).appendArray(partitions, (p, part) => {
        p.appendInt32(part.index).appendInt16(part.errorCode).appendInt64(10n).appendInt64(10n).appendInt64(0n);
        p.appendArray([{ producerId: 1n, firstOffset: 2n }], (a, txn) => a.appendInt64(txn.producerId).appendInt64(txn.firstOffset));
        p.appendInt32(-1);
        const records = part.records ?? Buffer.alloc(0);
        p.appendUnsignedVarInt(records.length + 1).appendFrom(Writer.create().append(records));
      }),
    )
    .appendTaggedFields();
  return Buffer.from(writer.buffer);
}

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

  it('refuses, while parsing (before anything is delivered), a compressed batch or one not of magic 2', () => {
    const compressed = Buffer.from(createRecordsBatch(values(3, 100, false), { compression: 'gzip' }).buffer);
    const body = fetchResponse([{ index: 0, errorCode: 0, records: batchAt(0n, values(2, 10, false)) }, { index: 1, errorCode: 0, records: compressed }]);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(body))).toThrow(UnreadableBatch);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(body))).toThrow(/record batch at offset 0 is compressed: mqbench reads uncompressed batches/);
    const magic1 = batchAt(0n, values(1, 10, false));
    magic1.writeInt8(1, 16);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(fetchResponse([{ index: 0, errorCode: 0, records: magic1 }])))).toThrow(/has magic 1: only magic 2 is read here/);
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

  it('throws the error codes of the response and of its partitions', () => {
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(fetchResponse([{ index: 0, errorCode: 0, records: undefined }], 58)))).toThrow(FetchErrorCodes);
    const partitionError = fetchResponse([{ index: 0, errorCode: 0, records: undefined }, { index: 1, errorCode: 6, records: undefined }]);
    expect(() => parseFetchResponse(1, 1, 17, Reader.from(partitionError))).toThrow('fetch response with error code(s) 6');
  });
});
