/** Issue 3's scenarios against the real brokers, through the CLI as a user runs them. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { bench } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-scenarios-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function resultsIn(dir: string): Promise<RunResult[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map((f) => readResult(join(dir, f))));
}

async function runOne(name: string, args: string[]): Promise<RunResult> {
  const dir = join(out, name);
  const run = await bench(['run', ...args, '--out', dir, '--no-progress']);
  expect(run.code, run.stderr).toBe(0);
  const [result] = await resultsIn(dir);
  if (!result) throw new Error('no result written');
  return result;
}

describe.each(['rabbit', 'kafka'])('%s', (broker) => {
  test('partitioned over 4 partitions: every one of the 4 consumers receives, nothing lost or duplicated', async () => {
    const result = await runOne(`${broker}-partitioned`, ['--broker', broker, '--scenario', 'partitioned', '--partitions', '4', '--duration', '3s', '--warmup', '1s']);
    expect(result.consumers).toHaveLength(4);
    for (const consumer of result.consumers) expect(consumer.received).toBeGreaterThan(0);
    expect(result.counts.sent).toBeGreaterThan(0);
    expect(result.counts.lost).toBe(0);
    expect(result.counts.duplicated).toBe(0);
    expect(result.counts.received).toBe(result.counts.sent);
    // the default Kafka client's hot paths: mqbench's Produce encoder and Fetch reader, and the result says so
    if (broker === 'kafka') {
      expect(result.broker.settings.produceEncoding).toMatch(/^Produce v1[01] requests encoded by mqbench/);
      expect(result.broker.settings.fetchDecoding).toMatch(/^Fetch v17 requests encoded by the client, their records read by mqbench/);
      // driver events are kept in every run now: none of these, and the paths in numbers say the same
      expect((result.events ?? []).filter((e) => e.kind === 'produce-resent' || e.kind === 'fetch-through-client')).toEqual([]);
      const paths = new Map((result.clientPaths?.paths ?? []).map((p) => [p.path, p.records]));
      expect(paths.get('produce: mqbench encoder')).toBeGreaterThanOrEqual(result.counts.sent);
      expect(paths.get('fetch: mqbench decoder')).toBeGreaterThanOrEqual(result.counts.received);
      expect(paths.get('produce: client') ?? 0).toBe(0);
      expect(paths.get('fetch: client consumer.fetch()') ?? 0).toBe(0);
      expect(result.clientPaths?.fallbacks).toEqual([]);
    }
  });

  test('fanout to 3 subscriptions receives 3x what it sent', async () => {
    const result = await runOne(`${broker}-fanout`, ['--broker', broker, '--scenario', 'fanout', '--subscriptions', '3', '--duration', '3s', '--warmup', '1s']);
    expect(result.counts.sent).toBeGreaterThan(0);
    expect(result.counts.received).toBe(3 * result.counts.sent);
    expect(result.counts.lost).toBe(0);
  });

  test('ack mode records publish latency (broker confirms) and the settings really used', async () => {
    const result = await runOne(`${broker}-ack`, ['--broker', broker, '--scenario', 'ack', '--rate', '500', '--duration', '2s', '--warmup', '1s']);
    expect(result.loop).toBe('open-loop');
    expect(result.latencyUs.publish.count).toBe(result.counts.sent);
    expect(result.latencyUs.sendDelay.count).toBe(result.counts.sent);
    expect(result.counts.received).toBe(result.counts.sent);
    if (broker === 'rabbit') expect(result.broker.settings).toMatchObject({ publisherConfirms: true, noAck: false });
    else expect(result.broker.settings).toMatchObject({ acks: 'all' });
  });

  test('two worker processes: counts and histograms merge exactly', async () => {
    const result = await runOne(`${broker}-workers`, ['--broker', broker, '--scenario', 'partitioned', '--partitions', '2', '--producers', '2', '--workers', '2', '--duration', '3s', '--warmup', '1s']);
    expect(result.counts.sent).toBeGreaterThan(0);
    expect(result.counts.received).toBe(result.counts.sent);
    expect(result.latencyUs.endToEnd.count).toBe(result.counts.received);
    expect(result.accounting.map((a) => a.producer).sort()).toEqual([0, 1]);
    for (const account of result.accounting) expect(account.received).toBe(account.expected);
  });
});

describe('workload files and comparison runs', () => {
  test('a workload file runs, flags win over it, --broker a,b runs both back to back', async () => {
    const file = join(out, 'w.yaml');
    await writeFile(file, 'scenario: noack\nduration: 5s\nwarmup: 0s\nsize: 64\nrate: 300\n');
    const dir = join(out, 'file-run');
    const run = await bench(['run', '--workload', file, '--broker', 'memory,rabbit', '--duration', '1s', '--out', dir, '--no-progress']);
    expect(run.code, run.stderr).toBe(0);
    const results = await resultsIn(dir);
    expect(results.map((r) => r.workload.broker).sort()).toEqual(['memory', 'rabbit']);
    for (const r of results) {
      expect(r.workload.durationUs).toBe(1_000_000);
      expect(r.workload.messageSize).toBe(64);
      expect(r.workload.rate).toBe(300);
    }
  });

  test('--repeat with two brokers writes one result per run and ends with one closing table, a row per broker', async () => {
    const dir = join(out, 'repeat');
    const run = await bench(['run', '--broker', 'memory,faulty', '--scenario', 'noack', '--duration', '1s', '--warmup', '0s', '--repeat', '2', '--out', dir, '--no-progress']);
    expect(run.code, run.stderr).toBe(0);
    expect(await resultsIn(dir)).toHaveLength(4);
    const closing = run.stdout.slice(run.stdout.lastIndexOf('all runs (4)'));
    expect(closing).toMatch(/^all runs \(4\): medians over the repeats/);
    expect(closing.split('\n').filter((line) => /^│ (memory|faulty): noack .* │ 2 +│/.test(line))).toHaveLength(2);
  });

  test.concurrent.each([
    ['unknown: 1\nscenario: noack\n', /unknown field "unknown"/],
    ['scenario: [noack\n', /not valid YAML/],
    ['- a\n- b\n', /must be a YAML mapping/],
    ['scenario: noack\nsize: 10\n', /: --size: must be at least 32 bytes \(the mqbench header\), got "10"/],
    ['scenario: noack\nprefetch: 70000\n', /: --prefetch: must be a whole number from 1 to 65,535, got "70000"/],
  ])('bad workload file %j -> one line, exit 2', async (text, message) => {
    const file = join(out, `bad-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, text);
    const run = await bench(['run', '--workload', file, '--broker', 'rabbit']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
