/**
 * The record sender against stand-in brokers (fake-kafka-broker.ts) on localhost, with a scripted
 * client producer in place of @platformatic/kafka's: what is resent through the client, and which
 * messages fail, when the broker refuses part of a Produce request.
 */
import { murmur2, ProduceAcks, type Producer } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { PathCounter } from '../../src/drivers/kafka/path-counts.js';
import { createBatcher, type BatchItem } from '../../src/drivers/kafka/shared.js';
import { RecordBatchSender, type RecordSenderOptions } from '../../src/drivers/kafka/wire/record-sender.js';
import { produceResponseV11, startFakeBroker, type FakeBroker, type ProduceAnswer } from './fake-kafka-broker.js';

const topic = 'mqbench-test.stream';
const notLeaderOrFollower = 6;
const messageTooLarge = 10;
const corruptMessage = 2;

/** What the sender's client producer was asked to send, per call: each message's partition. */
interface ScriptedClient {
  producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  sends: number[][];
}

/** A client producer whose metadata puts partition p on leaders[p], each leader at its fake broker's port. */
function scriptedClient(leaders: readonly number[], ports: ReadonlyMap<number, number>): ScriptedClient {
  const sends: number[][] = [];
  const brokers = new Map([...ports].map(([id, port]) => [id, { host: '127.0.0.1', port }]));
  const metadata = { brokers, topics: new Map([[topic, { partitionsCount: leaders.length, partitions: leaders.map((leader) => ({ leader })) }]]) };
  const producer = {
    listApis: async () => [{ apiKey: 0, minVersion: 3, maxVersion: 11 }],
    metadata: async () => metadata,
    clearMetadata: () => undefined,
    send: async ({ messages }: { messages: { partition?: number }[] }) => {
      sends.push(messages.map((m) => m.partition ?? -1));
      return {};
    },
  };
  return { producer: producer as unknown as Producer<Buffer, Buffer, Buffer, Buffer>, sends };
}

/** A key the Java partitioner (murmur2) puts on `partition` of `count`. */
function keyFor(partition: number, count: number, skip = 0): string {
  let found = 0;
  for (let i = 0; ; i++) {
    const key = `k${i}`;
    if ((murmur2(Buffer.from(key)) & 0x7fffffff) % count === partition && found++ === skip) return key;
  }
}

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const resource of started.splice(0)) await resource.close();
});

async function fakeBroker(answer: (partitions: number[]) => ProduceAnswer): Promise<FakeBroker> {
  const broker = await startFakeBroker(answer);
  started.push(broker);
  return broker;
}

/** A started sender whose resends and refusals go to `events`; `extra` overrides or adds options (acks=1 unless it says). */
async function startedSender(client: ScriptedClient, events: string[], counts = new PathCounter(), extra: Partial<RecordSenderOptions> = {}): Promise<RecordBatchSender> {
  const sender = new RecordBatchSender(client.producer, {
    topic,
    acks: ProduceAcks.LEADER,
    timeoutMs: 5_000,
    firstPartition: 0,
    clientId: 'mqbench-test-produce',
    connection: { connectTimeout: 2_000, requestTimeout: 5_000 },
    onResend: (error, partitions) => void events.push(`resent ${partitions}: ${error.message}`),
    onRefused: (error, partitions) => void events.push(`refused ${partitions}: ${error.message}`),
    counts,
    ...extra,
  });
  await sender.start();
  started.push(sender);
  return sender;
}

function items(keys: readonly string[]): BatchItem[] {
  return keys.map((key) => ({ payload: Buffer.from(`value of ${key}`), key }));
}

/** p0 moved to another leader (KIP-951's tags on the answer), p1 and p2 written. */
function leaderMovedAnswer(): Buffer {
  return produceResponseV11(
    topic,
    [
      { index: 0, errorCode: notLeaderOrFollower, currentLeader: { leaderId: 2, leaderEpoch: 7 } },
      { index: 1, errorCode: 0 },
      { index: 2, errorCode: 0 },
    ],
    [{ nodeId: 2, host: '127.0.0.1', port: 1 }],
  );
}

describe('record sender: a Produce response with partitions refused', () => {
  it("a leader change answered with KIP-951's CurrentLeader tag: only the refused partition goes through the client", async () => {
    const broker = await fakeBroker(leaderMovedAnswer);
    const client = scriptedClient([1, 1, 1], new Map([[1, broker.port]]));
    const events: string[] = [];
    const sender = await startedSender(client, events);
    await sender.send(items([keyFor(0, 3), keyFor(1, 3), keyFor(2, 3), keyFor(0, 3, 1)]));
    expect(broker.requests).toEqual([[expect.any(Number), expect.any(Number), expect.any(Number)]]);
    // partitions 1 and 2 were written: resending them would write them twice
    expect(client.sends).toEqual([[0, 0]]);
    expect(events).toHaveLength(1);
  });

  it("one leader's failure fails only the messages that went to it, not those another leader wrote", async () => {
    const refusing = await fakeBroker(() => produceResponseV11(topic, [{ index: 0, errorCode: messageTooLarge }]));
    const writing = await fakeBroker(() => produceResponseV11(topic, [{ index: 1, errorCode: 0 }]));
    const client = scriptedClient([1, 2], new Map([[1, refusing.port], [2, writing.port]]));
    const sender = await startedSender(client, []);
    const batcher = createBatcher((batch) => sender.send(batch), 1000, 100, 1 << 20);
    const outcomes = new Map<string, string>();
    for (const item of items([keyFor(0, 2), keyFor(1, 2), keyFor(0, 2, 1), keyFor(1, 2, 1)])) {
      batcher.sendWith(item.payload, item.key, { settled: (error) => void outcomes.set(item.key as string, error ? 'failed' : 'written') });
    }
    await batcher.flush();
    expect(Object.fromEntries(outcomes)).toEqual({
      [keyFor(0, 2)]: 'failed',
      [keyFor(0, 2, 1)]: 'failed',
      [keyFor(1, 2)]: 'written',
      [keyFor(1, 2, 1)]: 'written',
    });
    expect(client.sends).toEqual([]); // MESSAGE_TOO_LARGE is not retriable
  });

  it('counts each path per request, and each resend with its reason', async () => {
    const broker = await fakeBroker(leaderMovedAnswer);
    const client = scriptedClient([1, 1, 1], new Map([[1, broker.port]]));
    const counts = new PathCounter();
    const sender = await startedSender(client, [], counts);
    await sender.send(items([keyFor(0, 3), keyFor(1, 3), keyFor(2, 3), keyFor(0, 3, 1)]));
    await sender.send(items([keyFor(1, 3)])); // written: nothing resent
    expect(counts.snapshot()).toEqual({
      paths: [
        { path: 'produce: mqbench encoder', requests: 2, records: 5 },
        { path: 'produce: client', requests: 1, records: 2 },
      ],
      fallbacks: [{ reason: 'produce resent through the client: NOT_LEADER_OR_FOLLOWER', count: 1 }],
    });
  });

  it('a batch the broker finds corrupt is not resent through the client: its messages fail with the reason', async () => {
    const broker = await fakeBroker(() => produceResponseV11(topic, [{ index: 0, errorCode: corruptMessage, errorMessage: 'Record is corrupt (stored crc = 1, computed crc = 2)' }]));
    const client = scriptedClient([1], new Map([[1, broker.port]]));
    const events: string[] = [];
    const sender = await startedSender(client, events);
    await expect(sender.send(items(['a', 'b']))).rejects.toThrow(/CORRUPT_MESSAGE \(Record is corrupt \(stored crc = 1, computed crc = 2\)\)/);
    expect(client.sends).toEqual([]);
    expect(events).toEqual([expect.stringMatching(/^refused 1: .*CORRUPT_MESSAGE/)]);
  });
});

/**
 * A client producer whose metadata moves partition 0 to `after` once the cluster has been asked
 * again (a forced refresh) `refreshesBeforeMove` times; the sender must go there itself.
 */
function movingClient(before: number, after: number, ports: ReadonlyMap<number, number>, refreshesBeforeMove = 1): ScriptedClient & { refreshes: () => number } {
  const client = scriptedClient([before], ports);
  let forced = 0;
  const at = (leader: number) => ({
    brokers: new Map([...ports].map(([id, port]) => [id, { host: '127.0.0.1', port }])),
    topics: new Map([[topic, { partitionsCount: 1, partitions: [{ leader }] }]]),
  });
  const producer = client.producer as unknown as { metadata: (options: { forceUpdate?: boolean }) => Promise<unknown> };
  producer.metadata = async ({ forceUpdate }) => {
    if (forceUpdate) forced++;
    return at(forced >= refreshesBeforeMove ? after : before);
  };
  return { ...client, refreshes: () => forced };
}

function followingSender(client: ScriptedClient, followLeaderMs: number, events: string[], counts = new PathCounter()): Promise<RecordBatchSender> {
  return startedSender(client, events, counts, { acks: ProduceAcks.ALL, followLeaderMs, onLeaderFollowed: (detail) => void events.push(`followed: ${detail}`) });
}

/** A port nothing listens on: a connection there is refused, as to a killed broker. */
async function deadPort(): Promise<number> {
  const gone = await startFakeBroker(() => 'hold');
  await gone.close();
  return gone.port;
}

describe('record sender, failover: a partition follows its leader (followLeaderMs)', () => {
  it('a leader gone (connection refused): the batch goes through this encoder to the leader the refreshed metadata names, not through the client', async () => {
    const next = await fakeBroker((partitions) => produceResponseV11(topic, partitions.map((index) => ({ index, errorCode: 0 }))));
    const client = movingClient(1, 2, new Map([[1, await deadPort()], [2, next.port]]));
    const events: string[] = [];
    const counts = new PathCounter();
    const sender = await followingSender(client, 10_000, events, counts);
    await sender.send(items(['a', 'b']));
    expect(next.requests).toEqual([[0]]);
    expect(client.sends).toEqual([]);
    expect(client.refreshes()).toBe(1);
    expect(events).toEqual([expect.stringMatching(/^followed: written at node 2 after [\d.]+ s \(node 1: .*ECONNREFUSED.*\); metadata refreshed 1 time$/)]);
    expect(counts.snapshot()).toEqual({ paths: [{ path: 'produce: mqbench encoder', requests: 2, records: 4 }], fallbacks: [] });
  });

  it('refused as not the leader: asked again until the metadata moves, then written once at the new leader', async () => {
    const old = await fakeBroker(() => produceResponseV11(topic, [{ index: 0, errorCode: notLeaderOrFollower }]));
    const next = await fakeBroker(() => produceResponseV11(topic, [{ index: 0, errorCode: 0 }]));
    const client = movingClient(1, 2, new Map([[1, old.port], [2, next.port]]), 3);
    const sender = await followingSender(client, 10_000, []);
    await sender.send(items(['a']));
    // two refreshes still named the old leader (refused again each time), the third the new one
    expect(old.requests).toHaveLength(3);
    expect(next.requests).toEqual([[0]]);
    expect(client.sends).toEqual([]);
  });

  it('no leader takes the partition within followLeaderMs: its messages fail, saying why', async () => {
    const client = movingClient(1, 1, new Map([[1, await deadPort()]]));
    const sender = await followingSender(client, 400, []);
    const began = Date.now();
    await expect(sender.send(items(['a']))).rejects.toThrow(/partition 0 of mqbench-test\.stream not written \(.*ECONNREFUSED.*\); no leader took them within 0\.4 s/);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(client.sends).toEqual([]);
  });

  it('the producer closed while its batch followed a leader: the batch fails at the next refresh instead of waiting it out', async () => {
    const client = movingClient(1, 1, new Map([[1, await deadPort()]]));
    const sender = await followingSender(client, 60_000, []);
    const sending = sender.send(items(['a']));
    setTimeout(() => void sender.close(), 300);
    await expect(sending).rejects.toThrow(/the producer closed/);
  });
});
