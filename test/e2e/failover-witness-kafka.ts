/**
 * Kafka's failover figures against an independent witness (issue 26, Build 3): while mqbench's
 * failover run kills the partition leader of its topic on the local kafka-cluster (RF 3,
 * min.insync.replicas 2, acks=all), test/witness/KafkaWitness.java (the Java client from Maven
 * Central, no code shared with mqbench) produces to and consumes from the same topic, so the same
 * kill stops it. Each measures its own gaps: mqbench the longest run of 10 ms buckets without a
 * broker acknowledgement (publish) or receipt (consume), the witness the longest time between two
 * consecutive acknowledgements and between two consecutive receipts of its own records. Both are
 * "no success from the last one before the fault to the first one after it", so they must agree
 * (for consuming, within the band the test explains).
 * Run from clusters.test.ts, which owns the clusters' lifecycle.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kafkaCluster } from '../../src/drivers/kafka/cluster.js';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { bench, repoRoot } from '../helpers.js';

/** What KafkaWitness.java prints (one JSON line); times in ms. */
export interface KafkaWitnessResult {
  witness: string;
  topic: string;
  sent: number;
  acked: number;
  failed: number;
  worstAckLatencyMs: number;
  longestAckGapMs: number;
  longestAckGapFromMs: number | null;
  /** when the witness's consumer first read one of its records, since the witness started */
  firstReceiptMs: number | null;
  received: number;
  ackedNotReceived: number;
  longestReceiptGapMs: number;
  longestReceiptGapFromMs: number | null;
  /** the longest time without a fetch response (records or none): when the witness's consumer could read at all */
  longestFetchGapMs: number;
}

/**
 * How far mqbench's gaps may be from the witness's. Both clients look for the new leader on a
 * backoff capped at 250 ms (mqbench's record sender and fetcher; the witness's
 * retry/reconnect.backoff.max.ms), so each notices it up to 250 ms after the election, and the
 * 10 ms buckets add at most 20 ms: 0.5 s leaves room for that and for a scheduling pause of
 * either process on a loaded 2-core machine.
 */
const toleranceMs = 500;
/** The witness's load beside mqbench's 500 msg/s: enough that a 10 ms gap is noticed, small beside mqbench's. */
const witnessRatePerSec = 200;
/**
 * The witness sends for this long after the topic appears: the run's measured window starts later
 * (consumers join, 1 s warmup), so the witness has stopped before the run tears its topic down.
 */
const witnessSendingS = 20;

let out: string;

/** A running witness: `ready` once it has listed the topics that already exist, `result` when it ends. */
interface Witness {
  ready: Promise<void>;
  result: Promise<KafkaWitnessResult>;
  kill(): void;
}

/** Starts the witness with Java's source launcher against the cluster, waiting for the run's new topic. */
function startWitness(): Witness {
  const child = spawn(
    'java',
    [
      '-cp',
      join(repoRoot, 'brokers', 'tools', 'lib', '*'),
      join(repoRoot, 'test', 'witness', 'KafkaWitness.java'),
      '--bootstrap',
      kafkaCluster.url,
      '--topic-regex',
      '^mqbench-[0-9a-f]+\\.failover$',
      '--rate',
      String(witnessRatePerSec),
      '--duration-s',
      String(witnessSendingS),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes('kafka-witness: waiting for a new topic')) signalReady();
  });
  const result = new Promise<KafkaWitnessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as KafkaWitnessResult);
      else reject(new Error(`the Kafka witness exited with ${code}\n${stderr.slice(-4000)}`));
    });
  });
  return { ready, result, kill: () => void child.kill('SIGKILL') };
}

/** The failover run of failover-cases.ts (20 s window, the leader killed at 5 s for 8 s, 500 msg/s), Kafka acks=all. */
async function kafkaFailoverRun(): Promise<{ code: number | null; result: RunResult; stdout: string }> {
  const dir = join(out, 'kafka-witnessed');
  const run = await bench(
    ['run', '--broker', 'kafka', '--kafka-acks', 'all', '--scenario', 'failover', '--rate', '500', '--duration', '20s', '--warmup', '1s', '--fault-at', '5s', '--fault-for', '8s', '--out', dir, '--no-progress'],
    { timeoutMs: 170_000 },
  );
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files, run.stderr).toHaveLength(1);
  // readResult validates against the schema
  return { code: run.code, result: await readResult(join(dir, files[0] as string)), stdout: run.stdout };
}

/** The run and the witness side by side; the witness is stopped whatever happens. */
async function witnessedKafkaRun(): Promise<{ code: number | null; result: RunResult; stdout: string; witness: KafkaWitnessResult }> {
  const witness = startWitness();
  try {
    // a witness that cannot start (no java, no jars) fails the test now, not after the run
    await Promise.race([witness.ready, witness.result.then(() => undefined)]);
    const run = await kafkaFailoverRun();
    return { ...run, witness: await witness.result };
  } finally {
    witness.kill();
    await witness.result.catch(() => undefined);
  }
}

/** mqbench's gaps against the witness's, in ms, for the assertion messages. */
function comparison(result: RunResult, witness: KafkaWitnessResult): string {
  const f = result.failover;
  const ms = (us: number | undefined): number | undefined => (us === undefined ? undefined : us / 1000);
  return JSON.stringify({
    mqbench: { publishMs: ms(f?.publish.unavailableUs), consumeMs: ms(f?.consume.unavailableUs) },
    witness,
    events: result.events?.map((e) => `${e.atUs / 1e6}s ${e.kind}: ${e.detail}`),
  });
}

/**
 * The witness's own account holds together: every record it sent was acknowledged and read back,
 * and both its producer and its consumer were running when the leader died. The election waits for
 * Kafka's broker session timeout (up to 9 s): a side that saw no gap of a second was not there, and
 * gaps that began more than a second apart are not one fault.
 */
function expectWitnessSawTheFault(witness: KafkaWitnessResult, why: string): void {
  expect(witness.witness, why).toMatch(/^kafka-clients /);
  expect(witness.failed, why).toBe(0);
  expect(witness.acked, why).toBe(witness.sent);
  expect(witness.ackedNotReceived, why).toBe(0);
  expect(witness.longestAckGapMs, why).toBeGreaterThan(1000);
  expect(witness.longestReceiptGapMs, why).toBeGreaterThan(1000);
  expect(witness.firstReceiptMs, why).toBeLessThan(witness.longestReceiptGapFromMs ?? 0);
  expect(Math.abs((witness.longestReceiptGapFromMs ?? 0) - (witness.longestAckGapFromMs ?? 0)), why).toBeLessThan(1000);
}

/** Registers the witnessed Kafka case; clusters.test.ts calls it while its clusters are up. */
export function describeKafkaWitness(): void {
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'mqbench-kafka-witness-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  describe('failover against an independent witness: Kafka', () => {
    test('the witness runs from one Java source file on the jars npm run fetch:tools brings (kafka-clients among them)', () => {
      expect(existsSync(join(repoRoot, 'test', 'witness', 'KafkaWitness.java'))).toBe(true);
      expect(readdirSync(join(repoRoot, 'brokers', 'tools', 'lib')).some((f) => /^kafka-clients-[\d.]+\.jar$/.test(f))).toBe(true);
    });

    test("Kafka RF=3 acks=all, leader killed: mqbench's publish and consume gaps agree with the Java witness's within 0.5 s; nothing acknowledged lost; no member replaced, even when the killed node coordinated the group", async () => {
      const { code, result, stdout, witness } = await witnessedKafkaRun();
      const why = comparison(result, witness);
      // the witness's records on its topic are not mqbench's (no mqbench header): its consumer passes over them, no check fails
      expect(code, stdout).toBe(0);
      expect(result.broker.settings).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2, acks: 'all' });
      // the same topic, so the same partition leader and the same kill
      expect(result.broker.mapping, why).toContain(`topic ${witness.topic} `);
      expect(result.failover?.ackedThenLost, why).toBe(0);
      expect(result.counts.lost, why).toBe(0);
      // as Java's: the consumer follows the partition to its new leader (one fetch-leader-changed) and, when
      // the killed node coordinated its group, heartbeats to the new coordinator as the same member
      expect((result.events ?? []).filter((e) => e.kind === 'consumer-replaced'), why).toEqual([]);
      expect((result.events ?? []).filter((e) => e.kind === 'fetch-leader-changed'), why).toHaveLength(1);
      // what comes twice is at most what was in flight: ~200 ms of the 500 msg/s
      expect(result.counts.duplicated, why).toBeLessThanOrEqual(100);
      expectWitnessSawTheFault(witness, why);
      const publishMs = (result.failover?.publish.unavailableUs ?? Number.NaN) / 1000;
      const consumeMs = (result.failover?.consume.unavailableUs ?? Number.NaN) / 1000;
      console.log(
        `kafka witness: mqbench publish gap ${publishMs} ms, Java acks ${witness.longestAckGapMs} ms (worst latency ${witness.worstAckLatencyMs} ms); ` +
          `mqbench consume gap ${consumeMs} ms, Java receipts ${witness.longestReceiptGapMs} ms, fetches ${witness.longestFetchGapMs} ms`,
      );
      expect(Math.abs(publishMs - witness.longestAckGapMs), why).toBeLessThanOrEqual(toleranceMs);
      // consuming: a consumer behind the log when the leader died (mqbench's, often) reads on as soon as
      // the new leader answers fetches; one caught up (the witness's) waits for new records, that is for
      // acks=all producing, which came back up to seconds after fetching did, for the Java producer as
      // for mqbench's.
      // mqbench's gap lies between the two, within the tolerance: never longer than the witness's
      // receipts, never shorter than its fetches.
      expect(consumeMs, why).toBeLessThanOrEqual(witness.longestReceiptGapMs + toleranceMs);
      expect(consumeMs, why).toBeGreaterThanOrEqual(witness.longestFetchGapMs - toleranceMs);
    }, 240_000);
  });
}
