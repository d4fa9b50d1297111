import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import {
  Kafka,
  logLevel,
  type Admin,
  type Consumer as KafkaConsumer,
  type Producer as KafkaProducer,
  type ISocketFactory,
  type LogEntry,
} from 'kafkajs';
import { BrokerUnreachableError } from '../errors.js';
import { sleepMs, withTimeout } from '../util/clock.js';
import type {
  Consumer,
  ConsumerSpec,
  Driver,
  DriverInfo,
  DriverOptions,
  MessageHandler,
  Producer,
  Topology,
} from './types.js';

const kafkajsVersion = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;

/** "kafka://host:port,host2:port" or "host:port" -> ["host:port", ...] */
export function parseKafkaBrokers(url: string): string[] {
  return url
    .replace(/^kafka:\/\//, '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function kafkaTopicName(topology: Topology): string {
  return `${topology.prefix}.${topology.stream}`;
}

export function kafkaGroupId(topology: Topology, subscription: number): string {
  return `${kafkaTopicName(topology)}.g${subscription}`;
}

/** True when an error (or what caused it) means the broker is gone, not a retriable hiccup. */
export function isConnectionLoss(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { name, message } = e as { name?: string; message?: string };
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSNoBrokerAvailableError') return true;
    if (typeof message === 'string' && /ECONNREFUSED|ECONNRESET|Connection error|Closed connection/i.test(message)) return true;
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

interface PendingSend {
  payload: Buffer;
  key: string | undefined;
  resolve: () => void;
  reject: (error: Error) => void;
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

export class KafkaDriver implements Driver {
  readonly name = 'kafka';
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private topology: Topology | undefined;
  private topicCreated = false;
  private readonly consumers: { spec: ConsumerSpec; partitions: number[]; consumer: KafkaConsumer }[] = [];
  private attachedOnly = false;
  private fatalListeners: ((error: Error) => void)[] = [];
  private fatalRaised = false;
  private closing = false;

  constructor(private readonly options: DriverOptions) {
    // kafkajs would otherwise print a migration notice on every producer.
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
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
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      throw new BrokerUnreachableError(
        `cannot connect to Kafka at ${this.options.url}: ${reason} (${this.options.startHint ?? 'is a Kafka broker running at that address?'})`,
      );
    }
    this.admin = admin;
  }

  private raiseFatal(error: Error): void {
    if (this.fatalRaised || this.closing) return;
    this.fatalRaised = true;
    for (const listener of this.fatalListeners) listener(error);
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  private requireAdmin(): Admin {
    if (!this.admin) throw new Error('KafkaDriver: connect() first');
    return this.admin;
  }

  private requireTopology(): Topology {
    if (!this.topology) throw new Error('KafkaDriver: setup() first');
    return this.topology;
  }

  async setup(topology: Topology): Promise<void> {
    this.topology = topology;
    const created = await this.requireAdmin().createTopics({
      topics: [{ topic: kafkaTopicName(topology), numPartitions: topology.partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    this.topicCreated = true;
    if (!created) throw new Error(`topic ${kafkaTopicName(topology)} already exists`);
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
    this.topicCreated = false;
    this.attachedOnly = true;
  }

  assignedPartitions(): number[][] {
    const topology = this.topology;
    if (!topology) return [];
    const out: number[][] = Array.from({ length: topology.subscriptions }, () => []);
    for (const c of this.consumers) out[c.spec.subscription]?.push(...c.partitions);
    return out;
  }

  async createProducer(): Promise<Producer> {
    const topic = kafkaTopicName(this.requireTopology());
    const { kafkaAcks, lingerMs, batchSize } = this.options.settings;
    const producer: KafkaProducer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
    await producer.connect();

    // kafkajs sends one produce request per send() call; like the Java client's linger.ms/batch.size,
    // we gather the messages handed to us into one request so throughput is not capped by round trips.
    let pending: PendingSend[] = [];
    let flushScheduled = false;
    const flush = (): void => {
      flushScheduled = false;
      const batch = pending;
      pending = [];
      if (batch.length === 0) return;
      producer
        .send({
          topic,
          acks: kafkaAcks,
          messages: batch.map((item) => ({ value: item.payload, key: item.key ?? null })),
        })
        .then(
          () => batch.forEach((item) => item.resolve()),
          (error: unknown) => {
            const failure = error instanceof Error ? error : new Error(String(error));
            if (isConnectionLoss(error)) this.raiseFatal(failure);
            batch.forEach((item) => item.reject(failure));
          },
        );
    };
    const scheduleFlush = (): void => {
      if (flushScheduled) return;
      flushScheduled = true;
      if (lingerMs > 0) setTimeout(flush, lingerMs);
      else setImmediate(flush);
    };

    return {
      brokerAcks: kafkaAcks !== 0,
      send: (payload: Buffer, key?: string) =>
        new Promise<void>((resolve, reject) => {
          pending.push({ payload, key, resolve, reject });
          if (pending.length >= batchSize) flush();
          else scheduleFlush();
        }),
      close: async () => {
        flush();
        await producer.disconnect().catch(() => undefined);
      },
    };
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const topology = this.requireTopology();
    const topic = kafkaTopicName(topology);
    const atMostOnce = this.options.settings.delivery === 'noack';
    const consumer = this.kafka.consumer({
      groupId: kafkaGroupId(topology, spec.subscription),
      allowAutoTopicCreation: false,
      // small groups on a fresh topic: no reason to wait for more members before assigning
      rebalanceTimeout: 10_000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
    });
    const entry = { spec, partitions: [] as number[], consumer };
    this.consumers.push(entry);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      entry.partitions = [...(event.payload.memberAssignment[topic] ?? [])];
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      // kafkajs restarts the consumer itself after retriable errors (e.g. a coordinator still loading),
      // and would go on restarting against a broker that is gone
      if (event.payload.restart && !isConnectionLoss(error)) return;
      this.raiseFatal(error instanceof Error ? error : new Error(String(error)));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      // noack: the Java client's default auto-commit (every 5 s); ack: commit after each processed batch.
      autoCommit: true,
      autoCommitInterval: atMostOnce ? 5_000 : null,
      autoCommitThreshold: null,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value) onMessage(message.value);
        }
      },
    });
    return {
      close: async () => {
        await consumer.disconnect().catch(() => undefined);
        const index = this.consumers.indexOf(entry);
        if (index >= 0) this.consumers.splice(index, 1);
      },
    };
  }

  async waitUntilConsumersReady(timeoutMs: number): Promise<void> {
    const topology = this.requireTopology();
    const deadline = Date.now() + timeoutMs;
    const ready = (): boolean => {
      for (let s = 0; s < topology.subscriptions; s++) {
        const members = this.consumers.filter((c) => c.spec.subscription === s);
        if (members.length === 0) continue;
        const total = members.reduce((sum, c) => sum + c.partitions.length, 0);
        const everyoneHasWork = members.length > topology.partitions || members.every((c) => c.partitions.length > 0);
        if (total !== topology.partitions || !everyoneHasWork) return false;
      }
      return true;
    };
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`Kafka consumer group did not assign all partitions within ${timeoutMs} ms`);
      await sleepMs(50);
    }
  }

  async teardown(): Promise<void> {
    const topology = this.topology;
    const admin = this.admin;
    if (!topology || !admin) return;
    if (this.attachedOnly) {
      for (const { consumer } of this.consumers.splice(0)) await consumer.disconnect().catch(() => undefined);
      return;
    }
    for (const { consumer } of this.consumers.splice(0)) await consumer.disconnect().catch(() => undefined);
    const groups = Array.from({ length: topology.subscriptions }, (_, s) => kafkaGroupId(topology, s));
    const existing = new Set((await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId));
    const toDelete = groups.filter((g) => existing.has(g));
    if (toDelete.length > 0) await admin.deleteGroups(toDelete).catch(() => undefined);
    if (this.topicCreated) {
      await admin.deleteTopics({ topics: [kafkaTopicName(topology)] });
      this.topicCreated = false;
    }
    this.topology = undefined;
  }

  async info(): Promise<DriverInfo> {
    const settings = this.options.settings;
    const topology = this.topology;
    return {
      broker: 'Apache Kafka',
      brokerVersion: this.options.brokerVersion ?? 'unknown (not started by mqbench; Kafka does not report it over the wire)',
      client: { name: 'kafkajs', version: kafkajsVersion },
      url: this.options.url,
      settings: {
        protocol: 'Kafka',
        tcpNoDelay: true,
        acks: settings.kafkaAcks === -1 ? 'all' : settings.kafkaAcks,
        lingerMs: settings.lingerMs,
        batchSize: settings.batchSize,
        idempotent: false,
        consumerCommit: settings.delivery === 'noack' ? 'auto-commit every 5000 ms' : 'commit after each processed batch',
        replicationFactor: 1,
      },
      mapping: topology
        ? `topic ${kafkaTopicName(topology)} (${topology.partitions} partition(s)), ${topology.subscriptions} consumer group(s)`
        : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const { consumer } of this.consumers.splice(0)) await consumer.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
