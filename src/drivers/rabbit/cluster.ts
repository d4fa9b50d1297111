/**
 * `bench brokers up rabbit-cluster`: three RabbitMQ nodes from the installed rabbitmq-server, joined
 * into one cluster, for the failover scenario. Each node is a private node (local.ts) with its own
 * name, ports and folders; the three share a private Erlang cookie kept in the cluster's own HOME,
 * so no rabbitmqctl call can reach the shared node on 5672 (it has another cookie) nor it ours.
 * With --netns each node runs in a network namespace of its own (cluster-layout.ts), so that
 * --fault partition can cut it off (partitionNode, healNode; provision/network).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { claimWithFolder, releaseSlot } from '../../provision/checkouts.js';
import { checkNetworkSupport, clusterPartitioner, networkDown, networkUp } from '../../provision/network/index.js';
import { isPidAlive, portAnswers } from '../../provision/probe.js';
import { frozenNodeLines } from '../../provision/process-state.js';
import { sleepMs } from '../../util/clock.js';
import { stateRoot } from '../../util/paths.js';
import { redactUrl } from '../../util/redact.js';
import type { ClusterNode, ClusterUpOptions, LocalCluster } from '../plugin.js';
import type { Topology } from '../types.js';
import { mirroredSuffix, rabbitLayout } from './driver.js';
import { amqpUrlOf, chosenKind, clusterHome, clusterName, clusterNetwork, clusterUrlOf, currentLayout, isNetnsCluster, nodeIndexes, nodeLayout, nodeNameOf, rememberedKind, rememberKind, type ClusterKind } from './cluster-layout.js';
import { rabbitReportOf } from './reports.js';
import { tailFiles } from '../../util/log-tail.js';
import { privateRabbitBeamPid, privateRabbitFrozen, privateRabbitLogPath, privateRabbitStatus, rabbitCtlNodeArgs, resumePrivateRabbit, startPrivateRabbit, stopPrivateRabbit, type PrivateRabbitOptions } from './local.js';

const execFileAsync = promisify(execFile);
const ctlScript = process.env.MQBENCH_RABBITMQCTL ?? '/usr/lib/rabbitmq/bin/rabbitmqctl';

/**
 * Memory per node: publishers are blocked (flow control) above 512 MiB, and a quorum queue's
 * write-ahead log is flushed at 64 MB instead of 512 MB, so the three nodes stay within ~2 GiB.
 */
const memoryBounds = ['vm_memory_high_watermark.absolute = 512MiB', 'raft.wal_max_size_bytes = 64000000'];

/**
 * A netns cluster's partition settings. net_ticktime 10 s instead of RabbitMQ's 60: a partition
 * drops packets silently, so a peer is declared down only after 0.75-1.25 ticktimes without an
 * answer; at 60 s that is 45-75 s, longer than a run's fault window, and the partition would be
 * healed before either side noticed it. At 10 s it is noticed within 7.5-12.5 s.
 */
function partitionConfig(kind: ClusterKind): string[] {
  return kind.netns ? ['net_ticktime = 10', `cluster_partition_handling = ${kind.partitionHandling}`] : [];
}

/** The cluster's kind as it was started (a cluster not up: as `brokers up` without options would start it, in slot 0). */
const kindNow = (): ClusterKind => rememberedKind() ?? { ...chosenKind({}), slot: 0 };

function nodeOptions(index: number, keepData: boolean, kind: ClusterKind = kindNow()): PrivateRabbitOptions {
  const layout = nodeLayout(index, kind.netns, kind.slot);
  return {
    name: nodeNameOf(index, kind.slot),
    port: layout.port,
    distPort: layout.distPort,
    extraConfig: [...memoryBounds, ...partitionConfig(kind)],
    environment: { HOME: clusterHome },
    keepData,
    ...(layout.network ? { network: layout.network } : {}),
  };
}

const erlangNode = (index: number): string => currentLayout(index).erlangNode;
const amqpUrl = (index: number): string => amqpUrlOf(currentLayout(index));

function checkIndex(index: number): void {
  if (!nodeIndexes.includes(index as 1 | 2 | 3)) throw new RangeError(`rabbit-cluster has nodes 1..3, not ${index}`);
}

async function ctl(index: number, args: string[]): Promise<string> {
  const env = { ...process.env, HOME: clusterHome };
  const layout = currentLayout(index);
  const { stdout } = await execFileAsync(ctlScript, [...rabbitCtlNodeArgs({ name: nodeNameOf(index), ...(layout.network ? { network: layout.network } : {}) }), ...args], { env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
  return stdout;
}

/** A private cookie, written once: the nodes and their rabbitmqctl calls find it in HOME. */
async function ensureCookie(): Promise<void> {
  const cookie = join(clusterHome, '.erlang.cookie');
  if (existsSync(cookie)) return;
  await mkdir(clusterHome, { recursive: true });
  await writeFile(cookie, randomBytes(24).toString('hex').toUpperCase(), { mode: 0o400 });
  await chmod(cookie, 0o400);
}

async function runningNodeNames(): Promise<string[]> {
  const json = JSON.parse(await ctl(1, ['cluster_status', '--formatter', 'json'])) as { running_nodes?: string[] };
  return json.running_nodes ?? [];
}

/** --queue-type classic-mirrored: classic queues named with the mirrored suffix are mirrored on every node. */
async function setMirroringPolicy(): Promise<void> {
  const pattern = `^mqbench-.*${mirroredSuffix.replace('.', '\\.')}$`;
  await ctl(1, ['set_policy', 'mqbench-ha', pattern, '{"ha-mode":"all","ha-sync-mode":"automatic"}', '--apply-to', 'queues']);
}

/** Node 2 and 3 join node 1 (stop_app, join_cluster, start_app), one at a time. */
async function joinCluster(log: (line: string) => void): Promise<void> {
  const running = await runningNodeNames();
  for (const index of [2, 3]) {
    if (running.includes(erlangNode(index))) continue;
    log(`joining ${erlangNode(index)} to ${erlangNode(1)}`);
    await ctl(index, ['stop_app']);
    await ctl(index, ['join_cluster', erlangNode(1)]);
    await ctl(index, ['start_app']);
  }
}

/** A node as `brokers status` tells it: a frozen one (SIGSTOP) accepts connections but is not running. */
type NodeState = ClusterNode & { frozen: boolean };

async function nodeOf(index: number): Promise<NodeState> {
  const [state, frozen] = await Promise.all([privateRabbitStatus(nodeNameOf(index)), privateRabbitFrozen(nodeNameOf(index))]);
  const layout = currentLayout(index);
  const running = state !== undefined && frozen.length === 0 && (await portAnswers(layout.address, layout.port, 500));
  return { index, name: layout.erlangNode, pid: state?.pid, url: amqpUrlOf(layout), running, frozen: frozen.length > 0 };
}

async function nodes(): Promise<NodeState[] | undefined> {
  if (!existsSync(clusterHome)) return undefined;
  return Promise.all(nodeIndexes.map(nodeOf));
}

/** The nodes' own folders (local.ts), as one pattern. */
const nodeFolders = (): string => join(stateRoot, `rabbit-${nodeNameOf(1).replace(/1$/, '*')}`);

function describe(node: NodeState): string {
  const pid = node.pid === undefined ? '' : `, pid ${node.pid}`;
  const layout = currentLayout(node.index);
  const where = layout.network ? `, namespace ${layout.network.namespace}` : '';
  const state = node.frozen ? 'stopped (SIGSTOP)' : node.running ? 'running' : 'not running';
  return `  node ${node.index} ${node.name} at ${redactUrl(node.url)} (distribution port ${layout.distPort}${where}): ${state}${pid}`;
}

function kindLine(kind: ClusterKind | undefined): string[] {
  if (!kind?.netns) return [];
  const net = clusterNetwork();
  return [`  per-node networks: ${net.subnet} on bridge ${net.bridge}; cluster_partition_handling = ${kind.partitionHandling}, net_ticktime = 10`];
}

async function status(): Promise<string> {
  const list = await nodes();
  if (!list) return `${clusterName} not running (start it with \`npx bench brokers up ${clusterName}\`)`;
  return [`${clusterName} started by mqbench (data in ${nodeFolders()}):`, ...kindLine(rememberedKind()), ...list.map(describe)].join('\n');
}

/**
 * A node in a namespace opens its AMQP port ~8 s before its rabbit app has booted (measured here),
 * and rabbitmqctl's cluster commands fail until then: such a node is started only once the app runs.
 */
async function startClusterNode(index: number, keepData: boolean, kind: ClusterKind, log: (line: string) => void): Promise<void> {
  await startPrivateRabbit(nodeOptions(index, keepData, kind), log);
  if (kind.netns) await ctl(index, ['await_startup', '--timeout', '120']);
}

async function startNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  await startClusterNode(index, true, kindNow(), log);
}

/** What other checkouts see of a cluster in `slot` (provision/checkouts.ts). */
function claimOf(slot: number, netns: boolean): { network: string; nodes: string[] } {
  const layouts = nodeIndexes.map((index) => nodeLayout(index, netns, slot));
  return { network: clusterNetwork(slot).cluster, nodes: layouts.map((l) => `${l.erlangNode} at ${l.address}:${l.port}`) };
}

/**
 * The cluster's folder with its cookie, its slot on this host and its kind, and for a netns cluster its
 * network; refusals come first.
 */
async function prepare(options: ClusterUpOptions): Promise<ClusterKind> {
  const chosen = chosenKind(options);
  // one line, exit 2, before anything is written or started
  if (chosen.netns) await checkNetworkSupport();
  const slot = await claimWithFolder({ cluster: clusterName, home: clusterHome, netns: chosen.netns, remembered: rememberedKind()?.slot, describe: (s) => claimOf(s, chosen.netns) }, ensureCookie);
  const kind = { ...chosen, slot };
  await rememberKind(kind);
  if (kind.netns) await networkUp(clusterNetwork(slot));
  return kind;
}

async function up(log: (line: string) => void, options: ClusterUpOptions = {}): Promise<string> {
  const began = Date.now();
  // a cluster started before keeps its data (its nodes know each other); a new one starts clean
  const keepData = existsSync(clusterHome);
  const kind = await prepare(options);
  const resumed = await resumeNodes();
  for (const line of resumed) log(line);
  // all at once: a node restarting with cluster data waits for its peers before it opens its port
  await Promise.all(nodeIndexes.map((index) => startClusterNode(index, keepData, kind, log)));
  for (const line of await rejoinSplitNodes(resumed.length > 0)) log(line);
  await joinCluster(log);
  const running = await runningNodeNames();
  if (running.length !== nodeIndexes.length) throw new BrokerUnreachableError(`${clusterName}: only ${running.join(', ')} joined; see ${join(nodeFolders(), 'server.log')}`);
  await setMirroringPolicy();
  return `${await status()}\n  up in ${((Date.now() - began) / 1000).toFixed(1)} s; url ${nodeIndexes.map((index) => redactUrl(amqpUrl(index))).join(',')}`;
}

async function down(log: (line: string) => void): Promise<string> {
  if (!existsSync(clusterHome)) return `${clusterName} nothing to stop (mqbench did not start it)`;
  const netns = isNetnsCluster();
  log(`stopping the ${clusterName} nodes mqbench started and removing their data`);
  const stopped = await Promise.all(nodeIndexes.map((index) => stopPrivateRabbit(nodeNameOf(index))));
  // the nodes are gone; what lives on in their namespaces (each one's epmd) goes with the network
  const network = netns ? await networkDown(clusterNetwork(), { killProcesses: true }) : undefined;
  await rm(clusterHome, { recursive: true, force: true });
  await releaseSlot(clusterName);
  const pids = stopped.flatMap((state) => (state ? [state.pid] : []));
  const removed = network ? `; network removed (${network.namespaces.length} namespaces, ${network.links.length} links, ${network.rules.length} rules)` : '';
  return `${clusterName} stopped (pids ${pids.join(', ') || 'none running'}); data folders removed${removed}`;
}

/** Graceful stop (rabbitmqctl stop): the node leaves its queues' leadership and the VM exits. */
async function stopNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  const state = await privateRabbitStatus(nodeNameOf(index));
  if (!state) return;
  log(`stopping ${erlangNode(index)} gracefully`);
  await ctl(index, ['stop']);
  const deadline = Date.now() + 30_000;
  while (isPidAlive(state.pid) && Date.now() < deadline) await sleepMs(100);
}

/** "mqbench-c2@localhost", "mqbench-c2@10.213.42.12" or another slot's "mqbench-1a2b3c4d-c2@localhost" -> 2 */
export function nodeIndexIn(text: string): number | undefined {
  const match = /mqbench-(?:[0-9a-f]{8}-)?c(\d)@[\w.-]+/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The node a queue is local to (`list_queues --local`): a classic queue's node, a quorum queue's or stream's leader's. */
async function hostingNode(names: readonly string[], running: readonly ClusterNode[]): Promise<number | undefined> {
  const hosts = await Promise.all(
    running.map(async (node) => {
      const rows = JSON.parse(await ctl(node.index, ['list_queues', '--local', 'name', '--formatter', 'json'])) as { name?: string }[];
      return rows.some((r) => r.name !== undefined && names.includes(r.name)) ? node.index : undefined;
    }),
  );
  return hosts.find((index) => index !== undefined);
}

/** The node leading the run's first queue: a quorum queue's or stream's leader, a classic queue's (master's) node. */
async function leaderOf(topology: Topology): Promise<number> {
  const queue = rabbitLayout(topology).queues[0]?.[0];
  const running = ((await nodes()) ?? []).filter((node) => node.running);
  const asked = running[0];
  if (!queue || !asked) throw new BrokerUnreachableError(`${clusterName}: no running node to ask for the leader`);
  // a classic-mirrored run names its queue with the suffix its ha policy matches
  const names = [queue, `${queue}${mirroredSuffix}`];
  // A plain list_queues has every node send its rows straight to rabbitmqctl's own Erlang node, which this
  // host's rabbitmq-env.conf keeps on 127.0.0.1: nodes in namespaces cannot reach it and the call hangs
  // until its timeout. Asked with --local, each node answers for itself only.
  const index = isNetnsCluster() ? await hostingNode(names, running) : await leaderAskedOf(asked, names, running);
  if (index === undefined) throw new BrokerUnreachableError(`${clusterName}: cannot find the node leading queue ${queue}`);
  return index;
}

async function leaderAskedOf(asked: ClusterNode, names: readonly string[], running: readonly ClusterNode[]): Promise<number | undefined> {
  const rows = JSON.parse(await ctl(asked.index, ['list_queues', 'name', 'leader', '--formatter', 'json'])) as { name?: string; leader?: string }[];
  const row = rows.find((r) => r.name === names[0]) ?? rows.find((r) => r.name === names[1]);
  if (!row) throw new BrokerUnreachableError(`${clusterName}: the queue ${names[0]} does not exist`);
  return nodeIndexIn(row.leader ?? '') ?? (await hostingNode([row.name ?? ''], running));
}

/** The Erlang VMs of the running nodes, when `url` is this cluster's (resource cost). */
async function localProcesses(url: string): Promise<number[] | undefined> {
  if (url !== clusterUrlOf(isNetnsCluster())) return undefined;
  const pids = await Promise.all(nodeIndexes.map((index) => privateRabbitBeamPid(nodeNameOf(index))));
  return pids.filter((pid): pid is number => pid !== undefined && isPidAlive(pid));
}

/** --fault partition: the nodes' own networks cut and healed (refused on loopback). */
const partitioner = clusterPartitioner(() => clusterNetwork().cluster, nodeIndexes.length, isNetnsCluster);
const partitionNode = partitioner.partitionNode;

/** The partitions RabbitMQ records (`cluster_status`: each node and the peers it was cut from), as node numbers. */
async function recordedPartitions(index: number): Promise<number[]> {
  const status = JSON.parse(await ctl(index, ['cluster_status', '--formatter', 'json'])) as { partitions?: Record<string, string[]> };
  return Object.keys(status.partitions ?? {}).flatMap((node) => nodeIndexIn(node) ?? []);
}

/**
 * Whether the cluster stays split once the network is whole: RabbitMQ records a partition when the
 * nodes meet again, so it is asked a few times over the seconds after the heal, not once.
 */
async function staysSplit(index: number): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    await sleepMs(2500);
    if ((await recordedPartitions(index).catch(() => [])).length > 0) return true;
  }
  return false;
}

/**
 * The network healed. With cluster_partition_handling = ignore RabbitMQ leaves the cluster split until
 * the operator restarts the other side, as its documentation says; mqbench does that (stop_app,
 * start_app on the cut node), and the restart is where that side's writes are thrown away.
 * pause_minority and autoheal recover by themselves.
 */
async function healNode(index: number): Promise<string | void> {
  await partitioner.healNode(index);
  if ((rememberedKind()?.partitionHandling ?? 'ignore') !== 'ignore' || !(await staysSplit(index))) return;
  await ctl(index, ['stop_app']);
  await ctl(index, ['start_app']);
  return `cluster_partition_handling = ignore left the cluster split: node ${index} restarted (rabbitmqctl stop_app, start_app) to rejoin, its side's changes discarded`;
}

/** The nodes a killed run left frozen (--fault stop), continued (SIGCONT): one line per node. */
async function resumeNodes(): Promise<string[]> {
  const lines = await Promise.all(nodeIndexes.map((index) => resumePrivateRabbit(nodeNameOf(index))));
  return lines.flatMap((line, k) => (line ? [`${clusterName} node ${nodeIndexes[k]}: ${line}`] : []));
}

/** Each running node's view: the nodes it runs with, and whether it records a partition. */
async function clusterViews(): Promise<{ index: number; running: string[]; split: boolean }[]> {
  const running = ((await nodes()) ?? []).filter((node) => node.running);
  return Promise.all(
    running.map(async ({ index }) => {
      const status = JSON.parse(await ctl(index, ['cluster_status', '--formatter', 'json']).catch(() => '{}')) as { running_nodes?: string[]; partitions?: Record<string, string[]> };
      return { index, running: status.running_nodes ?? [], split: Object.keys(status.partitions ?? {}).length > 0 };
    }),
  );
}

/**
 * A node frozen longer than net_ticktime was declared down by its peers; continued, it meets them again
 * and, with cluster_partition_handling = ignore, the cluster stays split (seen: after 80 s frozen, node 1
 * ran with node 3 only and node 2 alone). A partition is recorded when the nodes meet again: after a
 * resume the views are asked until the cluster is whole or split, a few times, not once.
 */
async function rejoinSplitNodes(justResumed: boolean): Promise<string[]> {
  // pause_minority and autoheal recover by themselves (as after a partition: healNode)
  if ((rememberedKind()?.partitionHandling ?? 'ignore') !== 'ignore') return [];
  for (let attempt = 0; attempt < (justResumed ? 6 : 1); attempt++) {
    if (attempt > 0) await sleepMs(2500);
    const views = await clusterViews();
    if (views.some((view) => view.split)) return restartOutside(views);
    // whole: every node runs with all the others (a node frozen briefly was never missed)
    if (views.length === nodeIndexes.length && views.every((view) => view.running.length === nodeIndexes.length)) return [];
  }
  return [];
}

/** The widest view is kept; the nodes outside it restart (stop_app, start_app) to rejoin, as healNode does after a partition. */
async function restartOutside(views: readonly { index: number; running: string[] }[]): Promise<string[]> {
  const widest = views.reduce((best, view) => (view.running.length > best.running.length ? view : best));
  const outside = views.filter((view) => !widest.running.includes(erlangNode(view.index)));
  for (const { index } of outside) {
    await ctl(index, ['stop_app']);
    await ctl(index, ['start_app']);
  }
  return outside.map(({ index }) => `${clusterName} node ${index}: was split from the others (a partition recorded after it was frozen): restarted (rabbitmqctl stop_app, start_app) to rejoin`);
}

/** `bench clean`: frozen nodes continued, and a cluster that split over it whole again (dryRun: which nodes are frozen). */
async function resumeFrozen(dryRun = false): Promise<string[]> {
  if (!existsSync(clusterHome)) return [];
  if (dryRun) return frozenNodeLines(clusterName, (await nodes()) ?? []);
  const resumed = await resumeNodes();
  return resumed.length > 0 ? [...resumed, ...(await rejoinSplitNodes(true))] : [];
}

/** Each node's own log, followed for what RabbitMQ reports about the cluster and the run's queues. */
async function watchReports(topology: Topology, report: (detail: string, node: number) => void): Promise<() => Promise<void>> {
  const names = rabbitLayout(topology).queues.flat().flatMap((queue) => [queue, `${queue}${mirroredSuffix}`]);
  const paths = await Promise.all(nodeIndexes.map((index) => privateRabbitLogPath(nodeNameOf(index))));
  const followed = nodeIndexes.flatMap((index, k) => (paths[k] ? [{ index, path: paths[k] }] : []));
  return tailFiles(followed.map((f) => f.path), (line, k) => {
    const detail = rabbitReportOf(line, names);
    const node = followed[k]?.index;
    if (detail !== undefined && node !== undefined) report(`node ${node}: ${detail}`, node);
  });
}

export const rabbitCluster: LocalCluster & { localProcesses: typeof localProcesses } = {
  name: clusterName,
  /** the cluster as it is now: loopback ports, or the namespaces' addresses */
  get url() {
    return clusterUrlOf(isNetnsCluster());
  },
  upOptions: ['netns', 'partitionHandling'],
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
