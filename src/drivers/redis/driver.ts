import { createRequire } from 'node:module';
import { redactUrl } from '../../util/redact.js';
import { FatalSignal } from '../fatal.js';
import { partitionForKey, partitionsBySubscription } from '../partition.js';
import type { Consumer, ConsumerSpec, Driver, DriverInfo, DriverOptions, MessageHandler, Producer, Topology } from '../types.js';
import { binaryReplies, openRedisConnection, type RedisConnection } from './connection.js';
import { redisSettingsOf, type RedisSettings } from './settings.js';
import { plural } from '../../util/plural.js';

const clientVersion = (createRequire(import.meta.url)('redis/package.json') as { version: string }).version;

/** How a topology is laid out in Redis Streams (README "Scenario mapping"). */
export interface RedisLayout {
  /** streams[partition]: one stream key per partition */
  streams: string[];
  groupOf(subscription: number): string;
}

export function redisLayout(topology: Topology): RedisLayout {
  const root = `${topology.prefix}.${topology.stream}`;
  return {
    streams: Array.from({ length: topology.partitions }, (_, p) => `${root}.p${p}`),
    groupOf: (subscription) => `s${subscription}`,
  };
}

/** XREADGROUP's RESP2 reply: per stream, its entries as [id, [field, value, ...]]. */
type StreamsReply = [Buffer, [Buffer, Buffer[]][]][] | null;

/** The payload field of an entry: the one field mqbench writes. */
const payloadField = 'd';

/** Redis Streams with node-redis: XADD, consumer groups read with blocking XREADGROUP, XACK per batch. */
export class RedisDriver implements Driver {
  readonly name = 'redis';
  private connection: RedisConnection | undefined;
  private layout: RedisLayout | undefined;
  private topology: Topology | undefined;
  private created = false;
  private attachedOnly = false;
  private consumerSpecs: ConsumerSpec[] = [];
  private nextConsumer = 0;
  private readonly fatal = new FatalSignal();
  private readonly settings: RedisSettings;

  constructor(private readonly options: DriverOptions) {
    this.settings = redisSettingsOf(options.settings);
  }

  /** `closedOnPurpose`: a consumer's own connection ends when the consumer closes, which is no lost broker. */
  private open(name: string, closedOnPurpose: () => boolean = () => false): Promise<RedisConnection> {
    const { url, connectTimeoutMs, startHint } = this.options;
    return openRedisConnection(url, connectTimeoutMs, name, startHint, (error) => {
      if (!this.fatal.closing && !closedOnPurpose()) this.fatal.raise(error);
    });
  }

  async connect(): Promise<void> {
    this.connection = await this.open('mqbench');
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatal.listen(listener);
  }

  private requireConnection(): RedisConnection {
    if (!this.connection) throw new Error('RedisDriver: connect() first');
    return this.connection;
  }

  private requireLayout(): RedisLayout {
    if (!this.layout) throw new Error('RedisDriver: setup() first');
    return this.layout;
  }

  async setup(topology: Topology): Promise<void> {
    const connection = this.requireConnection();
    this.topology = topology;
    const layout = redisLayout(topology);
    this.layout = layout;
    this.created = true; // noted first: a failure part-way must still be removed
    try {
      const creates: Promise<unknown>[] = [];
      for (let s = 0; s < topology.subscriptions; s++) {
        // MKSTREAM creates the stream; id 0: the group reads the stream from its start
        for (const stream of layout.streams) creates.push(connection.sendCommand(['XGROUP', 'CREATE', stream, layout.groupOf(s), '0', 'MKSTREAM']));
      }
      await Promise.all(creates);
    } catch (error) {
      await this.deleteStreams().catch(() => undefined);
      throw error;
    }
  }

  private async deleteStreams(): Promise<void> {
    const layout = this.layout;
    if (!layout || !this.created || !this.connection) return;
    // DEL takes many keys; groups live inside their stream and go with it
    for (let i = 0; i < layout.streams.length; i += 1000) await this.connection.sendCommand(['DEL', ...layout.streams.slice(i, i + 1000)]);
    this.created = false;
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
    this.layout = redisLayout(topology);
    this.attachedOnly = true;
  }

  assignedPartitions(): number[][] {
    return this.topology ? partitionsBySubscription(this.topology.subscriptions, this.consumerSpecs) : [];
  }

  async createProducer(): Promise<Producer> {
    const connection = this.requireConnection();
    const { streams } = this.requireLayout();
    let next = 0;
    const streamFor = (key: string | undefined): string => streams[key === undefined ? next++ % streams.length : partitionForKey(key, streams.length)] ?? '';
    return {
      // XADD always answers once the entry is appended: Redis has no unacknowledged publish
      brokerAcks: true,
      // node-redis writes every command of one tick in one batch (auto-pipelining)
      send: async (payload, key) => {
        await connection.sendCommand(['XADD', streamFor(key), '*', payloadField, payload]);
      },
      close: async () => {},
    };
  }

  /** Each consumer blocks in XREADGROUP on a connection of its own, which blocking would stall for others. */
  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const main = this.requireConnection();
    const layout = this.requireLayout();
    const name = `c${process.pid}-${this.nextConsumer++}`;
    let stopping = false;
    const connection = await this.open(`mqbench-${name}`, () => stopping);
    const clientId = String(await connection.sendCommand(['CLIENT', 'ID']));
    const streams = spec.partitions.map((p) => layout.streams[p] ?? '');
    const group = layout.groupOf(spec.subscription);
    const { count, blockMs, delivery } = this.settings;
    const noAck = delivery === 'noack';
    const read = ['XREADGROUP', 'GROUP', group, name, 'COUNT', String(count), 'BLOCK', String(blockMs), ...(noAck ? ['NOACK'] : []), 'STREAMS', ...streams, ...streams.map(() => '>')];
    // the consumer joins its group now, so `bench clean` and XINFO see it before its first read returns
    await Promise.all(streams.map((stream) => connection.sendCommand(['XGROUP', 'CREATECONSUMER', stream, group, name])));
    const loop = async (): Promise<void> => {
      let acking: Promise<unknown> = Promise.resolve();
      while (!stopping) {
        const reply = (await connection.sendCommand(read, binaryReplies)) as StreamsReply;
        for (const [stream, entries] of reply ?? []) {
          for (const [, fields] of entries) {
            const payload = fields[1];
            if (payload) onMessage(payload);
          }
          // after processing; sent ahead of the next read on the same connection (pipelined)
          if (!noAck && entries.length > 0) acking = connection.sendCommand(['XACK', stream, group, ...entries.map(([id]) => id)]);
        }
      }
      await acking;
    };
    const running = loop().catch((error: unknown) => {
      if (!stopping && !this.fatal.closing) this.fatal.raise(error instanceof Error ? error : new Error(String(error)));
    });
    this.consumerSpecs.push(spec);
    return {
      close: async () => {
        this.consumerSpecs = this.consumerSpecs.filter((s) => s !== spec);
        stopping = true;
        // a blocked read returns at once (as if it timed out) instead of after BLOCK ms
        await main.sendCommand(['CLIENT', 'UNBLOCK', clientId]).catch(() => undefined);
        await running;
        await connection.close().catch(() => connection.destroy());
      },
    };
  }

  async waitUntilConsumersReady(): Promise<void> {
    // groups are created at setup from id 0: a consumer sees every entry added after it, and before
  }

  async teardown(): Promise<void> {
    if (!this.connection || this.attachedOnly) return;
    await this.deleteStreams();
  }

  async info(): Promise<DriverInfo> {
    const connection = this.requireConnection();
    const server = String(await connection.sendCommand(['INFO', 'server']));
    const version = /^redis_version:(\S+)/m.exec(server)?.[1] ?? 'unknown';
    const layout = this.layout;
    const { count, blockMs, delivery } = this.settings;
    return {
      broker: 'Redis',
      brokerVersion: version,
      client: { name: 'redis', version: clientVersion },
      url: redactUrl(this.options.url),
      settings: { api: 'Streams', xreadgroupNoAck: delivery === 'noack', count, blockMs, ackPerBatch: delivery === 'ack', autoPipelining: true },
      mapping: layout ? `${plural(layout.streams.length, 'stream')} ${layout.streams[0] ?? ''}${layout.streams.length > 1 ? ' ..' : ''}, one consumer group per subscription` : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    await this.connection?.close().catch(() => this.connection?.destroy());
    this.connection = undefined;
  }
}
