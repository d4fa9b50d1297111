import { NetworkError, produceV11, readRecordsBatches, Reader, ResponseError, TimeoutError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { encodeProduceRequest, type PartitionRecords } from '../../src/drivers/kafka/wire/produce-request.js';
import { partitionsToResend } from '../../src/drivers/kafka/wire/record-sender.js';

const timestampMs = 1_764_590_000_123;

/** What @platformatic/kafka's own Produce v11 encoder makes of the same records. */
function clientEncoding(topic: string, acks: number, timeoutMs: number, partitions: PartitionRecords[]): Buffer {
  const messages = partitions.flatMap(({ partition, values, keys }) =>
    values.map((value, i) => ({ topic, partition, value, key: keys[i], headers: new Map<Buffer, Buffer>(), timestamp: BigInt(timestampMs) })),
  );
  return produceV11.createRequest(acks, timeoutMs, messages, {}).buffer;
}

function records(partition: number, count: number, size: number, keyed: boolean): PartitionRecords {
  const values = Array.from({ length: count }, (_, i) => Buffer.alloc(size, (partition * 31 + i) & 0xff));
  const keys = values.map((_, i) => (keyed ? Buffer.from(`k${i * 7}`) : undefined));
  return { partition, values, keys };
}

describe('Produce request encoder', () => {
  it('writes the bytes the client writes: one partition, unkeyed, 100 B', () => {
    const partitions = [records(0, 3, 100, false)];
    expect(encodeProduceRequest({ topic: 't', acks: 1, timeoutMs: 30_000, timestampMs, partitions })).toEqual(clientEncoding('t', 1, 30_000, partitions));
  });

  it('writes the bytes the client writes: four partitions, keyed, sizes across varint boundaries', () => {
    // 63/64 and 8191/8192 bytes cross a zigzag varint's byte boundary; 200 records cross the offset delta's
    const partitions = [records(0, 200, 63, true), records(1, 2, 64, true), records(2, 1, 8191, true), records(3, 5, 8192, true)];
    const topic = 'mqbench-0123abcd.partitioned';
    expect(encodeProduceRequest({ topic, acks: -1, timeoutMs: 5_000, timestampMs, partitions })).toEqual(clientEncoding(topic, -1, 5_000, partitions));
  });

  it('a batch reads back with its records, keys and a CRC the reader accepts', () => {
    const partition = records(2, 4, 100, true);
    const body = encodeProduceRequest({ topic: 'x', acks: 0, timeoutMs: 1, timestampMs, partitions: [partition] });
    // transactional id (1) acks (2) timeout (4) topics (1) name (2) partitions (1) index (4) records length (2)
    const batches = readRecordsBatches(Reader.from(body.subarray(17, body.length - 3)));
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch?.firstTimestamp).toBe(BigInt(timestampMs));
    expect(batch?.records.map((r) => r.value)).toEqual(partition.values);
    expect(batch?.records.map((r) => r.key)).toEqual(partition.keys);
  });
});

describe('what a failed produce request resends through the client', () => {
  const sent = [{ partition: 0 }, { partition: 1 }, { partition: 2 }];
  const response = (codes: number[]) => ({ responses: [{ name: 't', partitionResponses: codes.map((errorCode, index) => ({ index, errorCode })) }] });
  const refused = (codes: number[]) =>
    new ResponseError(0, 11, Object.fromEntries(codes.flatMap((code, i) => (code === 0 ? [] : [[`/responses/0/partition_responses/${i}`, [code, null]]]))), response(codes));

  it('a moved leader (NOT_LEADER_OR_FOLLOWER, retriable): only the partitions the broker refused', () => {
    expect(partitionsToResend(refused([0, 6, 0]), sent)).toEqual([{ partition: 1 }]);
  });

  it('a lost connection: every partition of the request (the client retries a network error)', () => {
    expect(partitionsToResend(new NetworkError('Connection closed'), sent)).toEqual(sent);
  });

  it('what the client would not retry fails the batch: a timeout (the broker may have written it), a non-retriable code', () => {
    expect(partitionsToResend(new TimeoutError('Request timed out'), sent)).toBeUndefined();
    expect(partitionsToResend(refused([21, 0, 0]), sent)).toBeUndefined(); // INVALID_REQUIRED_ACKS
  });
});
