/**
 * An OpenMessaging Benchmark workload file of ours (test/fixtures/omb/small-backlog.yaml: a 3 MB
 * backlog at 3,000 msg/s) run as a user runs it on Kafka (9092) and RabbitMQ (5672) (issue 30, item 1):
 * the mapping printed before the run, the backlog built and drained, nothing lost, a drain rate.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunResult } from '../../src/results/types.js';
import { bench, repoRoot } from '../helpers.js';

const file = join(repoRoot, 'test/fixtures/omb/small-backlog.yaml');
let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-omb-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function onlyResult(dir: string): Promise<RunResult> {
  const [name] = await readdir(dir);
  return JSON.parse(await readFile(join(dir, name ?? ''), 'utf8')) as RunResult;
}

describe('bench run --workload <OMB file> with a backlog', () => {
  test.each(['kafka', 'rabbit'])('%s: mapping printed, backlog built and drained, lost 0', async (broker) => {
    const run = await bench(['run', '--broker', broker, '--workload', file, '--out', join(out, broker), '--no-progress'], { timeoutMs: 45_000 });
    expect(run.code, run.stderr).toBe(0);
    const mapping = run.stderr.split('\n');
    expect(mapping[0]).toBe(`OpenMessaging Benchmark workload "test backlog, 1 topic / 2 partitions" (${file}), field by field:`);
    expect(mapping).toContain('  partitionsPerTopic = 2 -> --partitions = 2');
    expect(mapping).toContain('  producerRate = 3000 -> --rate = 3000 (msg/s over all producers, open loop)');
    expect(run.stderr).toContain('  consumerBacklogSizeGB = 0.003 -> --backlog-size = 3221225 (scenario backlog:');
    expect(run.stdout).toMatch(/^backlog: 3\.1 MiB asked, built [\d,]+ messages/m);
    expect(run.stdout).toMatch(/^ {2}drain: drained in [\d.]+ m?s: [\d,]+ msg\/s, [\d.]+ MB\/s while producers went on/m);
    const result = await onlyResult(join(out, broker));
    expect(result.status).toBe('completed');
    expect(result.workload).toMatchObject({ scenario: 'backlog', backlogBytes: 3221225, partitions: 2, consumers: 2, rate: 3000, messageSize: 1024 });
    expect(result.counts.lost).toBe(0);
    expect(result.counts.received).toBe(result.counts.expected);
    const backlog = result.backlog;
    expect(backlog?.reachedTarget).toBe(true);
    expect(backlog?.builtBytes).toBeGreaterThanOrEqual(3221225);
    expect(backlog?.drained).toBe(true);
    expect(backlog?.drainPerSec).toBeGreaterThan(0);
    expect(backlog?.drainMbPerSec).toBeGreaterThan(0);
    // the backlog drained no slower than producers fill it: the consumers caught up
    expect(backlog?.drainPerSec).toBeGreaterThan(3000);
  });
});
