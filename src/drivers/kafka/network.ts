/** The kafka plug-in's network broker: the local process or the container mqbench starts. */
import type { ContainerSpec } from '../../provision/docker.js';
import type { NetworkBroker } from '../../provision/provide.js';
import { knownLocalKafkaVersion, localKafkaStatus, localKafkaUrl, startLocalKafka, stopLocalKafka } from './local.js';

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

export const network: NetworkBroker = {
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
