import type { ContainerSpec } from '../../provision/docker.js';
import { localBrokersOf, provideNetworkBroker, type NetworkBroker } from '../../provision/provide.js';
import { LazyDriver } from '../lazy.js';
import type { BrokerPlugin } from '../plugin.js';
import { calibration } from './calibrate.js';
import type { Driver, DriverOptions } from '../types.js';
import { kafkaCleaner } from './clean.js';
import { kafkaCluster } from './cluster.js';
import { knownLocalKafkaVersion, localKafkaStatus, localKafkaUrl, startLocalKafka, stopLocalKafka } from './local.js';
import { kafkaMapping, kafkaOptions, kafkaSettings, kafkaSettingsOf } from './settings.js';

const container: ContainerSpec = {
  image: 'apache/kafka:4.1.1',
  // Kafka must advertise the port the host sees, which is known only after start: fix it up front
  port: 19092 + Math.floor(Math.random() * 1000),
  samePortOnHost: true,
  environment: (port) => ({
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
  }),
  readyLog: /Kafka Server started/,
  urlFor: (_host, port) => `127.0.0.1:${port}`,
};

const network: NetworkBroker = {
  name: 'kafka',
  defaultPort: 9092,
  container,
  composeService: 'kafka',
  async startLocal(log) {
    const { state } = await startLocalKafka(log);
    return `started: Apache Kafka ${state?.version ?? ''} at ${localKafkaUrl} (pid ${state?.pid ?? '?'}); it keeps running: stop it with \`npx bench brokers down kafka\``;
  },
  async stopLocal() {
    return (await stopLocalKafka())?.pid;
  },
  async ownStatus() {
    const { ours } = await localKafkaStatus();
    return ours ? `running at ${localKafkaUrl}: Apache Kafka ${ours.version}, local process started by mqbench (pid ${ours.pid})` : undefined;
  },
  versionOf: (url) => knownLocalKafkaVersion(url),
};

/** A bootstrap list: host:port[,host:port...], optionally after kafka://; no credentials (no SASL here). */
function kafkaAddressProblem(url: string): string | undefined {
  const list = url.replace(/^kafka:\/\//i, '');
  if (list.includes('@')) return 'user:password in a Kafka address is not supported (mqbench connects without SASL); remove it';
  const ok = list.split(',').every((address) => /^[a-z0-9.\-_]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(address.trim()));
  return ok ? undefined : 'must be host:port[,host:port...], e.g. 127.0.0.1:9092';
}

function createKafkaDriver(options: DriverOptions): Driver {
  // the clients load when the driver connects: @platformatic/kafka alone takes about a second to import
  return kafkaSettingsOf(options.settings).client === 'kafkajs'
    ? new LazyDriver('kafka', async () => new (await import('./kafkajs.js')).KafkaDriver(options))
    : new LazyDriver('kafka', async () => new (await import('./platformatic.js')).PlatformaticKafkaDriver(options));
}

/** Apache Kafka, measured with @platformatic/kafka (default) or kafkajs. */
export const kafkaPlugin: BrokerPlugin = {
  name: 'kafka',
  description: 'Apache Kafka (@platformatic/kafka or kafkajs: --kafka-client)',
  options: kafkaOptions,
  endpoint: {
    option: 'kafka-url',
    env: 'MQBENCH_KAFKA_URL',
    defaultUrl: localKafkaUrl,
    describe: `Kafka bootstrap host:port[,host:port...] (env MQBENCH_KAFKA_URL; default ${localKafkaUrl})`,
    problemWith: kafkaAddressProblem,
  },
  mapping: kafkaMapping,
  settings: kafkaSettings,
  provide: (endpoint, mode, log) => provideNetworkBroker(network, endpoint, mode, log),
  startHint: (named) =>
    named
      ? 'is a broker running there? a local one starts with `npx bench brokers up kafka`; the address came from --kafka-url or MQBENCH_KAFKA_URL'
      : 'start one with `npx bench brokers up kafka`, or pass --kafka-url',
  local: localBrokersOf(network, localKafkaUrl),
  clean: kafkaCleaner,
  calibration,
  // broker cost: only the local broker mqbench started (its state file has the java pid)
  async localProcesses(url) {
    const clusterPids = await kafkaCluster.localProcesses(url);
    if (clusterPids) return clusterPids;
    const { ours } = await localKafkaStatus();
    return ours && url.replace(/^kafka:\/\//i, '') === ours.url ? [ours.pid] : undefined;
  },
  cluster: kafkaCluster,
  create: createKafkaDriver,
};
