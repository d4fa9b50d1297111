import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { createRequire } from 'node:module';
import { BrokerUnreachableError } from '../../errors.js';
import { sleepMs, withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import { closeConnections } from '../connections.js';
import { FatalSignal } from '../fatal.js';
import { partitionForKey, partitionsBySubscription } from '../partition.js';
import { deleteRabbitObjects, type RabbitObject } from './clean.js';
import { rabbitSettingsOf, type QueueType, type RabbitSettings } from './settings.js';
import { connectAmqp, nodeAddressOf, rabbitUrlList } from './urls.js';
import { coalesceWrites } from './coalesce.js';
import { ClientLink, firstRetryMs, maxRetryMs } from './client-link.js';
import type {
  Consumer,
  ClientPlacement,
  ConsumerSpec,
  Driver,
  DriverEvent,
  DriverInfo,
  DriverOptions,
  MessageHandler,
  Producer,
  Topology,
} from '../types.js';
import { plural } from '../../util/plural.js';

const amqplibVersion = (createRequire(import.meta.url)('amqplib/package.json') as { version: string }).version;

/** How a topology is laid out in AMQP 0-9-1 (see README "Scenario mapping"). */
interface RabbitLayout {
  /** '' is the default exchange: one queue, routed by its own name (the tutorial's hello-world). */
  exchange: string;
  exchangeType: 'fanout' | 'direct' | undefined;
  /** queues[subscription][partition] */
  queues: string[][];
}

/** Classic queues mirrored by an ha policy: their names end so, the policy's pattern is ^mqbench-.*\.ha$ */
export const mirroredSuffix = '.ha';

export function rabbitLayout(topology: Topology, queueType: QueueType = 'classic'): RabbitLayout {
  const base = `${topology.prefix}.${topology.stream}${queueType === 'classic-mirrored' ? mirroredSuffix : ''}`;
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

/** The declaration of a queue of this type: replicated queues are durable, their type an argument. */
function queueOptions(queueType: QueueType, durable: boolean): amqp.Options.AssertQueue {
  const base = { durable: durable || queueType !== 'classic', autoDelete: false, exclusive: false };
  if (queueType === 'quorum' || queueType === 'stream') return { ...base, arguments: { 'x-queue-type': queueType } };
  return base;
}

type Role = 'publisher' | 'consumer';

/**
 * Failover: a frozen node (SIGSTOP) keeps its sockets open, so only missed heartbeats tell; at 5 s
 * amqplib gives up on the connection after two missed ones (~10 s) and the driver moves on. A URL
 * that names its own heartbeat keeps it.
 */
const failoverHeartbeatSeconds = 5;

function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/i.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${failoverHeartbeatSeconds}`;
}


function queueOf(layout: RabbitLayout, spec: ConsumerSpec, partition: number): string {
  const queue = layout.queues[spec.subscription]?.[partition];
  if (queue === undefined) throw new Error(`no queue for subscription ${spec.subscription} partition ${partition}`);
  return queue;
}

/** A failover consumer: what it reads, and what it keeps across re-subscriptions. */
interface FailoverConsumer {
  readonly queues: readonly string[];
  /** its own connection, on the node it was placed on until that node fails */
  readonly link: ClientLink;
  readonly onMessage: MessageHandler;
  closed: boolean;
  /** the channel it consumes on; undefined while it re-subscribes */
  channel: Channel | undefined;
  unacked: number;
  /** the last delivery not yet acknowledged (acks are multiple: this one covers those before it) */
  last: ConsumeMessage | undefined;
  /** stream queues: the offset after the last delivery seen, where a re-subscription reads on */
  nextOffset: number | undefined;
  resubscribing: Promise<void> | undefined;
}

function flushFailoverAcks(consumer: FailoverConsumer): void {
  if (!consumer.last || !consumer.channel) return;
  try {
    consumer.channel.ack(consumer.last, true);
  } catch {
    // the channel is gone: its deliveries come again
  }
  consumer.last = undefined;
  consumer.unacked = 0;
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
  /** the cluster's nodes, in the order given: the first reachable one is used */
  private readonly urls: string[];
  /** which node each connection is on (index into urls) */
  private readonly nodeOf: Record<Role, number> = { publisher: 0, consumer: 0 };
  private writesCoalesced = false;
  private readonly reconnecting: Record<Role, boolean> = { publisher: false, consumer: false };
  /** failover clients' own connections (client-link.ts), closed with the driver */
  private readonly links = new Set<ClientLink>();
  private consumersLinked = 0;
  private readonly eventListeners: ((event: DriverEvent) => void)[] = [];

  constructor(private readonly options: DriverOptions) {
    this.settings = rabbitSettingsOf(options.settings);
    this.urls = rabbitUrlList(options.url);
  }

  async connect(): Promise<void> {
    this.connection = await this.openAny('publisher');
  }

  onEvent(listener: (event: DriverEvent) => void): void {
    this.eventListeners.push(listener);
  }

  private emit(kind: string, detail: string): void {
    for (const listener of this.eventListeners) listener({ kind, detail });
  }

  /**
   * Consumers get a connection of their own (as PerfTest's do): when RabbitMQ applies flow control to
   * a publishing connection it stops reading from it, and consumer acks queued behind publishes on the
   * same socket would stall deliveries, so an overloaded publisher would starve its own consumers.
   */
  private async consumerConnectionOf(): Promise<ChannelModel> {
    this.consumerConnection ??= this.openAny('consumer');
    return this.consumerConnection;
  }

  /** The first node that answers, from the one after `fromIndex` round the list (a cluster's URL list). */
  private async openAny(role: Role, fromIndex = 0): Promise<ChannelModel> {
    let lastError: unknown;
    for (let i = 0; i < this.urls.length; i++) {
      const index = (fromIndex + i) % this.urls.length;
      try {
        const connection = await this.openConnection(this.urls[index] ?? this.options.url, role);
        this.nodeOf[role] = index;
        return connection;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  private async openConnection(url: string, role: Role): Promise<ChannelModel> {
    const connection = await this.dial(url);
    if (this.settings.reconnect) {
      // failover: a lost node is not the end of the run; the next one takes over
      connection.on('error', () => undefined);
      connection.on('close', () => void this.reconnect(role, connection, url));
      return connection;
    }
    connection.on('error', (error: Error) => this.raiseFatal(error));
    connection.on('close', () => {
      if (!this.fatal.closing) this.raiseFatal(new Error('connection to RabbitMQ closed by the broker'));
    });
    return connection;
  }

  /** A failover client's connection: its loss is its link's to handle (client-link.ts). */
  private async openLinkConnection(url: string, lost: () => void): Promise<ChannelModel> {
    const connection = await this.dial(url);
    connection.on('error', () => undefined);
    connection.on('close', lost);
    return connection;
  }

  /** A failover client's own connection, on its placed node first (no placement: the node the driver connected to). */
  private linkFor(label: string, placement: ClientPlacement | undefined): ClientLink {
    const link = new ClientLink({
      urls: this.urls,
      start: placement?.node ?? this.nodeOf.publisher,
      label,
      connect: (url, lost) => this.openLinkConnection(url, lost),
      emit: (kind, detail) => this.emit(kind, detail),
      closing: () => this.fatal.closing,
    });
    this.links.add(link);
    return link;
  }

  private async dial(url: string): Promise<ChannelModel> {
    const { connectTimeoutMs } = this.options;
    let connection: ChannelModel;
    try {
      connection = await withTimeout(
        // Nagle's algorithm would hold small publishes behind unacknowledged consumer acks on the same
        // socket for up to the peer's delayed-ACK time (~40 ms); the Java client sets TCP_NODELAY too.
        connectAmqp(this.settings.reconnect ? withHeartbeat(url) : url, { timeout: connectTimeoutMs, noDelay: true }),
        connectTimeoutMs,
        () => new Error(`no answer within ${connectTimeoutMs} ms`),
      );
    } catch (error) {
      const reason = this.describe(error);
      const hint = /access refused/.test(reason) ? '' : ` (${this.options.startHint ?? 'is a RabbitMQ broker running at that URL?'})`;
      throw new BrokerUnreachableError(`cannot connect to RabbitMQ at ${redactUrl(url)}: ${reason}${hint}`);
    }
    this.writesCoalesced = coalesceWrites(connection);
    return connection;
  }

  /**
   * The driver's own connection was lost (its node died or was stopped; failover clients have their
   * own links): reconnect to the next node that answers, with a bounded backoff, until one does or
   * the driver is closed, so that teardown can remove the topology.
   */
  private async reconnect(role: Role, lost: ChannelModel, url: string): Promise<void> {
    if (this.fatal.closing || this.reconnecting[role] || !this.isCurrent(role, lost)) return;
    this.reconnecting[role] = true;
    this.emit('connection-lost', `${role === 'publisher' ? 'setup' : role} connection to ${nodeAddressOf(url)} lost`);
    try {
      let delayMs = firstRetryMs;
      while (!this.fatal.closing) {
        try {
          const connection = await this.openAny(role, this.nodeOf[role] + 1);
          if (role === 'publisher') this.connection = connection;
          else this.consumerConnection = Promise.resolve(connection);
          this.emit('reconnect', `${role === 'publisher' ? 'setup' : role} connection re-established on ${nodeAddressOf(this.urls[this.nodeOf[role]] ?? '')}`);
          return;
        } catch {
          await sleepMs(delayMs);
          delayMs = Math.min(maxRetryMs, delayMs * 2);
        }
      }
    } finally {
      this.reconnecting[role] = false;
    }
  }

  private isCurrent(role: Role, connection: ChannelModel): boolean {
    return role === 'publisher' && this.connection === connection;
  }

  private describe(error: unknown): string {
    const raw = error instanceof Error ? error.message : String(error);
    const oneLine = raw.split('\n')[0] ?? raw;
    if (/ACCESS_REFUSED|403/.test(oneLine)) return 'access refused (wrong user or password)';
    return redactSecretsIn(oneLine, [this.options.url, ...this.urls]);
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
    const layout = rabbitLayout(topology, this.settings.queueType);
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
          await bounded(channel.assertQueue(queue, queueOptions(this.settings.queueType, durable)));
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
      const connection = await connectAmqp(url, { timeout: connectTimeoutMs, noDelay: true });
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
    this.layout = rabbitLayout(topology, this.settings.queueType);
    this.attachedOnly = true;
  }

  assignedPartitions(): number[][] {
    return this.topology ? partitionsBySubscription(this.topology.subscriptions, this.consumerSpecs) : [];
  }

  async createProducer(producerId: number, placement?: ClientPlacement): Promise<Producer> {
    if (this.settings.reconnect) return this.createReconnectingProducer(producerId, placement);
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

  /** The routing key of each send (the default exchange, a fanout, or a partition by key hash). */
  private router(): (key: string | undefined) => string {
    const layout = this.requireLayout();
    const topology = this.topology as Topology;
    let nextPartition = 0;
    return (key) => {
      if (layout.exchange === '') return layout.queues[0]?.[0] ?? '';
      if (layout.exchangeType === 'fanout') return '';
      const partition = key === undefined ? nextPartition++ % topology.partitions : partitionForKey(key, topology.partitions);
      return routingKeyFor(partition);
    };
  }

  /**
   * Failover: a confirming producer whose channel is re-opened on the node the connection moved
   * to. A lost connection fails every unconfirmed send ("channel closed"), and a send while there is
   * no channel fails at once: the engine resends them (at-least-once), so nothing waits in the driver.
   */
  private async createReconnectingProducer(producerId: number, placement: ClientPlacement | undefined): Promise<Producer> {
    const layout = this.requireLayout();
    const routingKey = this.router();
    const { persistent } = this.settings;
    const publishOptions = { persistent, deliveryMode: persistent ? 2 : 1 } as const;
    const link = this.linkFor(`producer ${producerId}`, placement);
    let closed = false;
    const open = async (connection: ChannelModel): Promise<ConfirmChannel> => {
      const created = await connection.createConfirmChannel();
      let why = 'no reason given';
      created.on('error', (error: Error) => (why = this.describe(error)));
      // a channel the broker closed on a live connection (not a lost node): open another, and say so,
      // since a new channel may be treated by the broker unlike the one it replaces
      created.on('close', () => {
        if (channel !== created || closed) return;
        channel = undefined;
        setTimeout(() => {
          // the connection is still the live one: the broker closed the channel alone (a lost
          // connection closes its channels too, and the link re-opens them once it reconnects)
          if (closed || link.connection !== connection) return;
          this.emit('channel-closed', `producer ${producerId}'s channel closed by the broker (${why}); opening another`);
          reopen(connection);
        }, firstRetryMs);
      });
      return created;
    };
    const reopen = (connection: ChannelModel): void => {
      channel = undefined;
      open(connection).then(
        (created) => (channel = created),
        () => undefined, // the next loss of this connection tries again
      );
    };
    let channel: ConfirmChannel | undefined = await open(await link.open(reopen));
    return {
      brokerAcks: true,
      send: (payload: Buffer, key?: string): Promise<void> =>
        new Promise<void>((resolve, reject) => {
          if (!channel) throw new Error('no connection to the cluster (reconnecting)');
          channel.publish(layout.exchange, routingKey(key), payload, publishOptions, (error) => {
            if (error) reject(error instanceof Error ? error : new Error('message nacked by broker'));
            else resolve();
          });
        }),
      close: async () => {
        closed = true;
        await channel?.waitForConfirms().catch(() => undefined);
        await channel?.close().catch(() => undefined);
        this.links.delete(link);
        await link.close();
      },
    };
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    if (this.settings.reconnect) return this.createReconnectingConsumer(spec, onMessage);
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
      if (!lastUnacked) return;
      try {
        channel.ack(lastUnacked, true);
      } catch {
        // the channel is gone (amqplib throws "Channel closed"): the connection's loss is reported by its
        // own close handler; thrown from the ack timer it would abort the run as a client failure instead
      }
      lastUnacked = undefined;
      unacked = 0;
    };
    // A partial multi-ack batch must not sit unacked forever when traffic stops.
    const ackTimer = noAck ? undefined : setInterval(flushAcks, 50);
    const consumerTags: string[] = [];
    this.consumerSpecs.push(spec);
    for (const partition of spec.partitions) {
      const { consumerTag } = await channel.consume(
        queueOf(layout, spec, partition),
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
        flushAcks();
        await channel.close().catch(() => undefined);
      },
    };
  }

  /**
   * Failover: a consumer that subscribes again when its channel or connection is lost (on the node
   * the connection moved to) or the broker cancels it (its queue's node went down), retrying until
   * the queue is back. Unacknowledged deliveries come again: duplicates, counted by the engine.
   * A stream is read on from the offset after the last one seen, so nothing of the outage is skipped.
   */
  private async createReconnectingConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const layout = this.requireLayout();
    const queues = spec.partitions.map((partition) => queueOf(layout, spec, partition));
    const link = this.linkFor(`consumer ${this.consumersLinked++}`, spec.node === undefined ? undefined : { node: spec.node });
    const consumer: FailoverConsumer = { queues, link, onMessage, closed: false, channel: undefined, unacked: 0, last: undefined, nextOffset: undefined, resubscribing: undefined };
    // a partial multi-ack batch must not sit unacked forever when traffic stops
    const ackTimer = setInterval(() => flushFailoverAcks(consumer), 50);
    this.consumerSpecs.push(spec);
    await this.subscribe(consumer, await link.open(() => this.resubscribe(consumer, 'connection re-established')));
    return {
      close: async () => {
        consumer.closed = true;
        this.consumerSpecs = this.consumerSpecs.filter((s) => s !== spec);
        clearInterval(ackTimer);
        flushFailoverAcks(consumer);
        await consumer.channel?.close().catch(() => undefined);
        this.links.delete(link);
        await link.close();
      },
    };
  }

  /** Consumes every queue of a failover consumer on a new channel of `connection`; a lost channel re-subscribes. */
  private async subscribe(consumer: FailoverConsumer, connection: ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    consumer.channel = channel;
    consumer.last = undefined;
    consumer.unacked = 0;
    channel.on('close', () => {
      if (consumer.channel === channel) this.resubscribe(consumer, 'channel closed');
    });
    await channel.prefetch(this.settings.prefetch, false);
    for (const queue of consumer.queues) {
      const offset = this.settings.queueType === 'stream' ? { arguments: { 'x-stream-offset': consumer.nextOffset ?? 'next' } } : {};
      await channel.consume(queue, (message) => this.deliver(consumer, channel, message), { noAck: false, ...offset });
    }
  }

  /** One delivery to a failover consumer (null: the broker cancelled it), acknowledged in batches of multiAck. */
  private deliver(consumer: FailoverConsumer, channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) return this.resubscribe(consumer, 'consumer cancelled by the broker');
    // a delivery on a channel already replaced: it comes again on the new one
    if (consumer.channel !== channel) return;
    const streamOffset = message.properties.headers?.['x-stream-offset'];
    if (typeof streamOffset === 'number') consumer.nextOffset = streamOffset + 1;
    consumer.onMessage(message.content);
    consumer.last = message;
    if (++consumer.unacked >= this.settings.multiAck) flushFailoverAcks(consumer);
  }

  /** Starts re-subscribing a failover consumer, unless it already is or it (or the driver) is closed. */
  private resubscribe(consumer: FailoverConsumer, why: string): void {
    if (consumer.resubscribing || consumer.closed || this.fatal.closing) return;
    consumer.channel = undefined;
    consumer.resubscribing = this.retrySubscribe(consumer, why).finally(() => {
      consumer.resubscribing = undefined;
    });
  }

  /** Retries on the consumer's live connection, with a doubling backoff, until subscribed or closed. */
  private async retrySubscribe(consumer: FailoverConsumer, why: string): Promise<void> {
    let delayMs = firstRetryMs;
    while (!consumer.closed && !this.fatal.closing) {
      const connection = consumer.link.connection;
      if (connection) {
        try {
          await this.subscribe(consumer, connection);
          this.emit('resubscribed', `consumer re-subscribed to ${consumer.queues.join(', ')} (${why})`);
          return;
        } catch {
          consumer.channel = undefined;
        }
      }
      // no connection yet (the driver is reconnecting), or the queue's node is not back yet
      await sleepMs(delayMs);
      delayMs = Math.min(maxRetryMs, delayMs * 2);
    }
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
        // frames queued in one event-loop turn go to the socket in one writev (coalesce.ts)
        writesCoalesced: this.writesCoalesced,
        noAck: settings.delivery === 'noack',
        publisherConfirms: settings.confirm,
        persistent: settings.persistent,
        queueDurable: settings.persistent,
        ...(settings.delivery === 'ack' ? { prefetch: settings.prefetch, multiAck: settings.multiAck } : {}),
      },
      mapping: layout
        ? layout.exchange === ''
          ? `default exchange -> queue ${layout.queues[0]?.[0] ?? ''}`
          : `${layout.exchangeType} exchange ${layout.exchange} -> ${plural(layout.queues.flat().length, 'queue')}`
        : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    await Promise.all([...this.links].map((link) => link.close()));
    this.links.clear();
    await closeConnections(this.consumerConnection, () => this.connection);
    this.connection = undefined;
    this.consumerConnection = undefined;
  }

  private requireLayout(): RabbitLayout {
    if (!this.layout) throw new Error('RabbitDriver: setup() first');
    return this.layout;
  }
}
