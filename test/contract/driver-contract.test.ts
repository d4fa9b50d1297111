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
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { createClient as createRedisClient } from 'redis';
import { NatsDriver } from '../../src/drivers/nats/driver.js';
import { RedisDriver, redisLayout } from '../../src/drivers/redis/driver.js';
import type { Driver, DriverOptions, DriverSettings, Topology } from '../../src/drivers/types.js';
import mqtt, { type MqttClient } from 'mqtt';
import { connect as connectStream, Offset, type Client as StreamClient } from 'rabbitmq-stream-js-client';
import { MqttDriver } from '../../src/drivers/mqtt/driver.js';
import { adaptStreamClient } from '../../src/drivers/rabbit-stream/compat.js';
import { RabbitStreamDriver, streamNames } from '../../src/drivers/rabbit-stream/driver.js';
import { defaultStreamUrl, streamNode } from '../../src/drivers/rabbit-stream/local.js';
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
  /** called right after setup in the confirm test: brokers that hold nothing without a subscriber (MQTT) watch from here */
  watch?(topology: Topology): Promise<void>;
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

const natsUrl = process.env.MQBENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const redisUrl = process.env.MQBENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** NATS seen through a JetStream manager of its own; core NATS (noack) keeps nothing on the server. */
function natsProbe(): BrokerProbe {
  let connection: NatsConnection | undefined;
  const manager = async (): Promise<JetStreamManager> => jetstreamManager((connection ??= await connectNats({ servers: natsUrl.replace(/^nats:\/\//, '') })));
  return {
    async exists(topology, driver) {
      const stream = (driver as NatsDriver).streamOf(topology);
      if (stream === undefined) return (driver as NatsDriver).holds(topology);
      return (await manager()).streams.info(stream).then(() => true, () => false);
    },
    async held(topology, driver) {
      return (await (await manager()).streams.info((driver as NatsDriver).streamOf(topology) ?? '')).state.messages;
    },
    async expectedBrokerVersion() {
      return execFileSync('nats-server', ['--version']).toString().trim().replace(/^nats-server: v/, '');
    },
    expectedClient: { name: '@nats-io/transport-node', version: installedVersion('@nats-io/transport-node') },
    async close() {
      await connection?.close();
    },
  };
}

/** Redis seen through a node-redis connection of its own: stream keys and their lengths. */
function redisProbe(): BrokerProbe {
  const client = createRedisClient({ url: redisUrl, RESP: 2 });
  const ready = async () => (client.isOpen ? client : client.connect());
  return {
    async exists(topology) {
      const { streams } = redisLayout(topology);
      return Number(await (await ready()).sendCommand(['EXISTS', ...streams])) === streams.length;
    },
    async held(topology) {
      let total = 0;
      for (const stream of redisLayout(topology).streams) total += Number(await (await ready()).sendCommand(['XLEN', stream]));
      return total;
    },
    async expectedBrokerVersion() {
      return /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ?? '';
    },
    expectedClient: { name: 'redis', version: installedVersion('redis') },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}

const mqttUrl = process.env.MQBENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const streamUrl = process.env.MQBENCH_RABBIT_STREAM_URL ?? defaultStreamUrl;

/** Messages a client receives until none has come for `quietMs`. */
async function countUntilQuiet(count: () => number, quietMs: number): Promise<number> {
  let last = -1;
  while (last !== count()) {
    last = count();
    await sleepMs(quietMs);
  }
  return last;
}

/**
 * MQTT keeps no objects: a topology "exists" while the driver holds it or a retained message sits
 * under its prefix (none must after teardown). Without a subscriber the broker holds nothing, so
 * "held" is what a QoS 1 watcher subscribed right after setup received: Mosquitto routes a publish to
 * its subscribers before it sends the PUBACK.
 */
function mqttProbe(): BrokerProbe {
  let watcher: MqttClient | undefined;
  let watched = 0;
  const open = () => mqtt.connectAsync(mqttUrl, { clean: true, reconnectPeriod: 0 });
  return {
    async watch(topology) {
      watcher ??= await open();
      watched = 0;
      watcher.removeAllListeners('message');
      watcher.on('message', (topic) => {
        if (topic.startsWith(`${topology.prefix}/`)) watched++;
      });
      await watcher.subscribeAsync(`${topology.prefix}/#`, { qos: 1 });
    },
    async exists(topology, driver) {
      if ((driver as MqttDriver).holds(topology.prefix)) return true;
      const client = await open();
      let retained = 0;
      client.on('message', (_topic, payload, packet) => {
        if (packet.retain && payload.length > 0) retained++;
      });
      await client.subscribeAsync(`${topology.prefix}/#`, { qos: 0 });
      await sleepMs(300);
      await client.endAsync();
      return retained > 0;
    },
    async held() {
      return countUntilQuiet(() => watched, 200);
    },
    async expectedBrokerVersion() {
      // `mosquitto -h` prints its version first and exits non-zero
      const help = (() => {
        try {
          return execFileSync('mosquitto', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        } catch (error) {
          return String((error as { stdout?: string }).stdout ?? '');
        }
      })();
      return help.trim().split('\n')[0]?.replace(/^mosquitto version /i, 'Mosquitto ') ?? '';
    },
    expectedClient: { name: 'mqtt', version: installedVersion('mqtt') },
    async close() {
      await watcher?.endAsync();
    },
  };
}

/** RabbitMQ streams seen through a stream client of its own: metadata for existence, a reader from offset first for what is held. */
function streamProbe(): BrokerProbe {
  let client: StreamClient | undefined;
  const open = async (): Promise<StreamClient> => {
    adaptStreamClient();
    return (client ??= await connectStream({ hostname: '127.0.0.1', port: 5552, username: 'guest', password: 'guest', vhost: '/' }));
  };
  return {
    async exists(topology) {
      const metadata = await (await open()).queryMetadata({ streams: streamNames(topology) });
      return metadata.every((m) => m.responseCode === 1);
    },
    async held(topology) {
      const reader = await open();
      let count = 0;
      const consumers = [];
      for (const stream of streamNames(topology)) consumers.push(await reader.declareConsumer({ stream, offset: Offset.first() }, () => {
        count++;
      }));
      const held = await countUntilQuiet(() => count, 200);
      for (const consumer of consumers) await consumer.close();
      return held;
    },
    async expectedBrokerVersion() {
      return execFileSync('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', `${streamNode.name}@localhost`, 'version']).toString().trim();
    },
    expectedClient: { name: 'rabbitmq-stream-js-client', version: installedVersion('rabbitmq-stream-js-client') },
    async close() {
      await client?.close();
    },
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
  { name: 'nats', create: async (settings) => new NatsDriver({ url: natsUrl, settings, connectTimeoutMs: 5000 }), probe: natsProbe() },
  { name: 'redis', create: async (settings) => new RedisDriver({ url: redisUrl, settings, connectTimeoutMs: 5000 }), probe: redisProbe() },
  { name: 'mqtt (5.0)', create: async (settings) => new MqttDriver({ url: mqttUrl, settings, connectTimeoutMs: 5000 }), probe: mqttProbe() },
  { name: 'mqtt (3.1.1)', create: async (settings) => new MqttDriver({ url: mqttUrl, settings: { ...settings, protocolVersion: 4 }, connectTimeoutMs: 5000 }), probe: mqttProbe() },
  { name: 'rabbit-stream', create: async (settings) => new RabbitStreamDriver({ url: streamUrl, settings, connectTimeoutMs: 5000 }), probe: streamProbe() },
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
      await probe.watch?.(topology);
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
