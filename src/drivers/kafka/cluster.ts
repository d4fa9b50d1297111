/**
 * `bench brokers up kafka-cluster`: three KRaft nodes (each broker and controller, a 3-voter quorum)
 * from the jars local.ts fetches, for the failover scenario. Every node is a named local instance
 * with its own ports and data folder under <state root>/kafka-cluster; the shared Kafka on 9092 is
 * another instance and is never touched. broker.session.timeout.ms keeps Kafka's default (9 s): a
 * killed node's partitions move after that, which is what a failover run should measure.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { BrokerUnreachableError } from '../../errors.js';
import { isPidAlive } from '../../provision/probe.js';
import { sleepMs, withTimeout } from '../../util/clock.js';
import { stateRoot } from '../../util/paths.js';
import type { ClusterNode, LocalCluster } from '../plugin.js';
import type { Topology } from '../types.js';
import { localKafkaHost, localKafkaStatus, newClusterId, startLocalKafka, stopLocalKafka, type KafkaInstance } from './local.js';
import { firstLine, kafkaTopicName } from './shared.js';

const clusterName = 'kafka-cluster';
const clusterHome = join(stateRoot, clusterName);
const clusterIdPath = join(clusterHome, 'cluster-id');
const nodeIndexes = [1, 2, 3] as const;
const brokerPort = (index: number): number => 9191 + index;
const controllerPort = (index: number): number => 9194 + index;
const quorumVoters = nodeIndexes.map((index) => `${index}@${localKafkaHost}:${controllerPort(index)}`).join(',');
const nodeAddress = (index: number): string => `${localKafkaHost}:${brokerPort(index)}`;
export const kafkaClusterUrl = nodeIndexes.map(nodeAddress).join(',');
/** per node: 512 MiB of heap, so the three JVMs stay under ~2 GiB with their off-heap share */
const maxHeap = '512m';

function instanceOf(index: number, clusterId: string): KafkaInstance {
  return {
    name: join(clusterName, `node${index}`),
    port: brokerPort(index),
    controllerPort: controllerPort(index),
    clusterNode: { nodeId: index, quorumVoters, clusterId, replicas: nodeIndexes.length },
    maxHeap,
  };
}

function checkIndex(index: number): void {
  if (!nodeIndexes.includes(index as 1 | 2 | 3)) throw new RangeError(`kafka-cluster has nodes 1..3, not ${index}`);
}

async function storedClusterId(): Promise<string | undefined> {
  return (await readFile(clusterIdPath, 'utf8').catch(() => '')).trim() || undefined;
}

/** The cluster id every node's data folder is formatted with: one per cluster, kept until `down`. */
async function clusterId(): Promise<string> {
  const stored = await storedClusterId();
  if (stored) return stored;
  const id = newClusterId();
  await mkdir(clusterHome, { recursive: true });
  await writeFile(clusterIdPath, `${id}\n`);
  return id;
}

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  // loaded here, not at start-up: the plug-in registry must not pay for a Kafka client (see ../lazy.ts)
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const kafka = new Kafka({
    clientId: 'mqbench-cluster',
    brokers: kafkaClusterUrl.split(','),
    connectionTimeout: 2000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), 10_000, () => new Error('no answer within 10 s'));
    return await use(admin);
  } finally {
    await withTimeout(admin.disconnect(), 1000, () => new Error('disconnect timed out')).catch(() => undefined);
  }
}

/** Waits until the brokers the controller quorum knows include every one of `indexes`. */
async function awaitBrokers(indexes: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const { brokers } = await withAdmin((admin) => admin.describeCluster());
      const ids = brokers.map((b) => b.nodeId);
      if (indexes.every((index) => ids.includes(index))) return;
      last = `registered brokers: ${ids.join(', ') || 'none'}`;
    } catch (error) {
      last = firstLine(error);
    }
    await sleepMs(500);
  }
  throw new BrokerUnreachableError(`${clusterName}: node(s) ${indexes.join(', ')} did not register within ${timeoutMs / 1000} s (${last}); see ${join(clusterHome, 'node*', 'broker.log')}`);
}

async function nodeOf(index: number, id: string): Promise<ClusterNode> {
  const { reachable, ours } = await localKafkaStatus(instanceOf(index, id));
  return { index, name: `node.id=${index}`, pid: ours?.pid, url: nodeAddress(index), running: reachable && ours !== undefined };
}

async function nodes(): Promise<ClusterNode[] | undefined> {
  const id = await storedClusterId();
  if (!id) return undefined;
  return Promise.all(nodeIndexes.map((index) => nodeOf(index, id)));
}

async function status(): Promise<string> {
  const list = await nodes();
  if (!list) return `${clusterName} not running (start it with \`npx bench brokers up ${clusterName}\`)`;
  const lines = list.map((n) => `  node ${n.index} at ${n.url} (controller ${localKafkaHost}:${controllerPort(n.index)}): ${n.running ? 'running' : 'not running'}${n.pid === undefined ? '' : `, pid ${n.pid}`}`);
  return [`${clusterName} started by mqbench (data in ${clusterHome}):`, ...lines].join('\n');
}

async function up(log: (line: string) => void): Promise<string> {
  const began = Date.now();
  const id = await clusterId();
  // all at once: no node finishes starting before a quorum of controllers answers
  await Promise.all(nodeIndexes.map((index) => startLocalKafka(log, instanceOf(index, id))));
  await awaitBrokers(nodeIndexes, 90_000);
  return `${await status()}\n  up in ${((Date.now() - began) / 1000).toFixed(1)} s; url ${kafkaClusterUrl}`;
}

async function down(log: (line: string) => void): Promise<string> {
  const id = await storedClusterId();
  if (!id && !existsSync(clusterHome)) return `${clusterName} nothing to stop (mqbench did not start it)`;
  log(`stopping the ${clusterName} nodes mqbench started and removing their data`);
  const stopped = await Promise.all(nodeIndexes.map((index) => stopLocalKafka(instanceOf(index, id ?? ''))));
  await rm(clusterHome, { recursive: true, force: true });
  const pids = stopped.flatMap((state) => (state ? [state.pid] : []));
  return `${clusterName} stopped (pids ${pids.join(', ') || 'none running'}); data folders removed`;
}

async function startNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  const id = await storedClusterId();
  if (!id) throw new BrokerUnreachableError(`${clusterName} is not up: start it with \`npx bench brokers up ${clusterName}\``);
  await startLocalKafka(log, instanceOf(index, id));
  await awaitBrokers([index], 90_000);
}

/** Graceful stop: SIGTERM makes the node hand its leaderships over (controlled shutdown) before exiting. */
async function stopNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  const node = (await nodes())?.[index - 1];
  if (node?.pid === undefined) return;
  log(`stopping ${clusterName} node ${index} gracefully (SIGTERM)`);
  process.kill(node.pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (isPidAlive(node.pid) && Date.now() < deadline) await sleepMs(100);
  if (isPidAlive(node.pid)) throw new BrokerUnreachableError(`${clusterName} node ${index} did not stop within 60 s`);
}

/** The leader of the run's topic's partition 0 (node ids are the node indexes). */
async function leaderOf(topology: Topology): Promise<number> {
  const topic = kafkaTopicName(topology);
  const { topics } = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [topic] }));
  const leader = topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
  if (leader === undefined || leader < 0) throw new BrokerUnreachableError(`${clusterName}: partition 0 of ${topic} has no leader now`);
  return leader;
}

/** The JVMs of the running nodes, when `url` is this cluster's (resource cost). */
async function localProcesses(url: string): Promise<number[] | undefined> {
  if (url.replace(/^kafka:\/\//i, '') !== kafkaClusterUrl) return undefined;
  return ((await nodes()) ?? []).flatMap((node) => (node.running && node.pid !== undefined ? [node.pid] : []));
}

export const kafkaCluster: LocalCluster & { localProcesses: typeof localProcesses } = {
  name: clusterName,
  url: kafkaClusterUrl,
  up,
  down,
  status,
  nodes,
  leaderOf,
  startNode,
  stopNode,
  localProcesses,
};
