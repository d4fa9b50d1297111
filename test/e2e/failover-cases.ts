/**
 * The failover scenario on mqbench's local 3-node clusters (issue 11, "Must show", short form):
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
import { bench } from '../helpers.js';

let out: string;

/** A short failover run: 20 s window, the fault at 5 s for 8 s, 500 msg/s. */
async function failoverRun(name: string, args: string[]): Promise<{ code: number | null; result: RunResult; stdout: string }> {
  const dir = join(out, name);
  const run = await bench(
    ['run', '--scenario', 'failover', '--rate', '500', '--duration', '20s', '--warmup', '1s', '--fault-at', '5s', '--fault-for', '8s', '--out', dir, '--no-progress', ...args],
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

/**
 * Kafka, the partition leader killed: the consumer follows the partition to its new leader (a
 * metadata refresh, the same offset fetched there; one 'fetch-leader-changed' event) and no group
 * member is replaced. One case is allowed: the group's coordinator lived on the killed node, which
 * @platformatic/kafka 1.35 never looks past (the event says so); the new member then starts where
 * the replaced one had read to. Either way, what comes twice is at most what was in flight.
 */
function expectLeaderFollowed(result: RunResult, ratePerS: number): void {
  const events = result.events ?? [];
  const replaced = events.filter((e) => e.kind === 'consumer-replaced');
  for (const e of replaced) expect(e.detail, JSON.stringify(events)).toMatch(/its group coordinator did not answer a heartbeat/);
  // a member replaced for its coordinator was closed before the election: its successor starts at the new leader
  const followed = events.filter((e) => e.kind === 'fetch-leader-changed');
  if (replaced.length === 0) expect(followed, JSON.stringify(events)).toHaveLength(1);
  // in flight at the fault: unacknowledged sends (resent, so written twice) over ~200 ms of the rate
  expect(result.counts.duplicated).toBeLessThanOrEqual(ratePerS / 5);
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
    test('RabbitMQ quorum queue, leader killed: exit 0, nothing acknowledged lost, outage reported', async () => {
      const { code, result, stdout } = await failoverRun('rabbit-kill', ['--broker', 'rabbit', '--queue-type', 'quorum']);
      expect(code, stdout).toBe(0);
      expect(result.workload.driver.queueType).toBe('quorum');
      expectNoAckedLoss(result);
      expect(stdout).toMatch(/failover: kill of leader/);
      expect(stdout).toMatch(/0 acknowledged by the broker and then lost/);
      expect(result.broker.url).not.toMatch(/guest:guest/);
    }, 180_000);

    test('Kafka RF=3 acks=all, leader killed: exit 0, nothing acknowledged lost, outage reported; the consumer follows the new leader, no member replaced', async () => {
      const { code, result, stdout } = await failoverRun('kafka-kill', ['--broker', 'kafka', '--kafka-acks', 'all']);
      expect(code, stdout).toBe(0);
      expect(result.broker.settings).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2, acks: 'all' });
      expectNoAckedLoss(result);
      expectLeaderFollowed(result, 500);
    }, 180_000);

    test('RabbitMQ quorum queue, leader frozen (SIGSTOP): survived or reported, never a hang', async () => {
      const { code, result } = await failoverRun('rabbit-stop', ['--broker', 'rabbit', '--fault', 'stop']);
      expect([0, 4]).toContain(code);
      expect(result.events?.some((e) => e.kind === 'fault-restored')).toBe(true);
      if (code === 0) expect(result.failover?.ackedThenLost).toBe(0);
      else expect(result.status).toBe('aborted');
    }, 180_000);
  });
}
