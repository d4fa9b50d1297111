/**
 * Issue 27 for Kafka on the real kernel (needs root, `ip` and `nft`): kafka-cluster brought up with
 * --netns (each KRaft node in a namespace of its own), a failover run that isolates the leader of the
 * run's partition (--partition isolate), and a probe from the root namespace (where the load generator
 * runs) that proves the cut: TCP connects to the cut node's broker port fail while the run is in its
 * fault window, connects to the other nodes never do, and after the heal the cut node answers again.
 * Then `brokers down` leaves no namespace, link or rule.
 *
 * The cluster lives under its own MQBENCH_HOME, so the loopback kafka-cluster (127.0.0.1:9192-9194)
 * and the shared Kafka on 9092 are never touched; its namespaces are mqbench-kafka-cluster-n1..3 and
 * no traffic leaves them and loopback. A kafka-cluster already up with --netns in this checkout's state
 * folder (MQBENCH_HOME, else .mqbench) is used as it is, and left running.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leftoverNetworks, nodeNetwork } from '../../src/provision/network/index.js';
import { bench } from '../helpers.js';
import { connects, failoverSummaryOf, networkToolsMissing, probedPartitionRun, type ProbedRun } from './partition-probe.js';

const execFileAsync = promisify(execFile);
const cluster = 'kafka-cluster';
const network = nodeNetwork(cluster, 3);
/** each node's broker listener in its namespace */
const brokerPort = 9092;

/** A netns kafka-cluster up in the default state folder (all three nodes running): used, not stopped. */
async function runningNetnsCluster(): Promise<boolean> {
  const status = await bench(['brokers', 'status', cluster], { timeoutMs: 60_000 });
  return /per-node networks/.test(status.stdout) && (status.stdout.match(/: running/g) ?? []).length === 3;
}

/** Why this file cannot run here, or undefined; and whether it uses a cluster someone brought up before. */
async function preflight(): Promise<{ skip?: string; reuse: boolean }> {
  const missing = await networkToolsMissing();
  if (missing) return { skip: missing, reuse: false };
  const taken = (await leftoverNetworks(cluster)).namespaces;
  if (taken.length === 0) return { reuse: false };
  if (await runningNetnsCluster()) return { reuse: true };
  return { skip: `a ${cluster} network is up (${taken.join(', ')}) but not as a running netns cluster of the state folder these tests use (MQBENCH_HOME, else .mqbench): bring it down first`, reuse: false };
}
const { skip, reuse } = await preflight();
if (skip) console.warn(`test/e2e/partition-kafka.test.ts skipped: ${skip}`);

let home: string | undefined;
let out: string;
/** our own state folder, unless the cluster was up before */
const env = (): NodeJS.ProcessEnv => (home ? { MQBENCH_HOME: home } : {});

interface PartitionRun extends ProbedRun {
  /** whether the cut node's broker port answered once the run (and so the heal) was over */
  answersAfterHeal: boolean;
}
let run: PartitionRun | undefined;

/** The run, with every node's broker port probed from this namespace while it goes. */
async function partitionRun(name: string, args: string[]): Promise<PartitionRun> {
  const done = await probedPartitionRun({ broker: 'kafka', nodes: network.nodes, port: brokerPort, dir: join(out, name), env: env(), timeoutMs: 120_000, args });
  const cut = network.nodes[(done.result.failover?.failedNode ?? 0) - 1];
  return { ...done, answersAfterHeal: cut ? await connects(cut.address, brokerPort) : false };
}

describe.skipIf(skip !== undefined)('kafka-cluster --netns and --fault partition', () => {
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'mqbench-partition-kafka-out-'));
    if (reuse) return;
    home = await mkdtemp(join(tmpdir(), 'mqbench-partition-kafka-home-'));
    const up = await bench(['brokers', 'up', cluster, '--netns'], { timeoutMs: 150_000, env: env() });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`per-node networks: ${network.subnet}`);
  }, 160_000);

  afterAll(async () => {
    // whatever a failed test left of what this file started: the nodes, their namespaces, the folders
    if (home) await bench(['brokers', 'down', cluster], { timeoutMs: 90_000, env: env() }).catch(() => undefined);
    if (home) await rm(home, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }, 100_000);

  test('leader isolated for 8 s: injected and healed, acks=all loses nothing acknowledged, Kafka reports the ISR change', async () => {
    run = await partitionRun('leader-isolate', ['--partition', 'isolate', '--fault-target', 'leader']);
    console.log(failoverSummaryOf(run.stdout));
    const { result } = run;
    const f = result.failover;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    // the failover scenario's own default: every in-sync replica acknowledges a write
    expect(result.workload.driver).toMatchObject({ delivery: 'ack', kafkaAcks: -1 });
    expect(result.workload.fault).toMatchObject({ kind: 'partition', partition: 'isolate', target: 'leader' });
    expect(f?.injected).toBe(true);
    expect(f?.ackedThenLost).toBe(0);
    const events = result.events ?? [];
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['fault-injected', 'fault-restored']));
    const reports = events.filter((e) => e.kind === 'broker-reported');
    expect(reports.map((e) => e.detail), JSON.stringify(events)).toContainEqual(expect.stringMatching(/^node \d: ISR of mqbench-[\w.-]+-0 /));
    // Kafka's clients follow the partition's leader, so the plug-in places no clients on nodes: a
    // Kafka run has no client populations (survivors, failed node), only the run's totals
    expect(f?.populations).toBeUndefined();
  }, 130_000);

  test('the partition is real: the cut node\'s broker port fails from the root namespace during the fault, the others never; it answers after the heal', () => {
    expect(run, 'the run above did not finish').toBeDefined();
    const { result, failures, answersAfterHeal } = run as PartitionRun;
    const cut = result.failover?.failedNode as number;
    expect(network.nodes.map((n) => n.index)).toContain(cut);
    // 8 s of partition at a probe every ~0.5-1.5 s: several failures on the cut node, none elsewhere
    expect(failures.get(cut), JSON.stringify([...failures])).toBeGreaterThanOrEqual(3);
    for (const node of network.nodes.filter((n) => n.index !== cut)) expect(failures.get(node.index)).toBe(0);
    expect(answersAfterHeal).toBe(true);
  });

  test.skipIf(reuse)('brokers down removes the nodes and the network: no namespace, link or rule left', async () => {
    const down = await bench(['brokers', 'down', cluster], { timeoutMs: 90_000, env: env() });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/network removed \(3 namespaces/);
    const { stdout } = await execFileAsync('ip', ['netns', 'list']);
    expect(stdout).not.toMatch(/mqbench-kafka-cluster-n\d/);
    expect(await leftoverNetworks(cluster)).toEqual({ namespaces: [], links: [], rules: [], processes: [] });
  }, 100_000);
});
