/**
 * The failover scenario on mqbench's local 3-node clusters (issue 11, "Must show", short form; Kafka's
 * leader kill is in failover-witness-kafka.ts, beside Kafka's own Java client):
 * the leader killed with a replicated queue / topic loses no acknowledged message and the outage is
 * reported; a frozen leader is survived or reported, never a hang. Run from clusters.test.ts, which
 * owns the clusters' lifecycle, so that the suite starts them once (they take a minute).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { findPlugin } from '../../src/drivers/index.js';
import { bench } from '../helpers.js';
import { removeWitnessQueue, runRabbitWitness, type WitnessResult } from '../witness/rabbit-witness.js';

let out: string;

/** A short failover run: 20 s window, the fault at 5 s for 8 s (unless args say otherwise), 500 msg/s. */
async function failoverRun(name: string, args: string[]): Promise<{ code: number | null; result: RunResult; stdout: string }> {
  const dir = join(out, name);
  const run = await bench(
    ['run', '--scenario', 'failover', '--rate', '500', '--duration', '20s', '--warmup', '1s', '--fault-at', '5s', ...(args.includes('--fault-for') ? [] : ['--fault-for', '8s']), '--out', dir, '--no-progress', ...args],
    { timeoutMs: 170_000 },
  );
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files, run.stderr).toHaveLength(1);
  // readResult validates against the schema
  return { code: run.code, result: await readResult(join(dir, files[0] as string)), stdout: run.stdout };
}

function expectNoAckedLoss(result: RunResult): void {
  const f = result.failover;
  expect(f).toBeDefined();
  expect(f?.ackedThenLost).toBe(0);
  expect(result.counts.lost).toBe(0);
  expect(result.events?.some((e) => e.kind === 'fault-injected')).toBe(true);
  // the outage is reported (it may be short, but the block says so either way)
  expect(f?.consume.firstSuccessAfterFaultUs).not.toBeNull();
}

type WitnessedQueue = 'quorum' | 'stream' | 'classic-mirrored';

/**
 * A failover run (leader killed, --clients spread, 4 late joiners) with the independent amqplib witness
 * publishing beside it: the witness's queue of the same type has its leader on node 1 (where the run's
 * own queue is declared, so where its leader is) and the witness publishes through node 2, established
 * before the fault.
 */
async function witnessedRun(queueType: WitnessedQueue): Promise<{ code: number | null; result: RunResult; stdout: string; witness: WitnessResult }> {
  const urls = (findPlugin('rabbit').cluster?.url ?? '').split(',');
  const queue = `mqbench-witness-${process.pid}-${queueType}${queueType === 'classic-mirrored' ? '.ha' : ''}`;
  const stop = new AbortController();
  const witnessing = runRabbitWitness({ leaderUrl: urls[0] ?? '', publishUrl: urls[1] ?? '', queue, queueType, ratePerSec: 200, faultForMs: 8000, signal: stop.signal });
  try {
    const run = await failoverRun(`rabbit-${queueType}-witnessed`, ['--broker', 'rabbit', '--queue-type', queueType, '--clients', 'spread', '--late-joiners', '4']);
    stop.abort();
    return { ...run, witness: await witnessing };
  } finally {
    stop.abort();
    await witnessing.catch(() => undefined);
    await removeWitnessQueue(urls, queue);
  }
}

/** mqbench's survivors agree with the witness within 0.5 s; every population is there; nothing acknowledged was lost. */
function expectWitnessAgrees(result: RunResult, witness: WitnessResult): void {
  const f = result.failover;
  const told = JSON.stringify({ populations: f?.populations, witness });
  // the witness's queue leads on node 1: the run's fault must have hit that node for the two to be comparable
  expect(f?.failedNode, told).toBe(1);
  const survivors = f?.populations?.find((p) => p.population === 'survivors');
  expect(survivors?.publish, told).not.toBeNull();
  expect(witness.acked, told).toBeGreaterThan(1000);
  expect(witness.leaderLostAtMs, told).not.toBeNull();
  // both figures are of the fault (the witness's begins between 1 s before the kill and the restart): so must mqbench's be
  const { faultAtUs } = f ?? { faultAtUs: 0 };
  expect(survivors?.publish?.unavailableFromUs ?? 0, told).toBeGreaterThanOrEqual(faultAtUs - 1_000_000);
  expect(survivors?.publish?.unavailableFromUs ?? 0, told).toBeLessThan(faultAtUs + 8_000_000);
  console.log(`witness (${result.workload.driver.queueType}): mqbench survivors publish gap ${(survivors?.publish?.unavailableUs ?? 0) / 1000} ms, amqplib witness ${witness.longestAckGapMs.toFixed(1)} ms; ${told}`);
  expect(Math.abs((survivors?.publish?.unavailableUs ?? 0) / 1000 - witness.longestAckGapMs), told).toBeLessThanOrEqual(500);
  expect(f?.populations?.map((p) => p.population), told).toEqual(['survivors', 'failed-node', 'late-joiners']);
  for (const p of f?.populations ?? []) expect(p.ackedThenLost, told).toBe(0);
}

/** Registers the failover cases; clusters.test.ts calls it while its clusters are up, before it stops them. */
export function describeFailover(): void {
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'mqbench-failover-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  describe('failover: bad input is one line, exit 2, before anything connects', () => {
    test('a fault option elsewhere; a kill on a cluster mqbench did not start', async () => {
      const elsewhere = await bench(['run', '--broker', 'rabbit', '--scenario', 'ack', '--fault-at', '5s', '--out', join(out, 'bad')]);
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr.trim()).toBe('bench: --fault-at is a failover option; it has no meaning in the ack scenario (use --scenario failover)');
      const named = await bench(['run', '--broker', 'rabbit', '--scenario', 'failover', '--rabbit-url', 'amqp://u:secret@10.0.0.1:5672,amqp://u:secret@10.0.0.2:5672', '--out', join(out, 'bad')]);
      expect(named.code).toBe(2);
      expect(named.stderr.trim().split('\n')).toHaveLength(1);
      expect(named.stderr).toMatch(/mqbench never kills what it did not start/);
      expect(named.stderr).not.toMatch(/secret/);
    });
  });

  describe('failover on the local clusters', () => {
    test('RabbitMQ quorum queue, leader killed: exit 0, nothing acknowledged lost; each population reported, survivors as the amqplib witness saw it', async () => {
      const { code, result, stdout, witness } = await witnessedRun('quorum');
      expect(code, stdout).toBe(0);
      expect(result.workload.driver.queueType).toBe('quorum');
      expectNoAckedLoss(result);
      expectWitnessAgrees(result, witness);
      expect(stdout).toMatch(/failover: kill of leader/);
      expect(stdout).toMatch(/0 acknowledged by the broker and then lost/);
      expect(stdout).toMatch(/by client population \(--clients spread, 4 late joiners; node 1 failed\)/);
      expect(result.broker.url).not.toMatch(/guest:guest/);
    }, 180_000);

    test.each(['stream', 'classic-mirrored'] as const)('RabbitMQ %s queue, leader killed: survivors as the amqplib witness saw them, nothing acknowledged lost', async (queueType) => {
      const { code, result, stdout, witness } = await witnessedRun(queueType);
      expect(code, stdout).toBe(0);
      expectNoAckedLoss(result);
      expectWitnessAgrees(result, witness);
    }, 180_000);

    test('RabbitMQ quorum queue, leader killed for good (--fault-for never), every client on a survivor: nothing acknowledged lost, only the survivors population', async () => {
      const { code, result, stdout } = await failoverRun('rabbit-never-survivors', ['--broker', 'rabbit', '--queue-type', 'quorum', '--clients', 'survivors', '--fault-for', 'never']);
      expect(code, stdout).toBe(0);
      const f = result.failover;
      expect(f?.fault).toMatchObject({ forUs: null, clients: 'survivors', lateJoiners: 0 });
      expect(f?.populations?.map((p) => p.population)).toEqual(['survivors']);
      expect(f?.populations?.[0]?.nodes).not.toContain(f?.failedNode);
      expect(f?.populations?.[0]?.producers).toBe(3);
      // the node stays down to the end of the window: no restore gap inside it
      expect(f?.restoreGaps).toBeUndefined();
      expectNoAckedLoss(result);
      expect(stdout).toMatch(/planned 5s for the rest of the run/);
    }, 180_000);

    test('RabbitMQ quorum queue, leader frozen (SIGSTOP): survived or reported, never a hang', async () => {
      const { code, result, stdout } = await failoverRun('rabbit-stop', ['--broker', 'rabbit', '--fault', 'stop']);
      // 0: survived; 1: went to its end with sends that were never confirmed, and said so (seen once in a
      // CI run, whose log kept only the exit code: the assertion now prints the result's error); 4: aborted, said so
      expect([0, 1, 4], `${result.status}: ${'error' in result ? result.error : ''}\n${stdout}`).toContain(code);
      expect(result.events?.some((e) => e.kind === 'fault-restored')).toBe(true);
      if (code === 4) expect(result.status).toBe('aborted');
      else expect(result.failover?.ackedThenLost).toBe(0);
      if (code === 1) expect(result).toMatchObject({ status: 'completed-with-errors', error: expect.stringMatching(/failed or (was|were) never confirmed/) });
    }, 180_000);
  });
}
