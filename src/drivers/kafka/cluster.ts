/**
 * `bench brokers up kafka-cluster`: three KRaft nodes (each broker and controller, a 3-voter quorum)
 * from the jars local.ts fetches, for the failover scenario. Every node is a named local instance
 * with its own ports and data folder under <state root>/kafka-cluster; the shared Kafka on 9092 is
 * another instance and is never touched. broker.session.timeout.ms keeps Kafka's default (9 s) on
 * loopback: a killed node's partitions move after that, which is what a failover run should measure.
 * With --netns each node runs in a network namespace of its own (cluster-layout.ts), so that
 * --fault partition can cut it off (partitionNode, healNode; provision/network).
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { BrokerUnreachableError } from '../../errors.js';
import { claimWithFolder, releaseSlot } from '../../provision/checkouts.js';
import { checkNetworkSupport, clusterPartitioner, networkDown, networkUp } from '../../provision/network/index.js';
import { isPidAlive } from '../../provision/probe.js';
import { frozenNodeLines } from '../../provision/process-state.js';
import { sleepMs, withTimeout } from '../../util/clock.js';
import { tailFiles } from '../../util/log-tail.js';
import type { ClusterNode, ClusterUpOptions, LocalCluster } from '../plugin.js';
import type { Topology } from '../types.js';
import { brokerReporter } from './broker-reports.js';
import { brokerAddressOf, chosenKind, clusterHome, clusterName, clusterNetwork, clusterUrlOf, currentLayout, currentSlot, isNetnsCluster, nodeIndexes, nodeInstanceName, nodeLayout, quorumVotersOf, rememberedKind, rememberKind, type ClusterKind } from './cluster-layout.js';
import { kafkaLogPath, localKafkaFrozen, localKafkaStatus, newClusterId, resumeLocalKafka, startLocalKafka, stopLocalKafka, type KafkaInstance } from './local.js';
import { firstLine, kafkaTopicName } from './shared.js';
import { nounFor } from '../../util/plural.js';

const clusterIdPath = join(clusterHome, 'cluster-id');
/** per node: 512 MiB of heap, so the three JVMs stay under ~2 GiB with their off-heap share */
const maxHeap = '512m';

/**
 * The nodes' logging: warnings, as the shared broker's (brokers/kafka/log4j2.properties), and besides
 * them the INFO lines of the loggers that say what the cluster noticed (watchReports reads them): a
 * partition's ISR shrinking and growing back (kafka.cluster.Partition, on the leader), a new leader
 * and its ISR (state.change.logger), and a broker fenced or unfenced by the active controller.
 */
const reportLoggers = ['kafka.cluster.Partition', 'state.change.logger', 'org.apache.kafka.controller.ReplicationControlManager', 'org.apache.kafka.controller.BrokerHeartbeatManager'];
const logConfig = [
  '# written by mqbench: warnings, plus the ISR and fencing lines watchReports follows',
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  ...reportLoggers.flatMap((name, i) => [`logger.report${i}.name = ${name}`, `logger.report${i}.level = info`]),
  '',
].join('\n');
const logConfigPath = join(clusterHome, 'log4j2.properties');

/**
 * A netns cluster's failure detection. A partition drops packets silently, and the controller fences
 * a broker (and moves its leaderships) only when its heartbeats have stopped for
 * broker.session.timeout.ms, 9 s by default: longer than a run's fault window, so the partition would
 * be healed before the cluster noticed it. Measured here (leader isolated, 4 runs each): at 4 s an
 * isolated node was fenced 3.4-4.2 s into the partition, and 6.2-6.6 s when it was also the active
 * controller (the other two elect a new one first, which then gives every broker a full session); at
 * 3 s (heartbeats every 0.75 s) 2.8 s, and 4.8-6.5 s. An 8 s fault window sees the leadership move.
 */
const partitionProperties = ['broker.session.timeout.ms=3000', 'broker.heartbeat.interval.ms=750'];

function instanceOf(index: number, clusterId: string, kind: ClusterKind = { netns: isNetnsCluster(), slot: currentSlot() }): KafkaInstance {
  const layout = nodeLayout(index, kind.netns, kind.slot);
  return {
    name: nodeInstanceName(index),
    host: layout.host,
    port: layout.port,
    controllerPort: layout.controllerPort,
    clusterNode: { nodeId: index, quorumVoters: quorumVotersOf(kind.netns, kind.slot), clusterId, replicas: nodeIndexes.length },
    maxHeap,
    log4jConfig: logConfigPath,
    ...(layout.namespace ? { namespace: layout.namespace, extraProperties: partitionProperties } : {}),
  };
}

function checkIndex(index: number): void {
  if (!nodeIndexes.includes(index as 1 | 2 | 3)) throw new RangeError(`kafka-cluster has nodes 1..3, not ${index}`);
}

const clusterUrl = (): string => clusterUrlOf(isNetnsCluster());

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
    brokers: clusterUrl().split(','),
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
  throw new BrokerUnreachableError(`${clusterName}: ${nounFor(indexes.length, 'node')} ${indexes.join(', ')} did not register within ${timeoutMs / 1000} s (${last}); see ${join(clusterHome, 'node*', 'broker.log')}`);
}

/** A node as `brokers status` tells it: a frozen one (SIGSTOP) accepts connections but is not running. */
type NodeState = ClusterNode & { frozen: boolean };

async function nodeOf(index: number, id: string): Promise<NodeState> {
  const instance = instanceOf(index, id);
  const [{ reachable, ours }, frozen] = await Promise.all([localKafkaStatus(instance), localKafkaFrozen(instance)]);
  const running = reachable && ours !== undefined && frozen.length === 0;
  return { index, name: `node.id=${index}`, pid: ours?.pid, url: brokerAddressOf(currentLayout(index)), running, frozen: frozen.length > 0 };
}

async function nodes(): Promise<NodeState[] | undefined> {
  const id = await storedClusterId();
  if (!id) return undefined;
  return Promise.all(nodeIndexes.map((index) => nodeOf(index, id)));
}

function describe(node: NodeState): string {
  const layout = currentLayout(node.index);
  const where = layout.namespace ? `, namespace ${layout.namespace}` : '';
  const state = node.frozen ? 'stopped (SIGSTOP)' : node.running ? 'running' : 'not running';
  return `  node ${node.index} at ${node.url} (controller ${layout.host}:${layout.controllerPort}${where}): ${state}${node.pid === undefined ? '' : `, pid ${node.pid}`}`;
}

/**
 * The nodes a killed run left stopped (--fault stop), continued (SIGCONT): one line per node. The
 * controller fenced such a node; continued, it registers again and is unfenced once it caught up.
 */
async function resumeFrozen(dryRun = false): Promise<string[]> {
  const id = await storedClusterId();
  if (!id) return [];
  if (dryRun) return frozenNodeLines(clusterName, (await nodes()) ?? []);
  const lines = await Promise.all(nodeIndexes.map((index) => resumeLocalKafka(instanceOf(index, id))));
  return lines.flatMap((line, k) => (line ? [`${clusterName} node ${nodeIndexes[k]}: ${line}`] : []));
}

function kindLine(kind: ClusterKind | undefined): string[] {
  if (!kind?.netns) return [];
  const net = clusterNetwork();
  return [`  per-node networks: ${net.subnet} on bridge ${net.bridge}; ${partitionProperties.join(', ')}`];
}

async function status(): Promise<string> {
  const list = await nodes();
  if (!list) return `${clusterName} not running (start it with \`npx bench brokers up ${clusterName}\`)`;
  return [`${clusterName} started by mqbench (data in ${clusterHome}):`, ...kindLine(rememberedKind()), ...list.map(describe)].join('\n');
}

/** What other checkouts see of a cluster in `slot` (provision/checkouts.ts). */
function claimOf(slot: number, netns: boolean): { network: string; nodes: string[] } {
  return { network: clusterNetwork(slot).cluster, nodes: nodeIndexes.map((index) => `node.id=${index} at ${brokerAddressOf(nodeLayout(index, netns, slot))}`) };
}

/** The cluster's folder with its slot on this host, kind, logging and, for a netns cluster, its network; refusals come first. */
async function prepare(options: ClusterUpOptions): Promise<ClusterKind> {
  const chosen = chosenKind(options);
  // one line, exit 2, before anything is written or started
  if (chosen.netns) await checkNetworkSupport();
  const slot = await claimWithFolder({ cluster: clusterName, home: clusterHome, netns: chosen.netns, remembered: rememberedKind()?.slot, describe: (s) => claimOf(s, chosen.netns) }, async () => {
    await mkdir(clusterHome, { recursive: true });
  });
  await writeFile(logConfigPath, logConfig);
  const kind = { ...chosen, slot };
  await rememberKind(kind);
  if (kind.netns) await networkUp(clusterNetwork(slot));
  return kind;
}

async function up(log: (line: string) => void, options: ClusterUpOptions = {}): Promise<string> {
  const began = Date.now();
  const kind = await prepare(options);
  const id = await clusterId();
  // a node a killed run left frozen is continued by startLocalKafka (which says so)
  // all at once: no node finishes starting before a quorum of controllers answers
  await Promise.all(nodeIndexes.map((index) => startLocalKafka(log, instanceOf(index, id, kind))));
  await awaitBrokers(nodeIndexes, 90_000);
  return `${await status()}\n  up in ${((Date.now() - began) / 1000).toFixed(1)} s; url ${clusterUrl()}`;
}

async function down(log: (line: string) => void): Promise<string> {
  const id = await storedClusterId();
  if (!id && !existsSync(clusterHome)) return `${clusterName} nothing to stop (mqbench did not start it)`;
  const netns = isNetnsCluster();
  log(`stopping the ${clusterName} nodes mqbench started and removing their data`);
  const stopped = await Promise.all(nodeIndexes.map((index) => stopLocalKafka(instanceOf(index, id ?? ''))));
  // the nodes are gone; anything else still inside their namespaces goes with the network
  const network = netns ? await networkDown(clusterNetwork(), { killProcesses: true }) : undefined;
  await rm(clusterHome, { recursive: true, force: true });
  await releaseSlot(clusterName);
  const pids = stopped.flatMap((state) => (state ? [state.pid] : []));
  const removed = network ? `; network removed (${network.namespaces.length} namespaces, ${network.links.length} links, ${network.rules.length} rules)` : '';
  return `${clusterName} stopped (pids ${pids.join(', ') || 'none running'}); data folders removed${removed}`;
}

async function startNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  const id = await storedClusterId();
  if (!id) throw new BrokerUnreachableError(`${clusterName} is not up: start it with \`npx bench brokers up ${clusterName}\``);
  // a cluster started before its nodes had a logging file of their own gets it now
  await writeFile(logConfigPath, logConfig);
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
  if (url.replace(/^kafka:\/\//i, '') !== clusterUrl()) return undefined;
  return ((await nodes()) ?? []).flatMap((node) => (node.running && node.pid !== undefined ? [node.pid] : []));
}

/** --fault partition: the nodes' own networks cut and healed (refused on loopback). */
const { partitionNode, healNode } = clusterPartitioner(() => clusterNetwork().cluster, nodeIndexes.length, isNetnsCluster);

/** How much of each log's end is read when a watch starts: the run's topic was created moments before. */
const seedBytes = 256 * 1024;

/** The lines at the end of a file (at most `maxBytes` of it; the first may be cut); none when it is missing. */
async function lastLines(path: string, maxBytes: number): Promise<string[]> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return [];
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    return buffer.subarray(0, bytesRead).toString('utf8').split('\n');
  } finally {
    await handle.close();
  }
}

/**
 * Each node's broker.log, followed: the ISR changes of the run's topic and the fencing its own log
 * reports. The lines written before the watch (the topic's creation) are read once, not reported: they
 * tell the ISR the topic started with, so that a later line can say what it shrank or grew from.
 */
async function watchReports(topology: Topology, report: (detail: string, node: number) => void): Promise<() => Promise<void>> {
  const reporter = brokerReporter(kafkaTopicName(topology));
  const paths = nodeIndexes.map((index) => kafkaLogPath({ name: nodeInstanceName(index) }));
  const stop = await tailFiles(paths, (line, position) => {
    const node = nodeIndexes[position] ?? position + 1;
    const detail = reporter.report(line);
    if (detail !== undefined) report(`node ${node}: ${detail}`, node);
  });
  for (const path of paths) for (const line of await lastLines(path, seedBytes)) reporter.seed(line);
  return stop;
}

export const kafkaCluster: LocalCluster & { localProcesses: typeof localProcesses } = {
  name: clusterName,
  /** the cluster as it is now: loopback ports, or the namespaces' addresses */
  get url() {
    return clusterUrl();
  },
  upOptions: ['netns'],
  up,
  down,
  status,
  nodes,
  leaderOf,
  startNode,
  stopNode,
  partitionable: isNetnsCluster,
  partitionNode,
  healNode,
  watchReports,
  localProcesses,
  resumeFrozen,
};
