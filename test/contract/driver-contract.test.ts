/**
 * The driver contract suite (DESIGN.md): every driver passes it, the real ones against the real
 * RabbitMQ and the Kafka the project starts.
 */
import amqp from 'amqplib';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, test } from 'vitest';
import { KafkaDriver } from '../../src/drivers/kafka/kafkajs.js';
import { PlatformaticKafkaDriver } from '../../src/drivers/kafka/platformatic.js';
import { kafkaTopicName, parseKafkaBrokers } from '../../src/drivers/kafka/shared.js';
import { MemoryDriver } from '../../src/drivers/memory/driver.js';
import { assignPartitions } from '../../src/drivers/partition.js';
import { RabbitDriver, rabbitLayout } from '../../src/drivers/rabbit/driver.js';
import type { Driver, DriverOptions, DriverSettings, Topology } from '../../src/drivers/types.js';
import { fetchedKafkaVersion, knownLocalKafkaVersion } from '../../src/drivers/kafka/local.js';
import { sleepMs } from '../../src/util/clock.js';
import { kafkaUrl, rabbitUrl } from '../helpers.js';

const require = createRequire(import.meta.url);

const ackSettings: DriverSettings = {
  delivery: 'ack',
  confirm: true,
  persistent: false,
  prefetch: 100,
  multiAck: 10,
  kafkaAcks: -1,
  lingerMs: 0,
  batchSize: 500,
};
const noackSettings: DriverSettings = { ...ackSettings, delivery: 'noack', confirm: false, kafkaAcks: 1 };

/** How the suite looks inside each broker, independently of the driver under test. */
interface BrokerProbe {
  /** does the broker hold the topology's objects? */
  exists(topology: Topology, driver: Driver): Promise<boolean>;
  /** messages the broker holds for the topology (no consumer attached) */
  held(topology: Topology, driver: Driver): Promise<number>;
  expectedBrokerVersion(): Promise<string>;
  expectedClient: { name: string; version: string };
  close(): Promise<void>;
}

function rabbitProbe(): BrokerProbe {
  let connection: amqp.ChannelModel | undefined;
  const channel = async (): Promise<amqp.Channel> => {
    connection ??= await amqp.connect(rabbitUrl);
    const ch = await connection.createChannel();
    ch.on('error', () => undefined); // a 404 on checkQueue closes the channel; the probe expects that
    return ch;
  };
  return {
    async exists(topology) {
      for (const queue of rabbitLayout(topology).queues.flat()) {
        const ch = await channel();
        try {
          await ch.checkQueue(queue);
          await ch.close();
        } catch {
          return false; // 404 closes the channel
        }
      }
      return true;
    },
    async held(topology) {
      const ch = await channel();
      let total = 0;
      for (const queue of rabbitLayout(topology).queues.flat()) total += (await ch.checkQueue(queue)).messageCount;
      await ch.close();
      return total;
    },
    async expectedBrokerVersion() {
      return execFileSync('rabbitmqctl', ['version']).toString().trim();
    },
    expectedClient: { name: 'amqplib', version: (require('amqplib/package.json') as { version: string }).version },
    async close() {
      await connection?.close();
    },
  };
}

/** Read from the installed package itself, not through the driver: its "exports" hides package.json from require(). */
function installedVersion(pkg: string): string {
  return (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}

/** Kafka seen through kafkajs' admin, whichever client the driver under test uses. */
function kafkaProbe(expectedClient: { name: string; version: string }): BrokerProbe {
  const admin = new Kafka({ clientId: 'contract-probe', brokers: parseKafkaBrokers(kafkaUrl), logLevel: logLevel.NOTHING }).admin();
  let connected = false;
  const ready = async () => {
    if (!connected) await admin.connect();
    connected = true;
    return admin;
  };
  return {
    async exists(topology) {
      return (await (await ready()).listTopics()).includes(kafkaTopicName(topology));
    },
    async held(topology) {
      const offsets = await (await ready()).fetchTopicOffsets(kafkaTopicName(topology));
      return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    },
    async expectedBrokerVersion() {
      // Kafka does not report its version on the wire: mqbench knows it only for a broker it started
      const startedHere = await knownLocalKafkaVersion(kafkaUrl);
      if (!startedHere) {
        process.stderr.write(`contract: the Kafka at ${kafkaUrl} was not started by this checkout; expecting "unknown"\n`);
        return 'unknown (not started by mqbench; Kafka does not report it over the wire)';
      }
      const version = await fetchedKafkaVersion();
      if (!version) throw new Error('Kafka jars not fetched');
      return version;
    },
    expectedClient,
    async close() {
      if (connected) await admin.disconnect();
    },
  };
}

function memoryProbe(): BrokerProbe {
  return {
    async exists(topology, driver) {
      return (driver as MemoryDriver).holds(topology.prefix);
    },
    async held(_topology, driver) {
      return (driver as MemoryDriver).heldMessages();
    },
    async expectedBrokerVersion() {
      return 'in-process';
    },
    expectedClient: { name: 'mqbench-memory', version: '1' },
    async close() {},
  };
}

async function kafkaDriverOptions(settings: DriverSettings): Promise<DriverOptions> {
  const brokerVersion = await knownLocalKafkaVersion(kafkaUrl);
  return { url: kafkaUrl, settings, connectTimeoutMs: 10_000, ...(brokerVersion ? { brokerVersion } : {}) };
}

interface DriverCase {
  name: string;
  create(settings: DriverSettings): Promise<Driver>;
  probe: BrokerProbe;
}

const cases: DriverCase[] = [
  { name: 'memory', create: async (settings) => new MemoryDriver({ url: 'memory://', settings, connectTimeoutMs: 1000 }), probe: memoryProbe() },
  { name: 'rabbit', create: async (settings) => new RabbitDriver({ url: rabbitUrl, settings, connectTimeoutMs: 5000 }), probe: rabbitProbe() },
  {
    name: 'kafka (kafkajs)',
    create: async (settings) => new KafkaDriver(await kafkaDriverOptions(settings)),
    probe: kafkaProbe({ name: 'kafkajs', version: (require('kafkajs/package.json') as { version: string }).version }),
  },
  {
    name: 'kafka (@platformatic/kafka)',
    create: async (settings) => new PlatformaticKafkaDriver(await kafkaDriverOptions(settings)),
    probe: kafkaProbe({ name: '@platformatic/kafka', version: installedVersion('@platformatic/kafka') }),
  },
];

function topologyFor(partitions: number, subscriptions: number): Topology {
  return { prefix: `contract-${randomBytes(4).toString('hex')}`, stream: 'stream', partitions, subscriptions };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleepMs(20);
}

describe.each(cases)('driver contract: $name', ({ create, probe }) => {
  afterAll(() => probe.close());

  test.each([
    { shape: 'one queue/partition', partitions: 1, subscriptions: 1, consumers: 1, settings: noackSettings },
    { shape: 'fanout to 2 subscriptions', partitions: 1, subscriptions: 2, consumers: 1, settings: noackSettings },
    { shape: '3 partitions, 3 consumers, ack mode', partitions: 3, subscriptions: 1, consumers: 3, settings: ackSettings },
  ])('$shape: N sent -> N received intact per subscription; teardown leaves nothing', async ({ partitions, subscriptions, consumers, settings }) => {
    const driver = await create(settings);
    await driver.connect();
    const topology = topologyFor(partitions, subscriptions);
    try {
      await driver.setup(topology);
      expect(await probe.exists(topology, driver)).toBe(true);
      const received: Map<string, number>[] = Array.from({ length: subscriptions }, () => new Map());
      const perConsumer: number[] = [];
      const closers: (() => Promise<void>)[] = [];
      for (let s = 0; s < subscriptions; s++) {
        for (let c = 0; c < consumers; c++) {
          const index = perConsumer.push(0) - 1;
          const consumer = await driver.createConsumer(
            { subscription: s, partitions: assignPartitions(partitions, consumers, c), groupSize: consumers },
            (payload) => {
              const key = payload.toString('hex');
              const seen = received[s] as Map<string, number>;
              seen.set(key, (seen.get(key) ?? 0) + 1);
              perConsumer[index] = (perConsumer[index] ?? 0) + 1;
            },
          );
          closers.push(() => consumer.close());
        }
      }
      await driver.waitUntilConsumersReady(30_000);
      const producer = await driver.createProducer(0);
      const n = 600;
      const sent = Array.from({ length: n }, (_, i) => Buffer.concat([Buffer.from(`msg-${i}-`), randomBytes(40)]));
      await Promise.all(sent.map((payload, i) => producer.send(payload, partitions > 1 ? `key-${i}` : undefined)));
      await waitFor(() => received.every((m) => [...m.values()].reduce((a, b) => a + b, 0) >= n), 30_000);
      await producer.close();
      for (const close of closers) await close();
      for (const seen of received) {
        expect(seen.size).toBe(n);
        for (const payload of sent) expect(seen.get(payload.toString('hex'))).toBe(1);
      }
      if (partitions > 1) for (const count of perConsumer) expect(count).toBeGreaterThan(0);
    } finally {
      await driver.teardown();
      await driver.close();
    }
    expect(await probe.exists(topology, driver)).toBe(false);
  });

  test('in confirm / acks=all mode, send resolves only once the broker holds the message', async () => {
    const driver = await create(ackSettings);
    await driver.connect();
    const topology = topologyFor(1, 1);
    try {
      await driver.setup(topology);
      const producer = await driver.createProducer(0);
      for (let i = 1; i <= 5; i++) {
        await producer.send(Buffer.from(`confirmed-${i}`));
        // no consumer is attached: whatever the broker holds was taken before send resolved
        expect(await probe.held(topology, driver)).toBe(i);
      }
      await producer.close();
    } finally {
      await driver.teardown();
      await driver.close();
    }
  });

  test('info() reports the real broker version and client library version', async () => {
    const driver = await create(noackSettings);
    await driver.connect();
    try {
      const info = await driver.info();
      expect(info.brokerVersion).toBe(await probe.expectedBrokerVersion());
      expect(info.client).toEqual(probe.expectedClient);
      expect(info.url).not.toMatch(/guest:guest/);
    } finally {
      await driver.close();
    }
  });
});
