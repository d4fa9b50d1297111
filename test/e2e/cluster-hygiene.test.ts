/**
 * What a killed run leaves on mqbench's local clusters (issue 29, items 7 to 9): a node frozen by a
 * --fault stop whose run was SIGKILLed before its SIGCONT is reported as stopped and continued by
 * `brokers up`; `bench clean` reaches rabbit-cluster's nodes with the cluster's own Erlang cookie (and
 * continues a frozen node first); a Kafka failover run whose frozen node made the client fail records
 * the error and leaves no consumer group. A cluster that was up before this file is used as it is and
 * left up: this file stops only what it started.
 */
import { Admin, FindCoordinatorKeyTypes, type Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kafkaCluster } from '../../src/drivers/kafka/cluster.js';
import { PlatformaticKafkaDriver } from '../../src/drivers/kafka/platformatic.js';
import { isConnectionLoss, kafkaGroupId, kafkaTopicName, rootCauseLine } from '../../src/drivers/kafka/shared.js';
import type { LocalCluster } from '../../src/drivers/plugin.js';
import { rabbitCluster } from '../../src/drivers/rabbit/cluster.js';
import type { DriverEvent } from '../../src/drivers/types.js';
import { runFaultPlan } from '../../src/faults/index.js';
import { nodeProcesses, signalAll } from '../../src/provision/processes.js';
import { frozenProcesses } from '../../src/provision/process-state.js';
import { sleepMs, withTimeout } from '../../src/util/clock.js';
import { bench } from '../helpers.js';

const upBefore = new Map<string, boolean>();
const runId = `hygiene-${process.pid}`;
const queueName = `mqbench-${runId}.failover`;

/** Freezes every process of a node, as --fault stop does; the pids, to continue them whatever happens. */
async function freeze(cluster: LocalCluster, index: number): Promise<number[]> {
  const pid = (await cluster.nodes())?.find((n) => n.index === index)?.pid;
  if (pid === undefined) throw new Error(`${cluster.name} node ${index} has no pid`);
  const pids = await nodeProcesses(pid);
  signalAll(pids, 'SIGSTOP');
  return pids;
}

const frozenByTest: number[] = [];

async function up(cluster: LocalCluster): Promise<void> {
  upBefore.set(cluster.name, (await cluster.nodes()) !== undefined);
  const run = await bench(['brokers', 'up', cluster.name], { timeoutMs: 200_000 });
  expect(run.code, run.stderr).toBe(0);
}

afterAll(async () => {
  // whatever failed, nothing stays frozen
  signalAll(frozenByTest, 'SIGCONT');
  for (const cluster of [rabbitCluster, kafkaCluster]) {
    if (upBefore.get(cluster.name) === false && (await cluster.nodes())) await cluster.down(() => undefined);
  }
}, 180_000);

describe('rabbit-cluster', () => {
  beforeAll(() => up(rabbitCluster), 240_000);

  test('a node left frozen (SIGSTOP) is reported stopped, and `brokers up` continues it: exit 0, the node answers', async () => {
    frozenByTest.push(...(await freeze(rabbitCluster, 1)));
    const status = await bench(['brokers', 'status', 'rabbit-cluster']);
    expect(status.stdout).toMatch(/node 1 mqbench-c1@localhost at amqp:\/\/127\.0\.0\.1:5701 \(distribution port 25701\): stopped \(SIGSTOP\), pid \d+/);
    const run = await bench(['brokers', 'up', 'rabbit-cluster'], { timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/rabbit-cluster node 1: mqbench-c1@localhost was stopped \(SIGSTOP, pids [\d, ]+\): continued \(SIGCONT\)/);
    for (const i of [1, 2, 3]) expect(run.stdout).toMatch(new RegExp(`node ${i} mqbench-c${i}@localhost .*: running, pid \\d+`));
    const pid = (await rabbitCluster.nodes())?.[0]?.pid as number;
    expect(await frozenProcesses(pid)).toEqual([]);
    const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5701');
    await connection.close();
  }, 200_000);

  test('`bench clean --broker rabbit --rabbit-url <the cluster>` deletes a quorum queue there, continuing a frozen node first', async () => {
    // a node the test before left frozen (it failed) is not this test's subject
    signalAll(frozenByTest.splice(0), 'SIGCONT');
    const one = await amqp.connect('amqp://guest:guest@127.0.0.1:5701');
    await (await one.createChannel()).assertQueue(queueName, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await one.close();
    frozenByTest.push(...(await freeze(rabbitCluster, 3)));
    const run = await bench(['clean', '--broker', 'rabbit', '--rabbit-url', rabbitCluster.url, '--run', runId], { timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/rabbit-cluster node 3: mqbench-c3@localhost was stopped \(SIGSTOP, pids [\d, ]+\): continued \(SIGCONT\)/);
    expect(run.stdout).toMatch(new RegExp(`rabbit +queue +${queueName.replace(/\./g, '\\.')} +deleted`));
    expect(run.stdout).toContain('total: 1 deleted');
    const two = await amqp.connect('amqp://guest:guest@127.0.0.1:5702');
    two.on('error', () => undefined);
    const channel = await two.createChannel();
    channel.on('error', () => undefined);
    await expect(channel.checkQueue(queueName)).rejects.toThrow(/NOT_FOUND/);
    await two.close().catch(() => undefined);
  }, 200_000);
});

/**
 * A topology whose group is coordinated by another node than the first of the endpoint: the client
 * asks the first node for metadata, which a frozen node would never answer.
 */
async function topologyCoordinatedAway(): Promise<{ prefix: string; stream: string; partitions: number; subscriptions: number }> {
  for (let k = 0; ; k++) {
    const topology = { prefix: `mqbench-${runId}-k${k}`, stream: 'failover', partitions: 1, subscriptions: 1 };
    if ((await coordinatorOf(kafkaGroupId(topology, 0))) > 1) return topology;
  }
}

/** The node coordinating `groupId`, asked through the cluster. */
async function coordinatorOf(groupId: string): Promise<number> {
  const admin = new Admin({ clientId: 'mqbench-hygiene-test', bootstrapBrokers: kafkaCluster.url.split(',') });
  try {
    return (await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }))[0]?.nodeId ?? -1;
  } finally {
    await admin.close();
  }
}

/** Waits until the cluster's metadata (asked of the other nodes) no longer lists node `index`: the controller fenced it. */
async function awaitFenced(index: number, timeoutMs: number): Promise<void> {
  const others = kafkaCluster.url.split(',').filter((_, k) => k !== index - 1);
  const admin = new Kafka({ clientId: 'mqbench-hygiene-test', brokers: others, requestTimeout: 2000, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ids = (await admin.describeCluster().catch(() => ({ brokers: [{ nodeId: index }] }))).brokers.map((b) => b.nodeId);
      if (!ids.includes(index)) return;
      await sleepMs(500);
    }
    throw new Error(`node ${index} was not fenced within ${timeoutMs} ms`);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes a group left by the test: its coordinator, just continued, may need a few seconds to load it. */
async function removeGroup(admin: ReturnType<Kafka['admin']>, groupId: string): Promise<void> {
  for (let tries = 0; tries < 20; tries++) {
    if (!(await admin.listGroups()).groups.some((g) => g.groupId === groupId)) return;
    await admin.deleteGroups([groupId]).catch(() => sleepMs(1000));
  }
}

type Topology = Awaited<ReturnType<typeof topologyCoordinatedAway>>;

/** A connected failover-mode (reconnecting) Kafka driver on the cluster, with a topology coordinated away from node 1. */
async function failoverDriver(): Promise<{ driver: PlatformaticKafkaDriver; topology: Topology; groupId: string }> {
  const settings = { delivery: 'ack' as const, confirm: true, persistent: true, prefetch: 100, multiAck: 10, kafkaAcks: -1, lingerMs: 5, batchSize: 100, reconnect: true };
  const driver = new PlatformaticKafkaDriver({ url: kafkaCluster.url, settings, connectTimeoutMs: 10_000 });
  const topology = await topologyCoordinatedAway();
  await driver.connect();
  return { driver, topology, groupId: kafkaGroupId(topology, 0) };
}

/** The topology set up and one consumer joined to its group. */
async function startConsumer(driver: PlatformaticKafkaDriver, topology: Topology): Promise<void> {
  await driver.setup(topology);
  await driver.createConsumer({ subscription: 0, partitions: [], groupSize: 1 }, () => undefined);
  await driver.waitUntilConsumersReady(30_000);
}

/** What a test left on the cluster: its group and its topic. */
async function removeGroupAndTopic(groupId: string, topology: Topology): Promise<void> {
  const admin = new Kafka({ brokers: kafkaCluster.url.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await removeGroup(admin, groupId);
  await admin.deleteTopics({ topics: [kafkaTopicName(topology)] }).catch(() => undefined);
  await admin.disconnect();
}

describe('kafka-cluster', () => {
  beforeAll(() => up(kafkaCluster), 240_000);

  test('a failover consumer whose group coordinator is frozen out of the metadata: its group requests fail (nothing thrown uncaught), teardown deletes its group or names it', async () => {
    const { driver, topology, groupId } = await failoverDriver();
    try {
      await startConsumer(driver, topology);
      const coordinator = await coordinatorOf(groupId);
      frozenByTest.push(...(await freeze(kafkaCluster, coordinator)));
      await awaitFenced(coordinator, 30_000);
      // the fetcher's refresh once its leader is gone, then a commit, as the driver's periodic committer
      // sends: to the coordinator the client keeps by node id, now missing from the refreshed metadata
      const member = (driver as unknown as { consumers: { consumer: PlatformaticConsumer }[] }).consumers[0]?.consumer;
      await member?.metadata({ topics: [kafkaTopicName(topology)], forceUpdate: true });
      const commit = member?.commit({ offsets: [{ topic: kafkaTopicName(topology), partition: 0, offset: 0n, leaderEpoch: -1 }] });
      const failure = await withTimeout(commit ?? Promise.resolve(), 20_000, () => new Error('the commit never settled')).then(() => undefined, (error: unknown) => error);
      // the client's own error after its retries, with the cause the driver's handlers report (a connection loss)
      expect(rootCauseLine(failure)).toMatch(/its node is not in the cluster metadata/);
      expect(isConnectionLoss(failure)).toBe(true);
      // the fault ends (SIGCONT) before the run's teardown, as a 15 s freeze in a 40 s window does
      signalAll(frozenByTest.splice(0), 'SIGCONT');
      const teardown = await driver.teardown().then(() => 'deleted', (error: Error) => error.message);
      const admin = new Kafka({ brokers: kafkaCluster.url.split(',').filter((_, k) => k !== coordinator - 1), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      await admin.disconnect();
      // deleted, or named in the error the engine turns into the run's warning
      if (groups.includes(groupId)) expect(teardown).toContain(`consumer group ${groupId} not deleted`);
    } finally {
      signalAll(frozenByTest.splice(0), 'SIGCONT');
      await driver.close();
      await removeGroupAndTopic(groupId, topology);
    }
  }, 120_000);

  test("a failover consumer whose group coordinator's node is killed: the same member heartbeats to the new coordinator, none is replaced (as Java's consumer)", async () => {
    const { driver, topology, groupId } = await failoverDriver();
    const events: DriverEvent[] = [];
    driver.onEvent((event) => events.push(event));
    try {
      await startConsumer(driver, topology);
      const coordinator = await coordinatorOf(groupId);
      const stop = new AbortController();
      const fault = runFaultPlan({ kind: 'kill', target: { node: coordinator }, atUs: 0, forUs: 20_000_000 }, kafkaCluster, topology, () => undefined, stop.signal);
      const deadline = Date.now() + 40_000;
      while (Date.now() < deadline && !events.some((e) => /^(coordinator-followed|consumer-replaced)$/.test(e.kind))) await sleepMs(250);
      stop.abort();
      await fault.catch(() => undefined);
      const told = JSON.stringify(events);
      expect(events.filter((e) => e.kind === 'consumer-replaced'), told).toEqual([]);
      expect(events.find((e) => e.kind === 'coordinator-followed')?.detail, told).toMatch(/the same member heartbeats to the group's new coordinator \d+ ms later/);
    } finally {
      await driver.teardown().catch(() => undefined);
      await driver.close();
      await removeGroupAndTopic(groupId, topology);
    }
  }, 120_000);
});
