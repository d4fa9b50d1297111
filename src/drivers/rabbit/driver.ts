import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { createRequire } from 'node:module';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import { FatalSignal } from '../fatal.js';
import { partitionForKey } from '../partition.js';
import { deleteRabbitObjects, type RabbitObject } from './clean.js';
import { rabbitSettingsOf, type RabbitSettings } from './settings.js';
import type {
  Consumer,
  ConsumerSpec,
  Driver,
  DriverInfo,
  DriverOptions,
  MessageHandler,
  Producer,
  Topology,
} from '../types.js';

const amqplibVersion = (createRequire(import.meta.url)('amqplib/package.json') as { version: string }).version;

/** How a topology is laid out in AMQP 0-9-1 (see README "Scenario mapping"). */
interface RabbitLayout {
  /** '' is the default exchange: one queue, routed by its own name (the tutorial's hello-world). */
  exchange: string;
  exchangeType: 'fanout' | 'direct' | undefined;
  /** queues[subscription][partition] */
  queues: string[][];
}

export function rabbitLayout(topology: Topology): RabbitLayout {
  const base = `${topology.prefix}.${topology.stream}`;
  if (topology.subscriptions === 1 && topology.partitions === 1) {
    return { exchange: '', exchangeType: undefined, queues: [[base]] };
  }
  const queues: string[][] = [];
  for (let s = 0; s < topology.subscriptions; s++) {
    const row: string[] = [];
    for (let p = 0; p < topology.partitions; p++) {
      row.push(topology.partitions === 1 ? `${base}.s${s}` : `${base}.s${s}.p${p}`);
    }
    queues.push(row);
  }
  return { exchange: base, exchangeType: topology.partitions === 1 ? 'fanout' : 'direct', queues };
}

function routingKeyFor(partition: number): string {
  return `p${partition}`;
}

export class RabbitDriver implements Driver {
  readonly name = 'rabbit';
  private connection: ChannelModel | undefined;
  private consumerConnection: Promise<ChannelModel> | undefined;
  private layout: RabbitLayout | undefined;
  private topology: Topology | undefined;
  private attachedOnly = false;
  private consumerSpecs: ConsumerSpec[] = [];
  private readonly fatal = new FatalSignal();

  private readonly settings: RabbitSettings;

  constructor(private readonly options: DriverOptions) {
    this.settings = rabbitSettingsOf(options.settings);
  }

  async connect(): Promise<void> {
    this.connection = await this.openConnection();
  }

  /**
   * Consumers get a connection of their own (as PerfTest's do): when RabbitMQ applies flow control to
   * a publishing connection it stops reading from it, and consumer acks queued behind publishes on the
   * same socket would stall deliveries, so an overloaded publisher would starve its own consumers.
   */
  private async consumerConnectionOf(): Promise<ChannelModel> {
    this.consumerConnection ??= this.openConnection();
    return this.consumerConnection;
  }

  private async openConnection(): Promise<ChannelModel> {
    const { url, connectTimeoutMs } = this.options;
    let connection: ChannelModel;
    try {
      connection = await withTimeout(
        // Nagle's algorithm would hold small publishes behind unacknowledged consumer acks on the same
        // socket for up to the peer's delayed-ACK time (~40 ms); the Java client sets TCP_NODELAY too.
        amqp.connect(url, { timeout: connectTimeoutMs, noDelay: true }),
        connectTimeoutMs,
        () => new Error(`no answer within ${connectTimeoutMs} ms`),
      );
    } catch (error) {
      const reason = this.describe(error);
      const hint = /access refused/.test(reason) ? '' : ` (${this.options.startHint ?? 'is a RabbitMQ broker running at that URL?'})`;
      throw new BrokerUnreachableError(`cannot connect to RabbitMQ at ${redactUrl(url)}: ${reason}${hint}`);
    }
    connection.on('error', (error: Error) => this.raiseFatal(error));
    connection.on('close', () => {
      if (!this.fatal.closing) this.raiseFatal(new Error('connection to RabbitMQ closed by the broker'));
    });
    return connection;
  }

  private describe(error: unknown): string {
    const raw = error instanceof Error ? error.message : String(error);
    const oneLine = raw.split('\n')[0] ?? raw;
    if (/ACCESS_REFUSED|403/.test(oneLine)) return 'access refused (wrong user or password)';
    return redactSecretsIn(oneLine, [this.options.url]);
  }

  private raiseFatal(error: Error): void {
    this.fatal.raise(error);
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatal.listen(listener);
  }

  private requireConnection(): ChannelModel {
    if (!this.connection) throw new Error('RabbitDriver: connect() first');
    return this.connection;
  }

  async setup(topology: Topology): Promise<void> {
    const connection = this.requireConnection();
    const layout = rabbitLayout(topology);
    this.topology = topology;
    this.layout = layout;
    const declared: RabbitObject[] = [];
    try {
      await this.declare(connection, layout, declared);
    } catch (error) {
      // a half-made topology (a vhost's queue limit, a refused or unanswered declaration) must not
      // stay on the broker; when it cannot be removed now, teardown tries again and warns
      if (await this.removePartial(declared)) this.layout = undefined;
      throw error;
    }
  }

  /** Declares the layout, noting each object before its request: one that timed out may still exist. */
  private async declare(connection: ChannelModel, layout: RabbitLayout, declared: RabbitObject[]): Promise<void> {
    const channel = await connection.createChannel();
    // a broker that stopped answering must fail the setup, not hang it
    const timeoutMs = Math.max(this.options.connectTimeoutMs, 15_000);
    const bounded = <T>(request: Promise<T>): Promise<T> => withTimeout(request, timeoutMs, () => new Error(`RabbitMQ did not answer a declaration within ${timeoutMs / 1000} s`));
    try {
      const durable = this.settings.persistent;
      if (layout.exchangeType) {
        declared.push({ kind: 'exchange', name: layout.exchange });
        await bounded(channel.assertExchange(layout.exchange, layout.exchangeType, { durable, autoDelete: false }));
      }
      for (const row of layout.queues) {
        for (const [partition, queue] of row.entries()) {
          declared.push({ kind: 'queue', name: queue });
          await bounded(channel.assertQueue(queue, { durable, autoDelete: false, exclusive: false }));
          if (layout.exchangeType === 'fanout') await bounded(channel.bindQueue(queue, layout.exchange, ''));
          if (layout.exchangeType === 'direct') await bounded(channel.bindQueue(queue, layout.exchange, routingKeyFor(partition)));
        }
      }
    } finally {
      // close is a request too: behind an unanswered one it would wait for ever
      await withTimeout(channel.close(), 1000, () => new Error('close timed out')).catch(() => undefined);
    }
  }

  /**
   * Deletes what a failed setup declared, on a connection of its own (the run's may be the one that
   * failed, or stuck behind an unanswered request), within 15 s. True when all of it is gone.
   */
  private async removePartial(declared: readonly RabbitObject[]): Promise<boolean> {
    if (declared.length === 0) return true;
    const { url, connectTimeoutMs } = this.options;
    const attempt = async (): Promise<boolean> => {
      const connection = await amqp.connect(url, { timeout: connectTimeoutMs, noDelay: true });
      connection.on('error', () => undefined);
      try {
        return (await deleteRabbitObjects(connection, declared)).length === 0;
      } finally {
        await connection.close().catch(() => undefined);
      }
    };
    return withTimeout(attempt(), 15_000, () => new Error('partial topology not removed within 15 s')).catch(() => false);
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
    this.layout = rabbitLayout(topology);
    this.attachedOnly = true;
  }

  assignedPartitions(): number[][] {
    const topology = this.topology;
    if (!topology) return [];
    const out: number[][] = Array.from({ length: topology.subscriptions }, () => []);
    for (const { subscription, partitions } of this.consumerSpecs) out[subscription]?.push(...partitions);
    return out;
  }

  async createProducer(): Promise<Producer> {
    const connection = this.requireConnection();
    const layout = this.requireLayout();
    const topology = this.topology as Topology;
    const { confirm, persistent } = this.settings;
    const channel: Channel | ConfirmChannel = confirm
      ? await connection.createConfirmChannel()
      : await connection.createChannel();
    const publishOptions = { persistent, deliveryMode: persistent ? 2 : 1 } as const;
    let nextPartition = 0;
    const routingKey = (key: string | undefined): string => {
      if (layout.exchange === '') return layout.queues[0]?.[0] ?? '';
      if (layout.exchangeType === 'fanout') return '';
      const partition = key === undefined ? nextPartition++ % topology.partitions : partitionForKey(key, topology.partitions);
      return routingKeyFor(partition);
    };
    let drained: Promise<void> | undefined;
    const waitForDrain = (): Promise<void> => {
      drained ??= new Promise<void>((resolve) => {
        channel.once('drain', () => {
          drained = undefined;
          resolve();
        });
      });
      return drained;
    };

    return {
      brokerAcks: confirm,
      send: (payload: Buffer, key?: string): Promise<void> => {
        const rk = routingKey(key);
        if (confirm) {
          return new Promise<void>((resolve, reject) => {
            (channel as ConfirmChannel).publish(layout.exchange, rk, payload, publishOptions, (error) => {
              if (error) reject(error instanceof Error ? error : new Error('message nacked by broker'));
              else resolve();
            });
          });
        }
        // Without confirms the client's write buffer is the only back-pressure we get.
        const accepted = channel.publish(layout.exchange, rk, payload, publishOptions);
        return accepted ? Promise.resolve() : waitForDrain();
      },
      close: async () => {
        if (confirm) await (channel as ConfirmChannel).waitForConfirms().catch(() => undefined);
        await channel.close().catch(() => undefined);
      },
    };
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    this.requireConnection();
    const connection = await this.consumerConnectionOf();
    const layout = this.requireLayout();
    const { delivery, prefetch, multiAck } = this.settings;
    const channel = await connection.createChannel();
    const noAck = delivery === 'noack';
    if (!noAck) await channel.prefetch(prefetch, false);
    let unacked = 0;
    let lastUnacked: ConsumeMessage | undefined;
    const flushAcks = (): void => {
      if (lastUnacked) {
        channel.ack(lastUnacked, true);
        lastUnacked = undefined;
        unacked = 0;
      }
    };
    // A partial multi-ack batch must not sit unacked forever when traffic stops.
    const ackTimer = noAck ? undefined : setInterval(flushAcks, 50);
    const consumerTags: string[] = [];
    this.consumerSpecs.push(spec);
    for (const partition of spec.partitions) {
      const queue = layout.queues[spec.subscription]?.[partition];
      if (queue === undefined) throw new Error(`no queue for subscription ${spec.subscription} partition ${partition}`);
      const { consumerTag } = await channel.consume(
        queue,
        (message) => {
          if (message === null) return;
          onMessage(message.content);
          if (!noAck) {
            lastUnacked = message;
            if (++unacked >= multiAck) flushAcks();
          }
        },
        { noAck },
      );
      consumerTags.push(consumerTag);
    }
    return {
      close: async () => {
        this.consumerSpecs = this.consumerSpecs.filter((s) => s !== spec);
        if (ackTimer) clearInterval(ackTimer);
        for (const tag of consumerTags) await channel.cancel(tag).catch(() => undefined);
        try {
          flushAcks();
        } catch {
          // channel already gone: nothing left to ack
        }
        await channel.close().catch(() => undefined);
      },
    };
  }

  async waitUntilConsumersReady(): Promise<void> {
    // basic.consume-ok means the consumer is attached; nothing more to wait for.
  }

  async teardown(): Promise<void> {
    const layout = this.layout;
    if (!layout || !this.connection || this.attachedOnly) return;
    const objects: RabbitObject[] = layout.queues.flat().map((name) => ({ kind: 'queue', name }));
    if (layout.exchange !== '') objects.push({ kind: 'exchange', name: layout.exchange });
    const failed = await deleteRabbitObjects(this.connection, objects);
    if (failed.length > 0) throw new Error(`could not delete ${failed.length} of ${objects.length}, e.g. ${failed[0] ?? ''}`);
    this.layout = undefined;
  }

  async info(): Promise<DriverInfo> {
    const connection = this.requireConnection();
    const server = (connection as unknown as { connection: { serverProperties?: Record<string, unknown> } }).connection
      .serverProperties;
    const settings = this.settings;
    const layout = this.layout;
    return {
      broker: String(server?.product ?? 'RabbitMQ'),
      brokerVersion: String(server?.version ?? 'unknown'),
      client: { name: 'amqplib', version: amqplibVersion },
      url: redactUrl(this.options.url),
      settings: {
        protocol: 'AMQP 0-9-1',
        tcpNoDelay: true,
        noAck: settings.delivery === 'noack',
        publisherConfirms: settings.confirm,
        persistent: settings.persistent,
        queueDurable: settings.persistent,
        ...(settings.delivery === 'ack' ? { prefetch: settings.prefetch, multiAck: settings.multiAck } : {}),
      },
      mapping: layout
        ? layout.exchange === ''
          ? `default exchange -> queue ${layout.queues[0]?.[0] ?? ''}`
          : `${layout.exchangeType} exchange ${layout.exchange} -> ${layout.queues.flat().length} queue(s)`
        : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    const consumers = await this.consumerConnection?.catch(() => undefined);
    await consumers?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
    this.consumerConnection = undefined;
  }

  private requireLayout(): RabbitLayout {
    if (!this.layout) throw new Error('RabbitDriver: setup() first');
    return this.layout;
  }
}
