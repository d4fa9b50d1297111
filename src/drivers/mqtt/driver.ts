import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { BrokerUnreachableError, UsageError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import { FatalSignal } from '../fatal.js';
import { partitionForKey, partitionsBySubscription } from '../partition.js';
import type { Consumer, ConsumerSpec, Driver, DriverInfo, DriverOptions, MessageHandler, Producer, Topology } from '../types.js';
import { mqttSettingsOf, type MqttSettings } from './settings.js';
import { mqttTargetOf } from './url.js';
import { brokerVersionOf } from './version.js';
import { plural } from '../../util/plural.js';

const mqttVersion = (createRequire(import.meta.url)('mqtt/package.json') as { version: string }).version;

/** Topic of partition p: `<prefix>/<stream>/<p>` (MQTT topics need no declaration: nothing to create). */
export function mqttTopic(topology: Topology, partition: number): string {
  return `${topology.prefix}/${topology.stream}/${partition}`;
}

/** The filter a consumer subscribes with: competing consumers on one topic share it (MQTT 5 shared subscription). */
function filterFor(topology: Topology, spec: ConsumerSpec, partition: number): string {
  const topic = mqttTopic(topology, partition);
  return spec.groupSize > topology.partitions ? `$share/${topology.prefix}-s${spec.subscription}/${topic}` : topic;
}

export class MqttDriver implements Driver {
  readonly name = 'mqtt';
  private control: MqttClient | undefined;
  private readonly clients = new Set<MqttClient>();
  private topology: Topology | undefined;
  private consumerSpecs: ConsumerSpec[] = [];
  private brokerVersion: string | undefined;
  private readonly fatal = new FatalSignal();
  private readonly settings: MqttSettings;
  /** one per driver, so two drivers (workers) never take each other's client ids */
  private readonly clientTag = randomBytes(3).toString('hex');

  constructor(private readonly options: DriverOptions) {
    this.settings = mqttSettingsOf(options.settings);
  }

  async connect(): Promise<void> {
    this.control = await this.openClient('control');
  }

  /**
   * A client with a clean session (MQTT 5: clean start, session expiry 0): its subscriptions are
   * live from the SUBACK, and nothing stays on the broker after it disconnects. No automatic
   * reconnect: a new clean session would silently miss messages, so a lost connection is fatal.
   */
  private async openClient(role: string): Promise<MqttClient> {
    const { url, connectTimeoutMs } = this.options;
    const options: IClientOptions = {
      protocolVersion: this.settings.protocolVersion,
      clean: true,
      clientId: `mqbench-${this.clientTag}-${role}`,
      reconnectPeriod: 0,
      connectTimeout: connectTimeoutMs,
    };
    let client: MqttClient;
    try {
      // the login apart from the URL: mqtt.js would split a password holding ':' (url.ts)
      const target = mqttTargetOf(url);
      client = await withTimeout(mqtt.connectAsync(target.url, { ...options, ...target.login }), connectTimeoutMs, () => new Error(`no answer within ${connectTimeoutMs} ms`));
    } catch (error) {
      const reason = redactSecretsIn((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '', [url]);
      const refused = /not authori[sz]ed|bad user name or password/i.test(reason);
      throw new BrokerUnreachableError(`cannot connect to MQTT at ${redactUrl(url)}: ${reason}${refused ? '' : ` (${this.options.startHint ?? 'is an MQTT broker running at that URL?'})`}`);
    }
    this.clients.add(client);
    client.on('close', () => {
      if (!this.fatal.closing) this.fatal.raise(new Error(`MQTT connection ${role} closed by the broker`));
    });
    client.on('error', (error) => this.fatal.raise(new Error(redactSecretsIn(error.message, [url]))));
    return client;
  }

  private async closeClient(client: MqttClient): Promise<void> {
    this.clients.delete(client);
    client.removeAllListeners('close');
    await client.endAsync().catch(() => undefined);
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatal.listen(listener);
  }

  async setup(topology: Topology): Promise<void> {
    this.requireControl();
    this.topology = topology;
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
  }

  /** True while the driver has a topology set up (MQTT topics live only in subscriptions). */
  holds(prefix: string): boolean {
    return this.topology?.prefix === prefix;
  }

  assignedPartitions(): number[][] {
    return this.topology ? partitionsBySubscription(this.topology.subscriptions, this.consumerSpecs) : [];
  }

  async createProducer(producerId: number): Promise<Producer> {
    const topology = this.requireTopology();
    const client = await this.openClient(`p${producerId}`);
    const qos = this.settings.qos;
    let nextPartition = 0;
    const topicFor = (key: string | undefined): string =>
      mqttTopic(topology, key === undefined ? nextPartition++ % topology.partitions : partitionForKey(key, topology.partitions));
    return {
      // QoS 1: publishAsync resolves on the broker's PUBACK; QoS 0: once the client has written it
      brokerAcks: qos === 1,
      send: async (payload: Buffer, key?: string): Promise<void> => {
        await client.publishAsync(topicFor(key), payload, { qos });
      },
      close: () => this.closeClient(client),
    };
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const topology = this.requireTopology();
    const client = await this.openClient(`s${spec.subscription}c${this.consumerSpecs.length}`);
    // mqtt.js emits 'message' before it sends the PUBACK (QoS 1): acknowledged after processing
    client.on('message', (_topic, payload) => onMessage(payload));
    const filters = spec.partitions.map((p) => filterFor(topology, spec, p));
    const granted = await client.subscribeAsync(filters, { qos: this.settings.qos });
    const refused = granted.filter((g) => g.qos === 128 || g.qos > 2);
    if (refused.length > 0) {
      await this.closeClient(client);
      const shared = filters.some((f) => f.startsWith('$share/'));
      throw new UsageError(`the MQTT broker refused the subscription ${refused[0]?.topic ?? ''}${shared ? ' (a shared subscription: use --consumers no larger than --partitions)' : ''}`);
    }
    this.consumerSpecs.push(spec);
    return {
      close: async () => {
        this.consumerSpecs = this.consumerSpecs.filter((s) => s !== spec);
        await this.closeClient(client);
      },
    };
  }

  async waitUntilConsumersReady(): Promise<void> {
    // SUBACK means the subscription is live; nothing more to wait for
  }

  async teardown(): Promise<void> {
    // nothing to remove: no retained messages are published, and clean sessions end with their connections
    this.topology = undefined;
  }

  async info(): Promise<DriverInfo> {
    const control = this.requireControl();
    this.brokerVersion ??= this.options.brokerVersion ?? (await brokerVersionOf(control));
    const { protocolVersion, qos } = this.settings;
    const topology = this.topology;
    return {
      broker: 'MQTT',
      brokerVersion: this.brokerVersion,
      client: { name: 'mqtt', version: mqttVersion },
      url: redactUrl(this.options.url),
      settings: { protocol: protocolVersion === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1', qos, cleanSession: true, retain: false },
      mapping: topology
        ? `${plural(topology.partitions, 'topic')} ${mqttTopic(topology, 0)}${topology.partitions > 1 ? '..' : ''}, ${plural(topology.subscriptions, 'subscription')}, QoS ${qos}`
        : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    await Promise.all([...this.clients].map((c) => this.closeClient(c)));
    this.control = undefined;
  }

  private requireControl(): MqttClient {
    if (!this.control) throw new Error('MqttDriver: connect() first');
    return this.control;
  }

  private requireTopology(): Topology {
    if (!this.topology) throw new Error('MqttDriver: setup() first');
    return this.topology;
  }
}
