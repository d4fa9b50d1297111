/**
 * The local 3-node clusters (bench brokers up|status|down rabbit-cluster|kafka-cluster) and the fault
 * injector against them: a leader killed and restarted on each, a frozen node continued when the run
 * ends early, the failover scenario on both (failover-cases.ts), and `down` leaving no process and
 * no folder. A cluster that was up before this file
 * (someone's work session) is used as it is and left up: this file stops only what it started.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kafkaCluster } from '../../src/drivers/kafka/cluster.js';
import type { LocalCluster } from '../../src/drivers/plugin.js';
import { rabbitCluster } from '../../src/drivers/rabbit/cluster.js';
import { runFaultPlan, type FaultPlan } from '../../src/faults/index.js';
import { nodeProcesses } from '../../src/provision/processes.js';
import { portAnswers } from '../../src/provision/probe.js';
import type { RunEvent } from '../../src/results/types.js';
import { stateRoot } from '../../src/util/paths.js';
import { bench } from '../helpers.js';
import { describeFailover } from './failover-cases.js';
import { describeKafkaWitness } from './failover-witness-kafka.js';

const clusters: LocalCluster[] = [rabbitCluster, kafkaCluster];
const upBefore = new Map<string, boolean>();
const topology = { prefix: `mqbench-clusters-${process.pid}`, stream: 'failover', partitions: 1, subscriptions: 1 };
const objectName = `${topology.prefix}.${topology.stream}`;

/** A process that is alive and not a zombie (/proc state other than Z). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Runs a plan; records which of the target's processes still live when the restore begins. */
async function runPlan(plan: FaultPlan, cluster: LocalCluster, signal = new AbortController().signal) {
  const target = (await cluster.nodes())?.find((n) => n.index === (plan.kind !== 'command' && typeof plan.target === 'object' ? plan.target.node : -1));
  const events: RunEvent[] = [];
  let leftDuringFault: number[] = [];
  let pidsBefore: number[] = [];
  const emit = (event: RunEvent): void => {
    events.push(event);
    if (event.kind === 'fault-restoring') leftDuringFault = pidsBefore.filter(alive);
  };
  if (target?.pid !== undefined) pidsBefore = await nodeProcesses(target.pid);
  await runFaultPlan(plan, cluster, topology, emit, signal);
  return { events, pidsBefore, leftDuringFault };
}

const kafkaAdmin = () => new Kafka({ brokers: kafkaCluster.url.split(','), logLevel: logLevel.NOTHING }).admin();

/** The queue and topic this file made, removed from a cluster it leaves up. */
async function removeObjects(): Promise<void> {
  if ((await rabbitCluster.nodes())?.some((n) => n.running)) {
    const connection = await amqp.connect(rabbitCluster.url.split(',')[0] as string);
    await (await connection.createChannel()).deleteQueue(objectName);
    await connection.close();
  }
  if ((await kafkaCluster.nodes())?.some((n) => n.running)) {
    const admin = kafkaAdmin();
    await admin.connect();
    await admin.deleteTopics({ topics: [objectName] }).catch(() => undefined);
    await admin.disconnect();
  }
}

beforeAll(async () => {
  for (const cluster of clusters) upBefore.set(cluster.name, (await cluster.nodes()) !== undefined);
  const runs = await Promise.all(clusters.map((c) => bench(['brokers', 'up', c.name], { timeoutMs: 200_000 })));
  for (const run of runs) expect(run.code, run.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await removeObjects();
  for (const cluster of clusters) if (!upBefore.get(cluster.name) && (await cluster.nodes())) await cluster.down(() => undefined);
}, 120_000);

describe('bench brokers up|status for the clusters', () => {
  test('status shows three running nodes of each cluster with their pids and ports', async () => {
    const { code, stdout } = await bench(['brokers', 'status', 'rabbit-cluster']);
    expect(code).toBe(0);
    for (const i of [1, 2, 3]) expect(stdout).toMatch(new RegExp(`node ${i} mqbench-c${i}@localhost at amqp://127\\.0\\.0\\.1:570${i} \\(distribution port 2570${i}\\): running, pid \\d+`));
    expect(stdout).not.toContain('guest');
    const kafka = await bench(['brokers', 'status', 'kafka-cluster']);
    for (const i of [1, 2, 3]) expect(kafka.stdout).toMatch(new RegExp(`node ${i} at 127\\.0\\.0\\.1:919${i + 1} \\(controller 127\\.0\\.0\\.1:919${i + 4}\\): running, pid \\d+`));
  });

  test('the RabbitMQ nodes are one cluster: a queue declared on node 1 is seen from node 3', async () => {
    const one = await amqp.connect('amqp://guest:guest@127.0.0.1:5701');
    const three = await amqp.connect('amqp://guest:guest@127.0.0.1:5703');
    try {
      await (await one.createChannel()).assertQueue(objectName, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await expect((await three.createChannel()).checkQueue(objectName)).resolves.toMatchObject({ queue: objectName });
    } finally {
      await Promise.all([one.close(), three.close()]);
    }
  });

  test('the Kafka nodes are one cluster: three brokers, a topic replicated on all three', async () => {
    const admin = kafkaAdmin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      await admin.createTopics({ topics: [{ topic: objectName, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
      const { topics } = await admin.fetchTopicMetadata({ topics: [objectName] });
      expect(topics[0]?.partitions[0]?.replicas.sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
  });
});

describe.each(clusters)('$name: the leader killed, then restarted', (cluster) => {
  test('its processes die, it comes back with a new pid, and the cluster has three running nodes again', async () => {
    const leader = await cluster.leaderOf(topology);
    const pidBefore = (await cluster.nodes())?.[leader - 1]?.pid;
    const { events, pidsBefore, leftDuringFault } = await runPlan({ kind: 'kill', target: { node: leader }, atUs: 0, forUs: 500_000 }, cluster);
    expect(events.map((e) => e.kind), JSON.stringify(events)).toEqual(['fault-injected', 'fault-restoring', 'fault-restored']);
    expect(pidsBefore.length).toBeGreaterThan(0);
    expect(leftDuringFault).toEqual([]);
    const after = (await cluster.nodes()) ?? [];
    expect(after.every((n) => n.running)).toBe(true);
    expect(after[leader - 1]?.pid).not.toBe(pidBefore);
    expect(await cluster.leaderOf(topology)).toBeGreaterThanOrEqual(1);
  });
});

test('a frozen node (SIGSTOP) is continued at once when the run ends before the fault does', async () => {
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 300);
  const began = Date.now();
  const { events, pidsBefore } = await runPlan({ kind: 'stop', target: { node: 2 }, atUs: 0, forUs: 60_000_000 }, kafkaCluster, stop.signal);
  expect(Date.now() - began).toBeLessThan(5000);
  expect(events.map((e) => `${e.kind}: ${e.detail}`)).toEqual([
    'fault-injected: froze (SIGSTOP) node 2 (node.id=2, node:2)',
    'fault-restoring: SIGCONT to node 2 early: the run ended',
    'fault-restored: node 2 is back (continued)',
  ]);
  const states = pidsBefore.map((pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]);
  expect(states).not.toContain('T');
});

// the failover scenario on these clusters, while they are up (starting them takes a minute: once per suite)
describeFailover();
describeKafkaWitness();

describe('bench brokers down', () => {
  test.for(clusters.map((c) => c.name))('%s: no process of it and no data folder remain', async (name, { skip }) => {
    if (upBefore.get(name)) skip('it was up before this file: not this file\'s to stop, left up');
    const cluster = clusters.find((c) => c.name === name) as LocalCluster;
    const pids = ((await cluster.nodes()) ?? []).flatMap((n) => (n.pid === undefined ? [] : [n.pid]));
    const tree = (await Promise.all(pids.map((pid) => nodeProcesses(pid)))).flat();
    const { code, stdout } = await bench(['brokers', 'down', name], { timeoutMs: 120_000 });
    expect(code).toBe(0);
    expect(stdout).toContain(`${name} stopped`);
    expect(tree.filter(alive)).toEqual([]);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toMatch(name === 'rabbit-cluster' ? /mqbench-c[123]@localhost/ : /\.mqbench\/kafka-cluster/);
    const ports = name === 'rabbit-cluster' ? [5701, 5702, 5703] : [9192, 9193, 9194];
    for (const port of ports) expect(await portAnswers('127.0.0.1', port)).toBe(false);
    const folders = name === 'rabbit-cluster' ? ['rabbit-cluster', 'rabbit-mqbench-c1', 'rabbit-mqbench-c2', 'rabbit-mqbench-c3'] : ['kafka-cluster'];
    for (const folder of folders) expect(existsSync(join(stateRoot, folder))).toBe(false);
  });
});
