/**
 * `bench brokers up rabbit-cluster`: three RabbitMQ nodes from the installed rabbitmq-server, joined
 * into one cluster, for the failover scenario. Each node is a private node (local.ts) with its own
 * name, ports and folders; the three share a private Erlang cookie kept in the cluster's own HOME,
 * so no rabbitmqctl call can reach the shared node on 5672 (it has another cookie) nor it ours.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { isPidAlive, portAnswers } from '../../provision/probe.js';
import { sleepMs } from '../../util/clock.js';
import { stateRoot } from '../../util/paths.js';
import { redactUrl } from '../../util/redact.js';
import type { ClusterNode, LocalCluster } from '../plugin.js';
import type { Topology } from '../types.js';
import { mirroredSuffix, rabbitLayout } from './driver.js';
import { privateRabbitBeamPid, privateRabbitStatus, startPrivateRabbit, stopPrivateRabbit, type PrivateRabbitOptions } from './local.js';

const execFileAsync = promisify(execFile);
const ctlScript = process.env.MQBENCH_RABBITMQCTL ?? '/usr/lib/rabbitmq/bin/rabbitmqctl';

const clusterName = 'rabbit-cluster';
/** the cluster's HOME: its .erlang.cookie (node data lives in each node's own folder, local.ts) */
const clusterHome = join(stateRoot, clusterName);
const nodeIndexes = [1, 2, 3] as const;

/**
 * Memory per node: publishers are blocked (flow control) above 512 MiB, and a quorum queue's
 * write-ahead log is flushed at 64 MB instead of 512 MB, so the three nodes stay within ~2 GiB.
 */
const memoryBounds = ['vm_memory_high_watermark.absolute = 512MiB', 'raft.wal_max_size_bytes = 64000000'];

function nodeOptions(index: number, keepData: boolean): PrivateRabbitOptions {
  return {
    name: `mqbench-c${index}`,
    port: 5700 + index,
    distPort: 25700 + index,
    extraConfig: memoryBounds,
    environment: { HOME: clusterHome },
    keepData,
  };
}

const erlangNode = (index: number): string => `mqbench-c${index}@localhost`;
const amqpUrl = (index: number): string => `amqp://guest:guest@127.0.0.1:${5700 + index}`;
export const rabbitClusterUrl = nodeIndexes.map(amqpUrl).join(',');

function checkIndex(index: number): void {
  if (!nodeIndexes.includes(index as 1 | 2 | 3)) throw new RangeError(`rabbit-cluster has nodes 1..3, not ${index}`);
}

async function ctl(index: number, args: string[]): Promise<string> {
  const env = { ...process.env, HOME: clusterHome };
  const { stdout } = await execFileAsync(ctlScript, ['-n', erlangNode(index), ...args], { env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
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

async function nodeOf(index: number): Promise<ClusterNode> {
  const state = await privateRabbitStatus(`mqbench-c${index}`);
  const running = state !== undefined && (await portAnswers('127.0.0.1', 5700 + index, 500));
  return { index, name: erlangNode(index), pid: state?.pid, url: amqpUrl(index), running };
}

async function nodes(): Promise<ClusterNode[] | undefined> {
  if (!existsSync(clusterHome)) return undefined;
  return Promise.all(nodeIndexes.map(nodeOf));
}

function describe(node: ClusterNode): string {
  const pid = node.pid === undefined ? '' : `, pid ${node.pid}`;
  return `  node ${node.index} ${node.name} at ${redactUrl(node.url)} (distribution port ${25700 + node.index}): ${node.running ? 'running' : 'not running'}${pid}`;
}

async function status(): Promise<string> {
  const list = await nodes();
  if (!list) return `${clusterName} not running (start it with \`npx bench brokers up ${clusterName}\`)`;
  return [`${clusterName} started by mqbench (data in ${join(stateRoot, 'rabbit-mqbench-c*')}):`, ...list.map(describe)].join('\n');
}

async function startNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  await startPrivateRabbit(nodeOptions(index, true), log);
}

async function up(log: (line: string) => void): Promise<string> {
  const began = Date.now();
  // a cluster started before keeps its data (its nodes know each other); a new one starts clean
  const keepData = existsSync(clusterHome);
  await ensureCookie();
  // all at once: a node restarting with cluster data waits for its peers before it opens its port
  await Promise.all(nodeIndexes.map((index) => startPrivateRabbit(nodeOptions(index, keepData), log)));
  await joinCluster(log);
  const running = await runningNodeNames();
  if (running.length !== nodeIndexes.length) throw new BrokerUnreachableError(`${clusterName}: only ${running.join(', ')} joined; see ${join(stateRoot, 'rabbit-mqbench-c*', 'server.log')}`);
  await setMirroringPolicy();
  return `${await status()}\n  up in ${((Date.now() - began) / 1000).toFixed(1)} s; url ${nodeIndexes.map((index) => redactUrl(amqpUrl(index))).join(',')}`;
}

async function down(log: (line: string) => void): Promise<string> {
  if (!existsSync(clusterHome)) return `${clusterName} nothing to stop (mqbench did not start it)`;
  log(`stopping the ${clusterName} nodes mqbench started and removing their data`);
  const stopped = await Promise.all(nodeIndexes.map((index) => stopPrivateRabbit(`mqbench-c${index}`)));
  await rm(clusterHome, { recursive: true, force: true });
  const pids = stopped.flatMap((state) => (state ? [state.pid] : []));
  return `${clusterName} stopped (pids ${pids.join(', ') || 'none running'}); data folders removed`;
}

/** Graceful stop (rabbitmqctl stop): the node leaves its queues' leadership and the VM exits. */
async function stopNode(index: number, log: (line: string) => void): Promise<void> {
  checkIndex(index);
  const state = await privateRabbitStatus(`mqbench-c${index}`);
  if (!state) return;
  log(`stopping ${erlangNode(index)} gracefully`);
  await ctl(index, ['stop']);
  const deadline = Date.now() + 30_000;
  while (isPidAlive(state.pid) && Date.now() < deadline) await sleepMs(100);
}

/** "mqbench-c2@localhost" -> 2 */
export function nodeIndexIn(text: string): number | undefined {
  const match = /mqbench-c(\d)@localhost/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The node a queue is local to (`list_queues --local`): a classic queue's node, which list_queues names by pid only. */
async function hostingNode(queue: string, running: readonly ClusterNode[]): Promise<number | undefined> {
  const hosts = await Promise.all(
    running.map(async (node) => {
      const rows = JSON.parse(await ctl(node.index, ['list_queues', '--local', 'name', '--formatter', 'json'])) as { name?: string }[];
      return rows.some((r) => r.name === queue) ? node.index : undefined;
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
  const rows = JSON.parse(await ctl(asked.index, ['list_queues', 'name', 'leader', '--formatter', 'json'])) as { name?: string; leader?: string }[];
  // a classic-mirrored run names its queue with the suffix its ha policy matches
  const row = rows.find((r) => r.name === queue) ?? rows.find((r) => r.name === `${queue}${mirroredSuffix}`);
  if (!row) throw new BrokerUnreachableError(`${clusterName}: the queue ${queue} does not exist`);
  const index = nodeIndexIn(row.leader ?? '') ?? (await hostingNode(row.name ?? queue, running));
  if (index === undefined) throw new BrokerUnreachableError(`${clusterName}: cannot find the node leading queue ${queue}`);
  return index;
}

/** The Erlang VMs of the running nodes, when `url` is this cluster's (resource cost). */
async function localProcesses(url: string): Promise<number[] | undefined> {
  if (url !== rabbitClusterUrl) return undefined;
  const pids = await Promise.all(nodeIndexes.map((index) => privateRabbitBeamPid(`mqbench-c${index}`)));
  return pids.filter((pid): pid is number => pid !== undefined && isPidAlive(pid));
}

export const rabbitCluster: LocalCluster & { localProcesses: typeof localProcesses } = {
  name: clusterName,
  url: rabbitClusterUrl,
  up,
  down,
  status,
  nodes,
  leaderOf,
  startNode,
  stopNode,
  localProcesses,
};
