import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { createRequire } from 'node:module';
import { BrokerUnreachableError } from '../../errors.js';
import { redactUrl } from '../../util/redact.js';
import { closeConnections } from '../connections.js';
import { FatalSignal } from '../fatal.js';
import { partitionForKey, partitionsBySubscription } from '../partition.js';
import type { Consumer, ConsumerSpec, Driver, DriverInfo, DriverOptions, MessageHandler, Producer, Topology } from '../types.js';
import { openNatsConnection } from './connection.js';
import { natsSettingsOf, type NatsSettings } from './settings.js';
import { plural } from '../../util/plural.js';

const clientVersion = (createRequire(import.meta.url)('@nats-io/transport-node/package.json') as { version: string }).version;

/** How a topology is laid out on NATS (README "Scenario mapping"). */
export interface NatsLayout {
  /**
   * the JetStream stream (ack delivery), named after the run alone: stream names allow no '.', and
   * `bench clean` reads a run's id from the part of a name before the first '.'. The scenario's
   * stream name is in the subjects.
   */
  stream: string;
  /** subjects[partition] */
  subjects: string[];
  /** durable consumer (ack) or queue group (noack) of a subscription's partition */
  groupOf(subscription: number, partition: number): string;
}

export function natsLayout(topology: Topology): NatsLayout {
  const root = `${topology.prefix}.${topology.stream}`;
  return {
    stream: topology.prefix,
    subjects: Array.from({ length: topology.partitions }, (_, p) => `${root}.p${p}`),
    groupOf: (subscription, partition) => `s${subscription}-p${partition}`,
  };
}

/** A view of a Uint8Array as a Buffer, without copying the message. */
const bufferOf = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/**
 * NATS: core publish/subscribe in noack delivery (at most once, nothing stored), JetStream in ack
 * delivery (a stream per run, PubAck per publish, durable pull consumers acking after processing).
 */
export class NatsDriver implements Driver {
  readonly name = 'nats';
  private connection: NatsConnection | undefined;
  private consumerConnection: Promise<NatsConnection> | undefined;
  private layout: NatsLayout | undefined;
  private topology: Topology | undefined;
  private streamCreated = false;
  private attachedOnly = false;
  private consumerSpecs: ConsumerSpec[] = [];
  private readonly fatal = new FatalSignal();
  private readonly settings: NatsSettings;

  constructor(private readonly options: DriverOptions) {
    this.settings = natsSettingsOf(options.settings);
  }

  private get jetStream(): boolean {
    return this.settings.delivery === 'ack';
  }

  async connect(): Promise<void> {
    this.connection = await this.open('mqbench');
  }

  private async open(name: string): Promise<NatsConnection> {
    const connection = await openNatsConnection(this.options.url, this.options.connectTimeoutMs, name, this.options.startHint);
    void connection.closed().then((error) => {
      if (!this.fatal.closing) this.fatal.raise(error instanceof Error ? error : new Error('connection to NATS closed by the server'));
    });
    return connection;
  }

  /** Consumers read on a connection of their own: a publishing flood must not delay their reads and acks. */
  private consumerConnectionOf(): Promise<NatsConnection> {
    this.consumerConnection ??= this.open('mqbench-consumers');
    return this.consumerConnection;
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatal.listen(listener);
  }

  private requireConnection(): NatsConnection {
    if (!this.connection) throw new Error('NatsDriver: connect() first');
    return this.connection;
  }

  private requireLayout(): NatsLayout {
    if (!this.layout) throw new Error('NatsDriver: setup() first');
    return this.layout;
  }

  async setup(topology: Topology): Promise<void> {
    const connection = this.requireConnection();
    this.topology = topology;
    this.layout = natsLayout(topology);
    if (!this.jetStream) return; // core NATS: subjects need no declaration
    const manager = await jetstreamManager(connection, { timeout: Math.max(this.options.connectTimeoutMs, 10_000) }).catch((error: unknown) => {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      if (!/not enabled|503|no responders/i.test(reason)) throw error;
      throw new BrokerUnreachableError(`NATS at ${redactUrl(this.options.url)} has no JetStream, which ack delivery needs: start the server with \`nats-server -js\``);
    });
    const layout = this.layout;
    this.streamCreated = true; // noted before the request: one that timed out may still exist
    try {
      await manager.streams.add({
        name: layout.stream,
        subjects: layout.subjects,
        storage: this.settings.storage === 'memory' ? StorageType.Memory : StorageType.File,
        num_replicas: 1,
      });
      for (let s = 0; s < topology.subscriptions; s++) {
        for (const [p, subject] of layout.subjects.entries()) {
          await manager.consumers.add(layout.stream, {
            durable_name: layout.groupOf(s, p),
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
            filter_subject: subject,
            max_ack_pending: this.settings.maxAckPending,
          });
        }
      }
    } catch (error) {
      // the stream holds its consumers: deleting it removes whatever part of the topology was made
      await this.deleteStream(manager).catch(() => undefined);
      throw error;
    }
  }

  private async deleteStream(manager: JetStreamManager): Promise<void> {
    const layout = this.layout;
    if (!layout || !this.streamCreated) return;
    try {
      await manager.streams.delete(layout.stream);
    } catch (error) {
      if (!/stream not found/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
    this.streamCreated = false;
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
    this.layout = natsLayout(topology);
    this.attachedOnly = true;
  }

  assignedPartitions(): number[][] {
    return this.topology ? partitionsBySubscription(this.topology.subscriptions, this.consumerSpecs) : [];
  }

  private subjectPicker(): (key: string | undefined) => string {
    const { subjects } = this.requireLayout();
    let next = 0;
    return (key) => {
      const partition = key === undefined ? next++ % subjects.length : partitionForKey(key, subjects.length);
      return subjects[partition] ?? subjects[0] ?? '';
    };
  }

  async createProducer(): Promise<Producer> {
    const connection = this.requireConnection();
    const subjectFor = this.subjectPicker();
    if (this.jetStream) {
      const js: JetStreamClient = jetstream(connection);
      return {
        brokerAcks: true,
        send: async (payload, key) => {
          // the PubAck: the stream has stored the message
          await js.publish(subjectFor(key), payload);
        },
        close: async () => {},
      };
    }
    // Core NATS has no acknowledgement: a send resolves when a flush (PING/PONG) issued after it
    // returns, i.e. the server has read it. One flush covers every send of the same tick.
    let flushing: Promise<void> | undefined;
    return {
      brokerAcks: false,
      send: (payload, key) => {
        try {
          connection.publish(subjectFor(key), payload);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error))); // a closed connection throws
        }
        flushing ??= Promise.resolve().then(() => {
          flushing = undefined;
          return connection.flush();
        });
        return flushing;
      },
      close: () => connection.flush().catch(() => undefined),
    };
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    this.requireConnection();
    const connection = await this.consumerConnectionOf();
    const layout = this.requireLayout();
    this.consumerSpecs.push(spec);
    const stops = this.jetStream
      ? await this.consumeJetStream(connection, layout, spec, onMessage)
      : await this.subscribeCore(connection, layout, spec, onMessage);
    return {
      close: async () => {
        this.consumerSpecs = this.consumerSpecs.filter((s) => s !== spec);
        for (const stop of stops) await stop();
        // acks are fire-and-forget publishes: make sure the server has them before the run ends
        await connection.flush().catch(() => undefined);
      },
    };
  }

  private async subscribeCore(connection: NatsConnection, layout: NatsLayout, spec: ConsumerSpec, onMessage: MessageHandler): Promise<(() => Promise<void>)[]> {
    const subscriptions: Subscription[] = spec.partitions.map((p) =>
      // a queue group per (subscription, partition): competing consumers share, subscriptions do not
      connection.subscribe(layout.subjects[p] ?? '', {
        queue: `${this.requireTopology().prefix}.${layout.groupOf(spec.subscription, p)}`,
        callback: (error: Error | null, message: Msg) => {
          if (!error) onMessage(bufferOf(message.data));
        },
      }),
    );
    // the server has the SUB once a round trip after it returns: later publishes reach it
    await connection.flush();
    return subscriptions.map((s) => async () => s.unsubscribe());
  }

  private async consumeJetStream(connection: NatsConnection, layout: NatsLayout, spec: ConsumerSpec, onMessage: MessageHandler): Promise<(() => Promise<void>)[]> {
    const js = jetstream(connection);
    const running: ConsumerMessages[] = [];
    for (const p of spec.partitions) {
      const consumer = await js.consumers.get(layout.stream, layout.groupOf(spec.subscription, p));
      running.push(
        await consumer.consume({
          max_messages: this.settings.pullBatch,
          callback: (message: JsMsg) => {
            onMessage(bufferOf(message.data));
            message.ack(); // after processing: at least once
          },
        }),
      );
    }
    return running.map((messages) => async () => {
      await messages.close();
    });
  }

  private requireTopology(): Topology {
    if (!this.topology) throw new Error('NatsDriver: setup() first');
    return this.topology;
  }

  async waitUntilConsumersReady(): Promise<void> {
    // core: the SUB was flushed; JetStream: durable consumers keep every message from the stream's start
  }

  async teardown(): Promise<void> {
    if (!this.connection || this.attachedOnly) return;
    if (this.streamCreated) await this.deleteStream(await jetstreamManager(this.connection));
    this.layout = undefined;
  }

  /** The topology this driver set up and has not torn down (core NATS keeps nothing on the server). */
  holds(topology: Topology): boolean {
    return this.layout !== undefined && this.topology?.prefix === topology.prefix;
  }

  /** The JetStream stream holding the topology, or undefined in core NATS (noack) delivery. */
  streamOf(topology: Topology): string | undefined {
    return this.jetStream ? natsLayout(topology).stream : undefined;
  }

  async info(): Promise<DriverInfo> {
    const connection = this.requireConnection();
    const layout = this.layout;
    const settings = this.settings;
    return {
      broker: 'NATS',
      brokerVersion: connection.info?.version ?? 'unknown',
      client: { name: '@nats-io/transport-node', version: clientVersion },
      url: redactUrl(this.options.url),
      settings: this.jetStream
        ? { api: 'JetStream', storage: settings.storage, ackPolicy: 'explicit', publishAwaitsPubAck: true, maxAckPending: settings.maxAckPending, pullBatch: settings.pullBatch }
        : { api: 'core NATS', persistence: false, sendResolvesOn: 'flush round trip' },
      mapping: !layout
        ? 'not set up'
        : this.jetStream
          ? `JetStream stream ${layout.stream}, ${plural(layout.subjects.length, 'subject')}, durable consumers per subscription and partition`
          : `core subjects ${layout.subjects[0] ?? ''}${layout.subjects.length > 1 ? ` .. (${layout.subjects.length})` : ''}, queue group per subscription`,
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    await closeConnections(this.consumerConnection, () => this.connection);
    this.connection = undefined;
    this.consumerConnection = undefined;
  }
}
