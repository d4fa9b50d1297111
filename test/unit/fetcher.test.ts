/**
 * The fetcher (src/drivers/kafka/fetcher.ts) against stand-in brokers (fake-fetch-broker.ts) that
 * answer with hand-built Fetch v17 responses: what a group member does when the answer is not plain
 * records (a leader change, a dead leader, an offset out of range, a corrupt or an old-format batch),
 * and in which order it asks for its partitions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FetchIsolationLevels } from '@platformatic/kafka';
import { GroupFetcher } from '../../src/drivers/kafka/fetcher.js';
import { PathCounter } from '../../src/drivers/kafka/path-counts.js';
import { sleepMs } from '../../src/util/clock.js';
import { fakeConsumer, fakeFetchBroker, type FakeConsumerState, type FakeFetchBroker, type FetchAnswer, type FetchRequestSeen } from './fake-fetch-broker.js';
import { batchAt, currentLeaderTag, fetchResponse, named } from './fetch-bytes.js';

const topic = 'mqbench-fetcher-test.stream';
const settings = { maxWaitTime: 100, minBytes: 1, maxBytes: 10 * 1_048_576, isolationLevel: FetchIsolationLevels.READ_COMMITTED };

interface Run {
  fetcher: GroupFetcher;
  state: FakeConsumerState;
  received: string[];
  errors: Error[];
  notices: { kind: string; detail: string }[];
  fallbacks: Error[];
  counts: PathCounter;
}

const open: { fetcher: GroupFetcher; brokers: FakeFetchBroker[] }[] = [];

afterEach(async () => {
  for (const { fetcher, brokers } of open.splice(0)) {
    // closed first (nothing more is asked), then the brokers: a held long poll then ends at once
    const closing = fetcher.close();
    await Promise.all(brokers.map((b) => b.kill().catch(() => undefined)));
    await closing;
  }
});

/** A fetcher owning `partitions`, started from `committed`, reading from the given brokers. */
async function fetching(brokers: FakeFetchBroker[], partitions: number[], state: Partial<FakeConsumerState>): Promise<Run> {
  const full: FakeConsumerState = { leaders: [], brokers, committed: [], earliest: [], metadataCalls: 0, forcedMetadata: 0, clientFetches: [], ...state };
  const run: Omit<Run, 'fetcher'> = { state: full, received: [], errors: [], notices: [], fallbacks: [], counts: new PathCounter() };
  const fetcher = new GroupFetcher(
    fakeConsumer(topic, full),
    topic,
    'mqbench-fetcher-test',
    { connectTimeout: 1000, requestTimeout: 2000 },
    settings,
    {
      onRecord: (value) => run.received.push(value.toString()),
      onPosition: () => undefined,
      onError: (error) => run.errors.push(error),
      onFallback: (error) => run.fallbacks.push(error),
      onNotice: (kind: string, detail: string) => run.notices.push({ kind, detail }),
    },
    { leaderWaitMs: 10_000, counts: run.counts },
  );
  open.push({ fetcher, brokers });
  await fetcher.assign(partitions);
  return { ...run, fetcher };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleepMs(10);
}

/** Answers from a list, one per request; 'hold' once it runs out (a long poll with nothing new). */
function inTurn(...answers: ((request: FetchRequestSeen) => FetchAnswer)[]): (request: FetchRequestSeen) => FetchAnswer {
  let next = 0;
  return (request) => answers[next++]?.(request) ?? 'hold';
}

const offsetsOf = (broker: FakeFetchBroker): bigint[][] => broker.requests.map((r) => r.partitions.map((p) => p.fetchOffset));

describe('a leader change: the member asks the cluster again and goes on from where it was', () => {
  it('NOT_LEADER_OR_FOLLOWER (with the CurrentLeader tag): metadata refreshed, the same offset fetched from the new leader, one notice, never the client path', async () => {
    const old = await fakeFetchBroker(1, () => fetchResponse([{ index: 0, errorCode: 6, records: undefined, tags: [currentLeaderTag(2, 5)] }]));
    const next = await fakeFetchBroker(2, inTurn((r) => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(r.partitions[0]?.fetchOffset ?? -1n, named('r', 3)) }])));
    const run = await fetching([old, next], [0], { leaders: [1], leadersAfterRefresh: [2], committed: [40n] });
    await until(() => run.received.length >= 3);
    expect(run.errors).toEqual([]);
    expect(run.received).toEqual(['r0', 'r1', 'r2']);
    expect(offsetsOf(next)[0]).toEqual([40n]);
    expect(run.state.forcedMetadata).toBeGreaterThanOrEqual(1);
    expect(run.state.clientFetches).toEqual([]);
    expect(run.notices.map((n) => n.kind)).toEqual(['fetch-leader-changed']);
    expect(run.notices[0]?.detail).toMatch(/partition 0: fetching from node 2 .*NOT_LEADER_OR_FOLLOWER/);
  });

  it('the old leader dies (its connection closes, its port refuses): backed off, metadata refreshed, the same offset fetched from the new leader', async () => {
    let old: FakeFetchBroker | undefined;
    old = await fakeFetchBroker(
      1,
      inTurn(
        () => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(0n, named('a', 2)) }]),
        () => {
          void old?.kill();
          return 'close';
        },
      ),
    );
    const next = await fakeFetchBroker(2, inTurn((r) => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(r.partitions[0]?.fetchOffset ?? -1n, named('b', 2)) }])));
    const run = await fetching([old, next], [0], { leaders: [1], committed: [0n] });
    await until(() => old.requests.length >= 2);
    run.state.leadersAfterRefresh = [2]; // the cluster elects node 2 a moment later
    await until(() => run.received.length >= 4);
    expect(run.errors).toEqual([]);
    expect(run.received).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(offsetsOf(next)[0]).toEqual([2n]);
    expect(run.state.clientFetches).toEqual([]);
    expect(run.notices.map((n) => n.kind)).toEqual(['fetch-leader-changed']);
  });
});

describe('OFFSET_OUT_OF_RANGE', () => {
  it('resets the partition to the earliest offset (auto.offset.reset=earliest), says so, and reads on', async () => {
    const broker = await fakeFetchBroker(
      1,
      inTurn(
        () => fetchResponse([{ index: 0, errorCode: 1, records: undefined }]),
        (r) => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(r.partitions[0]?.fetchOffset ?? -1n, named('e', 2)) }]),
      ),
    );
    const run = await fetching([broker], [0], { leaders: [1], committed: [500n], earliest: [7n] });
    await until(() => run.received.length >= 2);
    expect(run.errors).toEqual([]);
    expect(offsetsOf(broker).slice(0, 2)).toEqual([[500n], [7n]]);
    expect(run.received).toEqual(['e0', 'e1']);
    expect(run.notices.map((n) => [n.kind, n.detail])).toEqual([['fetch-offset-reset', expect.stringMatching(/partition 0: offset 500 out of range; reset to the earliest, 7/)]]);
  });
});

describe('record batches that are never delivered', () => {
  it('a batch whose CRC-32C does not match: a notice, nothing of that response delivered, the same offsets fetched again', async () => {
    const corrupt = batchAt(0n, named('v', 3));
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 2) ^ 0x20, corrupt.length - 2); // the last record's value: 'v2' would arrive as 'v\x12'
    const broker = await fakeFetchBroker(
      1,
      inTurn(
        () => fetchResponse([{ index: 0, errorCode: 0, records: corrupt }]),
        () => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(0n, named('v', 3)) }]),
      ),
    );
    const run = await fetching([broker], [0], { leaders: [1], committed: [0n] });
    await until(() => run.received.length >= 3);
    expect(run.received).toEqual(['v0', 'v1', 'v2']);
    expect(run.errors).toEqual([]);
    expect(offsetsOf(broker).slice(0, 2)).toEqual([[0n], [0n]]);
    expect(run.notices.map((n) => n.kind)).toEqual(['fetch-corrupt-batch']);
    expect(run.state.clientFetches).toEqual([]);
  });

  it('a batch of magic 1: the member stops with a clear error; the fetch does not go to the client (whose reader would misread it)', async () => {
    const old = batchAt(0n, named('m', 1));
    old.writeInt8(1, 16);
    const broker = await fakeFetchBroker(1, () => fetchResponse([{ index: 0, errorCode: 0, records: old }]));
    const run = await fetching([broker], [0], { leaders: [1], committed: [0n] });
    await until(() => run.errors.length > 0);
    expect(run.errors.map((e) => e.message)).toEqual([expect.stringMatching(/record batch at offset 0 has magic 1/)]);
    expect(run.state.clientFetches).toEqual([]);
    expect(run.received).toEqual([]);
  });

  it('READ_COMMITTED: records of a transaction the broker names as aborted are not delivered', async () => {
    const records = Buffer.concat([
      batchAt(0n, named('aborted-', 2), 1 << 4, 7n),
      batchAt(2n, [{ topic: 't', key: Buffer.from([0, 0, 0, 0]), value: Buffer.alloc(6) }], (1 << 4) | (1 << 5), 7n),
      batchAt(3n, named('kept-', 2)),
    ]);
    const broker = await fakeFetchBroker(1, inTurn(() => fetchResponse([{ index: 0, errorCode: 0, records, aborted: [{ producerId: 7n, firstOffset: 0n }] }])));
    const run = await fetching([broker], [0], { leaders: [1], committed: [0n] });
    await until(() => run.received.length >= 2 && broker.requests.length >= 2);
    expect(broker.requests[0]?.isolationLevel).toBe(FetchIsolationLevels.READ_COMMITTED);
    expect(run.received).toEqual(['kept-0', 'kept-1']);
    expect(offsetsOf(broker)[1]).toEqual([5n]);
  });
});

describe('the order partitions are asked for', () => {
  it('rotates between fetches, so a partition behind a big one gets its turn first (as the Java consumer does)', async () => {
    const empty = (): FetchAnswer => fetchResponse([0, 1, 2].map((index) => ({ index, errorCode: 0, records: undefined })));
    const broker = await fakeFetchBroker(1, inTurn(empty, empty, empty, empty));
    const run = await fetching([broker], [0, 1, 2], { leaders: [1, 1, 1], committed: [0n, 0n, 0n] });
    await until(() => broker.requests.length >= 4);
    expect(run.errors).toEqual([]);
    const firsts = broker.requests.slice(0, 4).map((r) => r.partitions[0]?.partition);
    expect(new Set(firsts).size).toBeGreaterThan(1);
    for (const r of broker.requests) expect(r.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
  });
});

describe('path counts', () => {
  it("counts requests and records read by mqbench's decoder, per request", async () => {
    const broker = await fakeFetchBroker(
      1,
      inTurn(
        () => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(0n, named('c', 5)) }]),
        () => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(5n, named('c', 2)) }]),
      ),
    );
    const run = await fetching([broker], [0], { leaders: [1], committed: [0n] });
    await until(() => run.received.length >= 7 && broker.requests.length >= 3);
    expect(run.counts.snapshot()).toEqual({ paths: [{ path: 'fetch: mqbench decoder', requests: 2, records: 7 }], fallbacks: [] });
  });
});

describe('a leader the metadata has no address for (a node just fenced, its partitions not moved yet)', () => {
  it('is waited out like no leader: metadata refreshed until the election, the same offset fetched from the new leader, never the client path', async () => {
    const next = await fakeFetchBroker(2, inTurn((r) => fetchResponse([{ index: 0, errorCode: 0, records: batchAt(r.partitions[0]?.fetchOffset ?? -1n, named('b', 2)) }])));
    // node 1 leads partition 0, but only node 2 is among the brokers
    const run = await fetching([next], [0], { leaders: [1], committed: [5n] });
    await until(() => run.state.forcedMetadata >= 2);
    run.state.leadersAfterRefresh = [2];
    await until(() => run.received.length >= 2);
    expect(run.errors).toEqual([]);
    expect(run.received).toEqual(['b0', 'b1']);
    expect(offsetsOf(next)[0]).toEqual([5n]);
    expect(run.state.clientFetches).toEqual([]);
    expect(run.notices.map((n) => n.kind)).toEqual(['fetch-leader-changed']);
  });
});
