import { connect, Offset, type Client, type Consumer as StreamConsumer, type Publisher } from 'rabbitmq-stream-js-client';
import { createRequire } from 'node:module';
import { BrokerUnreachableError, UsageError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import { FatalSignal } from '../fatal.js';
import { partitionForKey, partitionsBySubscription } from '../partition.js';
import type { Consumer, ConsumerSpec, Driver, DriverInfo, DriverOptions, MessageHandler, Producer, Topology } from '../types.js';
import { adaptStreamClient, deliverInOrder } from './compat.js';
import { ConfirmTracker } from './confirms.js';
import { streamSettingsOf, type StreamSettings } from './settings.js';
import { parseStreamUrl } from './url.js';
import { plural } from '../../util/plural.js';

/** The client's credit policies (its package index does not re-export them). */
const creditPolicies = createRequire(import.meta.url)('rabbitmq-stream-js-client/dist/consumer_credit_policy.js') as typeof import('rabbitmq-stream-js-client/dist/consumer_credit_policy.js');

const clientVersion = (createRequire(import.meta.url)('rabbitmq-stream-js-client/package.json') as { version: string }).version;

/** The streams of a topology, one per partition; every subscription reads all of them (streams are not consumed away). */
export function streamNames(topology: Topology): string[] {
  const base = `${topology.prefix}.${topology.stream}`;
  return topology.partitions === 1 ? [base] : Array.from({ length: topology.partitions }, (_, p) => `${base}.p${p}`);
}

export class RabbitStreamDriver implements Driver {
  readonly name = 'rabbit-stream';
  private client: Client | undefined;
  private topology: Topology | undefined;
  private created: string[] = [];
  private consumerSpecs: ConsumerSpec[] = [];
  private readonly confirms = new ConfirmTracker();
  private readonly fatal = new FatalSignal();
  private readonly settings: StreamSettings;

  constructor(private readonly options: DriverOptions) {
    this.settings = streamSettingsOf(options.settings);
  }

  async connect(): Promise<void> {
    adaptStreamClient();
    const { url, connectTimeoutMs } = this.options;
    try {
      this.client = await withTimeout(
        connect({
          ...parseStreamUrl(url),
          socketTimeout: connectTimeoutMs,
          listeners: {
            publish_confirm: (confirm, connectionId) => this.confirms.confirmed(connectionId, confirm.publisherId, confirm.publishingIds),
            publish_error: (error, connectionId) =>
              this.confirms.failed(connectionId, error.publisherId, error.publishingError.publishingId, `publish error code ${error.publishingError.code}`),
            connection_closed: () => {
              if (!this.fatal.closing) this.fatal.raise(new Error('connection to the RabbitMQ stream port closed'));
            },
          },
        }),
        connectTimeoutMs,
        () => new Error(`no answer within ${connectTimeoutMs} ms`),
      );
      deliverInOrder(this.client);
    } catch (error) {
      const reason = redactSecretsIn((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '', [url]);
      const refused = /access refused/.test(reason);
      throw new BrokerUnreachableError(`cannot connect to the RabbitMQ stream port at ${redactUrl(url)}: ${reason}${refused ? '' : ` (${this.options.startHint ?? 'is RabbitMQ with the stream plugin running there?'})`}`);
    }
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatal.listen(listener);
  }

  async setup(topology: Topology): Promise<void> {
    const client = this.requireClient();
    this.topology = topology;
    for (const stream of streamNames(topology)) {
      // noted before the request: one that timed out may still exist, and teardown deletes it
      this.created.push(stream);
      await client.createStream({ stream });
    }
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
  }

  assignedPartitions(): number[][] {
    return this.topology ? partitionsBySubscription(this.topology.subscriptions, this.consumerSpecs) : [];
  }

  async createProducer(): Promise<Producer> {
    const client = this.requireClient();
    const topology = this.requireTopology();
    const streams = streamNames(topology);
    const publishers: Publisher[] = [];
    for (const stream of streams) publishers.push(await client.declarePublisher({ stream, maxChunkLength: this.settings.batch }));
    const awaitConfirms = this.settings.delivery === 'ack';
    let nextPartition = 0;
    return {
      brokerAcks: awaitConfirms,
      send: async (payload: Buffer, key?: string): Promise<void> => {
        const partition = key === undefined ? nextPartition++ % streams.length : partitionForKey(key, streams.length);
        const publisher = publishers[partition] as Publisher;
        const { publishingId, connectionId } = await publisher.send(payload);
        // the broker confirms every publish; noack delivery does not wait for it
        if (awaitConfirms) await this.confirms.wait(connectionId, publisher.publisherId, publishingId);
        else this.confirms.forget(connectionId, publisher.publisherId, publishingId);
      },
      close: async () => {
        for (const publisher of publishers) await publisher.close().catch(() => undefined);
      },
    };
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const client = this.requireClient();
    const topology = this.requireTopology();
    if (spec.groupSize > topology.partitions) {
      throw new UsageError(`rabbit-stream: ${spec.groupSize} consumers on ${plural(topology.partitions, 'stream')}: a stream has no competing consumers (use --consumers no larger than --partitions)`);
    }
    const streams = streamNames(topology);
    const tracking = this.settings.delivery === 'ack';
    const consumers: StreamConsumer[] = [];
    for (const partition of spec.partitions) {
      // offset first: the run's own stream holds nothing older than the run, so the consumer misses
      // nothing sent before its subscription was registered, whatever the timing
      const consumer = await client.declareConsumer(
        {
          stream: streams[partition] as string,
          offset: Offset.first(),
          // the client's default (1 chunk, a new credit once it is processed) costs a round trip per chunk:
          // keep --stream-credits chunks in flight, asking for one more as each arrives
          creditPolicy: creditPolicies.creditsOnChunkReceived(this.settings.credits, 1),
          ...(tracking ? { consumerRef: `${topology.prefix}-s${spec.subscription}` } : {}),
        },
        (message) => onMessage(message.content),
      );
      consumers.push(consumer);
    }
    this.consumerSpecs.push(spec);
    const stored = new Map<StreamConsumer, bigint>();
    // offset tracking: store each consumer's offset periodically, never per message (a write to the stream each time)
    const storeOffsets = (): void => {
      for (const consumer of consumers) {
        const offset = consumer.getOffset();
        if (stored.get(consumer) === offset) continue;
        stored.set(consumer, offset);
        consumer.storeOffset(offset).catch(() => undefined);
      }
    };
    const timer = tracking ? setInterval(storeOffsets, this.settings.storeIntervalMs) : undefined;
    return {
      close: async () => {
        this.consumerSpecs = this.consumerSpecs.filter((s) => s !== spec);
        if (timer) {
          clearInterval(timer);
          storeOffsets();
        }
        for (const consumer of consumers) await consumer.close().catch(() => undefined);
      },
    };
  }

  async waitUntilConsumersReady(): Promise<void> {
    // the subscribe response means the consumer is attached; nothing more to wait for
  }

  async teardown(): Promise<void> {
    const client = this.client;
    if (!client || this.created.length === 0) return;
    const failed: string[] = [];
    for (const stream of this.created) {
      await client.deleteStream({ stream }).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        // code 2, "stream does not exist": one that was never created (setup failed on it) is gone already
        if (!/error with code 2$/.test(reason)) failed.push(`${stream} (${reason.split('\n')[0] ?? ''})`);
      });
    }
    this.created = [];
    if (failed.length > 0) throw new Error(`could not delete ${plural(failed.length, 'stream')}, e.g. ${failed[0] ?? ''}`);
  }

  async info(): Promise<DriverInfo> {
    const client = this.requireClient();
    const topology = this.topology;
    const tracking = this.settings.delivery === 'ack';
    return {
      broker: 'RabbitMQ',
      brokerVersion: client.rabbitManagementVersion || 'unknown (the stream port did not say)',
      client: { name: 'rabbitmq-stream-js-client', version: clientVersion },
      url: redactUrl(this.options.url),
      settings: {
        protocol: 'RabbitMQ stream',
        publishConfirmsAwaited: tracking,
        maxChunkLength: this.settings.batch,
        consumerCredits: this.settings.credits,
        offsetTracking: tracking,
        ...(tracking ? { storeOffsetIntervalMs: this.settings.storeIntervalMs } : {}),
        consumerOffset: 'first',
      },
      mapping: topology ? `${plural(streamNames(topology).length, 'stream')} ${streamNames(topology)[0] ?? ''}${topology.partitions > 1 ? '..' : ''}, ${plural(topology.subscriptions, 'consumer')} per stream` : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    this.confirms.rejectAll('the driver closed');
    await this.client?.close().catch(() => undefined);
    this.client = undefined;
  }

  private requireClient(): Client {
    if (!this.client) throw new Error('RabbitStreamDriver: connect() first');
    return this.client;
  }

  private requireTopology(): Topology {
    if (!this.topology) throw new Error('RabbitStreamDriver: setup() first');
    return this.topology;
  }
}
