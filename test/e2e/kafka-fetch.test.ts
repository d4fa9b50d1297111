/**
 * The @platformatic/kafka driver's consumer against the real local Kafka: which path read the
 * records. A spy counts the client's own consumer.fetch() calls (it still runs them); nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import { Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { PlatformaticKafkaDriver } from '../../src/drivers/kafka/platformatic.js';
import { kafkaTopicName } from '../../src/drivers/kafka/shared.js';
import type { DriverEvent, DriverSettings, Topology } from '../../src/drivers/types.js';
import { sleepMs } from '../../src/util/clock.js';
import { kafkaUrl } from '../helpers.js';

const settings: DriverSettings = { delivery: 'noack', confirm: false, persistent: false, prefetch: 100, multiAck: 10, kafkaAcks: 1, lingerMs: 0, batchSize: 500 };

function topology(partitions: number): Topology {
  return { prefix: `mqbench-fetchtest-${randomBytes(4).toString('hex')}`, stream: 'stream', partitions, subscriptions: 1 };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleepMs(20);
}

/** A driver set up on a new topic, one consumer reading it; what it received and reported. */
async function consuming(
  partitions: number,
  driverSettings: DriverSettings = settings,
): Promise<{ driver: PlatformaticKafkaDriver; topology: Topology; received: string[]; events: DriverEvent[]; close: () => Promise<void> }> {
  const driver = new PlatformaticKafkaDriver({ url: kafkaUrl, settings: driverSettings, connectTimeoutMs: 10_000 });
  const events: DriverEvent[] = [];
  driver.onEvent((event) => events.push(event));
  await driver.connect();
  const t = topology(partitions);
  await driver.setup(t);
  const received: string[] = [];
  const consumer = await driver.createConsumer({ subscription: 0, partitions: [], groupSize: 1 }, (payload) => received.push(payload.toString()));
  await driver.waitUntilConsumersReady(30_000);
  return {
    driver,
    topology: t,
    received,
    events,
    close: async () => {
      await consumer.close();
      await driver.teardown();
      await driver.close();
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('@platformatic/kafka consumer: who reads the fetch responses', () => {
  test("mqbench's Fetch v17 reader delivers every record; the client's consumer.fetch() is never called", async () => {
    const clientFetch = vi.spyOn(Consumer.prototype, 'fetch');
    const run = await consuming(3);
    try {
      const producer = await run.driver.createProducer(0);
      const sent = Array.from({ length: 3000 }, (_, i) => `m-${i}`);
      await Promise.all(sent.map((m, i) => producer.send(Buffer.from(m), `k${i % 17}`)));
      await until(() => run.received.length >= sent.length, 30_000);
      await producer.close();
      expect([...run.received].sort()).toEqual([...sent].sort());
      expect(clientFetch).not.toHaveBeenCalled();
      expect(run.events.filter((e) => e.kind === 'fetch-through-client')).toEqual([]);
      expect((await run.driver.info()).settings.fetchDecoding).toMatch(/^Fetch v17 requests encoded by the client, their records read by mqbench/);
      const fetchPaths = run.driver.pathCounts().paths.filter((p) => p.path.startsWith('fetch'));
      expect(fetchPaths).toEqual([{ path: 'fetch: mqbench decoder', requests: expect.any(Number), records: sent.length }]);
      expect(fetchPaths[0]?.requests).toBeGreaterThan(0);
      expect(run.driver.pathCounts().fallbacks.filter((f) => f.reason.startsWith('fetch'))).toEqual([]);
    } finally {
      await run.close();
    }
  });

  test("compressed batches (another writer's): the fetch goes to the client's reader, which decompresses; said once as an event", async () => {
    const clientFetch = vi.spyOn(Consumer.prototype, 'fetch');
    const run = await consuming(1);
    const writer = new Producer({ clientId: 'mqbench-fetchtest-gzip', bootstrapBrokers: [kafkaUrl], serializers: stringSerializers });
    try {
      const sent = Array.from({ length: 200 }, (_, i) => `gz-${i}`);
      await writer.send({ messages: sent.map((value) => ({ topic: kafkaTopicName(run.topology), value })), compression: 'gzip', acks: 1 });
      await until(() => run.received.length >= sent.length, 30_000);
      expect(run.received).toEqual(sent);
      expect(clientFetch).toHaveBeenCalled();
      const fallbacks = run.events.filter((e) => e.kind === 'fetch-through-client');
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]?.detail).toMatch(/is compressed: mqbench reads uncompressed batches/);
      const counts = run.driver.pathCounts();
      expect(counts.paths.find((p) => p.path === 'fetch: client consumer.fetch()')?.records).toBe(sent.length);
      expect(counts.fallbacks.find((f) => f.reason === 'fetch: compressed batch')?.count).toBeGreaterThan(0);
    } finally {
      await writer.close();
      await run.close();
    }
  });
});

describe('@platformatic/kafka consumer: group and transactions', () => {
  test("a second member joins: the first commits what it processed before it rejoins, so the partition's new owner reads on from there (no duplicates)", async () => {
    const run = await consuming(2);
    const producer = await run.driver.createProducer(0);
    let second: { close(): Promise<void> } | undefined;
    const sent: string[] = [];
    try {
      const send = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          const m = `m-${sent.length}`;
          sent.push(m);
          await producer.send(Buffer.from(m), `k${sent.length % 7}`);
        }
      };
      await send(500);
      await until(() => run.received.length >= 500, 30_000);
      // noack commits every 5 s: nothing was committed yet, only processed
      second = await run.driver.createConsumer({ subscription: 0, partitions: [], groupSize: 2 }, (payload) => run.received.push(payload.toString()));
      await run.driver.waitUntilConsumersReady(30_000);
      expect(run.driver.assignedPartitions()[0]?.sort()).toEqual([0, 1]);
      await send(500);
      await until(() => new Set(run.received).size >= sent.length, 30_000);
      await sleepMs(500);
      expect(new Set(run.received).size).toBe(sent.length);
      expect(run.received.length - sent.length).toBe(0);
    } finally {
      await producer.close();
      await second?.close();
      await run.close();
    }
  });

  test('a commit that fails is a driver event, not swallowed', async () => {
    const commit = vi.spyOn(Consumer.prototype, 'commit').mockRejectedValueOnce(new Error('commit refused for this test'));
    // ack delivery commits every second
    const run = await consuming(1, { ...settings, delivery: 'ack' });
    try {
      const producer = await run.driver.createProducer(0);
      await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send(Buffer.from(`c-${i}`))));
      await producer.close();
      await until(() => run.events.some((e) => e.kind === 'commit-failed'), 10_000);
      expect(commit).toHaveBeenCalled();
      expect(run.events.filter((e) => e.kind === 'commit-failed').map((e) => e.detail)).toEqual([expect.stringMatching(/commit refused for this test/)]);
    } finally {
      await run.close();
    }
  });

  test('READ_COMMITTED: records of an aborted transaction (another writer\'s) are never delivered; committed ones are', async () => {
    const run = await consuming(1);
    const writer = new Producer({
      clientId: 'mqbench-fetchtest-tx',
      bootstrapBrokers: [kafkaUrl],
      serializers: stringSerializers,
      idempotent: true,
      transactionalId: `mqbench-fetchtest-tx-${randomBytes(4).toString('hex')}`,
    });
    try {
      const topic = kafkaTopicName(run.topology);
      const aborted = await writer.beginTransaction();
      await aborted.send({ messages: ['aborted-0', 'aborted-1'].map((value) => ({ topic, value })) });
      await aborted.abort();
      const committed = await writer.beginTransaction();
      await committed.send({ messages: ['committed-0', 'committed-1'].map((value) => ({ topic, value })) });
      await committed.commit();
      await until(() => run.received.length >= 2, 30_000);
      await sleepMs(500);
      expect(run.received).toEqual(['committed-0', 'committed-1']);
    } finally {
      await writer.close();
      await run.close();
    }
  });
});
