import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer as KafkaConsumer,
  type ISocketFactory,
  type LogEntry,
} from 'kafkajs';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import type {
  Consumer,
  ConsumerSpec,
  Driver,
  DriverInfo,
  DriverOptions,
  DriverSettings,
  MessageHandler,
  Producer,
  Topology,
} from '../types.js';
import { KafkaDriverBase } from './driver-base.js';
import {
  asError,
  commitIntervalMs,
  batchedProducer,
  describeCommit,
  firstLine,
  isConnectionLoss,
  kafkaGroupId,
  kafkaGroupIds,
  kafkaTopicName,
  parseKafkaBrokers,
  PeriodicCommitter,
  unknownBrokerVersion,
  waitForLeaders,
} from './shared.js';
import { kafkaSettingsOf, type KafkaSettings } from './settings.js';
import { plural } from '../../util/plural.js';

// other modules (contract tests, calibration) imported these from here before shared.ts existed
export { isConnectionLoss, kafkaGroupId, kafkaTopicName, parseKafkaBrokers } from './shared.js';

const kafkajsVersion = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;

/**
 * A new topic's leaders, for waitForLeaders (create it with kafkajs' waitForLeaders: false). Not
 * kafkajs' own wait: it retries only LEADER_NOT_AVAILABLE, and a KRaft broker that has not applied
 * the new topic yet answers UNKNOWN_TOPIC_OR_PARTITION, which it throws (seen in a calibration).
 */
export function topicLeaders(admin: Admin, topic: string): () => Promise<number[] | undefined> {
  return () => admin.fetchTopicMetadata({ topics: [topic] }).then((metadata) => metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.leader));
}

/** The settings this driver reads (delivery, kafkaAcks, lingerMs, batchSize, batchBytes), all through this one function. */
function kafkaSettings(settings: DriverSettings): KafkaSettings {
  return kafkaSettingsOf(settings);
}

/** kafkajs logs go to stderr only when asked for (MQBENCH_KAFKAJS_LOG=debug|info|warn|error). */
function kafkajsLogLevel(): logLevel {
  const wanted = (process.env.MQBENCH_KAFKAJS_LOG ?? '').toLowerCase();
  const levels: Record<string, logLevel> = {
    debug: logLevel.DEBUG,
    info: logLevel.INFO,
    warn: logLevel.WARN,
    error: logLevel.ERROR,
  };
  return levels[wanted] ?? logLevel.NOTHING;
}

/** kafkajs' own socket factory without TCP_NODELAY lets Nagle delay small requests; the Java client sets it. */
const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl ? tls.connect(Object.assign({ host, port, servername: host }, ssl), onConnect) : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60_000);
  socket.setNoDelay(true);
  return socket;
};

const stderrLogCreator = () => (entry: LogEntry) => {
  process.stderr.write(`kafkajs ${entry.namespace}: ${entry.log.message}\n`);
};

interface ConsumerEntry {
  spec: ConsumerSpec;
  subscription: number;
  partitions: number[];
  consumer: KafkaConsumer;
  committer: PeriodicCommitter;
}

export class KafkaDriver extends KafkaDriverBase<Admin, ConsumerEntry> implements Driver {
  private readonly kafka: Kafka;

  constructor(private readonly options: DriverOptions) {
    super('KafkaDriver');
    this.kafka = new Kafka({
      clientId: 'mqbench',
      brokers: parseKafkaBrokers(options.url),
      connectionTimeout: Math.min(options.connectTimeoutMs, 3000),
      requestTimeout: 30_000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: kafkajsLogLevel(),
      logCreator: stderrLogCreator,
      socketFactory: noDelaySocketFactory,
    });
  }

  async connect(): Promise<void> {
    const admin = this.kafka.admin();
    const timeoutMs = this.options.connectTimeoutMs;
    try {
      await withTimeout(
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs} ms`),
      );
    } catch (error) {
      // kafkajs may still be retrying against whatever answered; do not wait for it to give up
      await withTimeout(admin.disconnect(), 1000, () => new Error('disconnect timed out')).catch(() => undefined);
      throw new BrokerUnreachableError(
        `cannot connect to Kafka at ${this.options.url}: ${firstLine(error)} (${this.options.startHint ?? 'is a Kafka broker running at that address?'})`,
      );
    }
    this.admin = admin;
  }

  private raiseFatal(error: Error): void {
    this.fatal.raise(error);
  }

  async setup(topology: Topology): Promise<void> {
    this.topology = topology;
    const topic = kafkaTopicName(topology);
    const created = await this.requireAdmin().createTopics({ topics: [{ topic, numPartitions: topology.partitions, replicationFactor: 1 }], waitForLeaders: false });
    if (!created) throw new Error(`topic ${topic} already exists`);
    this.topicCreated = true;
    await waitForLeaders(topic, topology.partitions, 30_000, topicLeaders(this.requireAdmin(), topic));
  }

  async createProducer(): Promise<Producer> {
    const topic = kafkaTopicName(this.requireTopology());
    const { kafkaAcks, lingerMs, batchSize, batchBytes } = kafkaSettings(this.options.settings);
    // the Java-compatible murmur2 partitioner, named so kafkajs does not warn about its v2 default change
    const producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return batchedProducer(
      async (items) => {
        await producer.send({ topic, acks: kafkaAcks, messages: items.map((item) => ({ value: item.payload, key: item.key ?? null })) });
      },
      { kafkaAcks, lingerMs, batchSize, batchBytes },
      (error) => this.raiseFatal(error),
      () => producer.disconnect(),
    );
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const topology = this.requireTopology();
    const topic = kafkaTopicName(topology);
    const consumer = this.kafka.consumer({
      groupId: kafkaGroupId(topology, spec.subscription),
      allowAutoTopicCreation: false,
      // small groups on a fresh topic: no reason to wait for more members before assigning
      rebalanceTimeout: 10_000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
    });
    const entry = this.trackConsumer(spec, topic, consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      // kafkajs' auto-commit awaits an offset commit after each batch; the committer commits on a timer instead
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value) onMessage(message.value);
        }
        if (batch.messages.length > 0) entry.committer.processed(batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    return { close: () => this.closeConsumer(entry) };
  }

  /** Registers a consumer with its committer and the events that keep its assignment and health known. */
  private trackConsumer(spec: ConsumerSpec, topic: string, consumer: KafkaConsumer): ConsumerEntry {
    const commit = (offsets: Map<number, bigint>) =>
      consumer.commitOffsets([...offsets].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })));
    const committer = new PeriodicCommitter(commit, commitIntervalMs(kafkaSettings(this.options.settings).delivery), (error) => {
      if (isConnectionLoss(error)) this.raiseFatal(asError(error));
    });
    const entry: ConsumerEntry = { spec, subscription: spec.subscription, partitions: [], consumer, committer };
    this.consumers.push(entry);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      entry.partitions = [...(event.payload.memberAssignment[topic] ?? [])];
      committer.retain(entry.partitions);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      // kafkajs restarts the consumer itself after retriable errors (e.g. a coordinator still loading),
      // and would go on restarting against a broker that is gone
      if (event.payload.restart && !isConnectionLoss(error)) return;
      this.raiseFatal(asError(error));
    });
    return entry;
  }

  /** Commits what was processed, then leaves the group. Safe to call twice. */
  private async closeConsumer(entry: ConsumerEntry): Promise<void> {
    const index = this.consumers.indexOf(entry);
    if (index >= 0) this.consumers.splice(index, 1);
    // after a lost connection there is no one to commit to
    if (!this.fatal.raised) await withTimeout(entry.committer.stop(), 5_000, () => new Error('final commit timed out')).catch(() => undefined);
    await entry.consumer.disconnect().catch(() => undefined);
  }

  async teardown(): Promise<void> {
    const topology = this.topology;
    const admin = this.admin;
    if (!topology || !admin) return;
    for (const entry of [...this.consumers]) await this.closeConsumer(entry);
    if (this.attachedOnly) return;
    const existing = new Set((await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId));
    const toDelete = kafkaGroupIds(topology).filter((g) => existing.has(g));
    if (toDelete.length > 0) await admin.deleteGroups(toDelete).catch(() => undefined);
    if (this.topicCreated) {
      await admin.deleteTopics({ topics: [kafkaTopicName(topology)] });
      this.topicCreated = false;
    }
    this.topology = undefined;
  }

  async info(): Promise<DriverInfo> {
    const settings = kafkaSettings(this.options.settings);
    const topology = this.topology;
    return {
      broker: 'Apache Kafka',
      brokerVersion: this.options.brokerVersion ?? unknownBrokerVersion,
      client: { name: 'kafkajs', version: kafkajsVersion },
      url: this.options.url,
      settings: {
        protocol: 'Kafka',
        tcpNoDelay: true,
        acks: settings.kafkaAcks === -1 ? 'all' : settings.kafkaAcks,
        lingerMs: settings.lingerMs,
        batchSize: settings.batchSize,
        batchBytes: settings.batchBytes,
        batching: 'mqbench batcher (kafkajs sends one request per send())',
        idempotent: false,
        consumerCommit: describeCommit(commitIntervalMs(settings.delivery)),
        replicationFactor: 1,
      },
      mapping: topology
        ? `topic ${kafkaTopicName(topology)} (${plural(topology.partitions, 'partition')}), ${plural(topology.subscriptions, 'consumer group')}`
        : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    for (const entry of [...this.consumers]) await this.closeConsumer(entry);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
