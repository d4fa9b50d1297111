import { readFileSync } from 'node:fs';
import { NetworkError, produceV11, readRecordsBatches, Reader, TimeoutError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { encodeProduceRequest, type PartitionRecords } from '../../src/drivers/kafka/wire/produce-request.js';
import { judgePartitions, parseProduceResponse } from '../../src/drivers/kafka/wire/produce-response.js';
import { partitionsToResend } from '../../src/drivers/kafka/wire/record-sender.js';
import { produceResponseV11 } from './fake-kafka-broker.js';

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

describe('Produce responses as mqbench reads them (v11, KIP-951 tags)', () => {
  const sent = [{ partition: 0 }, { partition: 1 }, { partition: 2 }];
  const read = (body: Buffer) => {
    const reader = Reader.from(body);
    const response = parseProduceResponse(1, 0, 11, reader);
    expect(reader.remaining).toBe(0);
    return response;
  };

  it("reads every partition's code past a CurrentLeader tag and the response's NodeEndpoints (hand-built)", () => {
    const body = produceResponseV11(
      't',
      [
        { index: 0, errorCode: 6, currentLeader: { leaderId: 2, leaderEpoch: 7 } },
        { index: 1, errorCode: 0 },
        { index: 2, errorCode: 0, errorMessage: null },
      ],
      [{ nodeId: 2, host: 'kafka-2.example', port: 9094 }],
    );
    expect(read(body).partitions.map((p) => [p.index, p.errorCode])).toEqual([[0, 6], [1, 0], [2, 0]]);
  });

  it("reads the response Kafka's own classes wrote (test/fixtures/kafka/produce-v11-not-leader.bin)", () => {
    const body = readFileSync(new URL('../fixtures/kafka/produce-v11-not-leader.bin', import.meta.url));
    const response = read(body);
    expect(response.partitions).toEqual([
      { index: 0, errorCode: 6, errorMessage: null },
      { index: 1, errorCode: 0, errorMessage: null },
      { index: 2, errorCode: 0, errorMessage: null },
    ]);
    expect(judgePartitions(response.partitions, sent, 'mqbench-fixtures')).toEqual({ resend: [{ partition: 0 }], resendReasons: ['NOT_LEADER_OR_FOLLOWER'], refused: [] });
  });

  it('judges each partition on its own: written stays written, retriable is resent, the rest fails', () => {
    const answered = [
      { index: 0, errorCode: 6, errorMessage: null }, // NOT_LEADER_OR_FOLLOWER
      { index: 1, errorCode: 0, errorMessage: null },
      { index: 2, errorCode: 10, errorMessage: null }, // MESSAGE_TOO_LARGE
    ];
    const verdicts = judgePartitions(answered, [...sent, { partition: 3 }], 't');
    expect(verdicts.resend).toEqual([{ partition: 0 }]);
    expect(verdicts.refused.map((r) => [r.batch.partition, r.error.message])).toEqual([
      [2, expect.stringMatching(/^the broker refused partition 2 of t: MESSAGE_TOO_LARGE \(/)],
      [3, "the broker's Produce response did not answer partition 3 of t"],
    ]);
  });

  it('CORRUPT_MESSAGE (retriable in Kafka\'s table) fails with the broker\'s words: the client\'s encoder would hide it', () => {
    const verdicts = judgePartitions([{ index: 0, errorCode: 2, errorMessage: 'Record is corrupt' }], [{ partition: 0 }], 't');
    expect(verdicts.resend).toEqual([]);
    expect(verdicts.refused[0]?.error.message).toBe('the broker refused partition 0 of t: CORRUPT_MESSAGE (Record is corrupt)');
  });
});

describe('what a produce request that failed as a whole resends through the client', () => {
  const sent = [{ partition: 0 }, { partition: 1 }, { partition: 2 }];

  it('a lost connection: every partition of the request (the client retries a network error)', () => {
    expect(partitionsToResend(new NetworkError('Connection closed'), sent)).toEqual(sent);
  });

  it('what the client would not retry fails the batch: a timeout (the broker may have written it), an error of unknown kind', () => {
    expect(partitionsToResend(new TimeoutError('Request timed out'), sent)).toBeUndefined();
    expect(partitionsToResend(new RangeError('out of bounds'), sent)).toBeUndefined();
  });
});
