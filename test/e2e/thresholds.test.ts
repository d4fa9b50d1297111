/**
 * `bench run --threshold` and `--csv` against the real RabbitMQ (issue 31, item 10): a missed threshold
 * is a ✗ line and exit 1, a met one a ✓ and exit 0, bad text exit 2 before anything connects; the
 * CSV beside the result has a row per second of its timeline.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readResult } from '../../src/results/store.js';
import { bench } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-thresholds-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const shortRun = ['run', '--broker', 'rabbit', '--scenario', 'noack', '--duration', '3s', '--warmup', '1s', '--no-progress'];

describe('bench run --threshold', () => {
  test('p99<1ms on a closed-loop run (1,000 in flight) is missed: the ✗ line and exit 1; lost==0 is a ✓; --csv writes a row per second', async () => {
    const dir = join(out, 'missed');
    const run = await bench([...shortRun, '--threshold', 'p99<1ms', '--threshold', 'lost==0', '--csv', '--out', dir]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^ {2}✗ threshold p99<1ms \(end-to-end p99 [\d.]+ ms\)$/m);
    expect(run.stdout).toMatch(/^ {2}✓ threshold lost==0 \(lost messages 0\)$/m);
    // nothing else failed: the exit 1 is the threshold's
    expect(run.stdout.match(/✗/g)).toHaveLength(1);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    const [csvName, jsonName] = files as [string, string];
    expect(csvName).toBe(jsonName.replace(/\.json$/, '.csv'));
    expect(run.stderr).toContain(`timeline CSV: ${join(dir, csvName)}`);
    const result = await readResult(join(dir, jsonName));
    const [header, ...rows] = (await readFile(join(dir, csvName), 'utf8')).trimEnd().split('\n');
    expect(header).toBe('second,phase,covered_s,sent,acked,received,received_bytes,e2e_p99_us');
    expect(rows).toHaveLength(result.timeline.length);
    const cells = rows.map((row) => row.split(','));
    expect(cells.filter((c) => c[1] === 'window').map((c) => c[0])).toEqual(['0', '1', '2']);
    expect(cells.map((c) => Number(c[3])).reduce((a, b) => a + b, 0)).toBe(result.counts.sent);
    expect(cells.map((c) => Number(c[5])).reduce((a, b) => a + b, 0)).toBe(result.timeline.reduce((sum, p) => sum + p.received, 0));
  });

  test('met thresholds: ✓ lines and exit 0', async () => {
    const run = await bench([...shortRun, '--threshold', 'p99<60s', '--threshold', 'throughput>=1', '--out', join(out, 'met')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}✓ threshold p99<60s \(end-to-end p99 /m);
    expect(run.stdout).toMatch(/^ {2}✓ threshold throughput>=1 \(received msg\/s [\d,]+\)$/m);
    expect(run.stdout).not.toMatch(/✗/);
  });

  test('with --json stdout stays one result document; a missed threshold is said on stderr and exits 1; several runs count it in the closing table', async () => {
    const memoryRun = ['run', '--broker', 'memory', '--scenario', 'noack', '--rate', '1000', '--duration', '1s', '--warmup', '1s', '--no-progress', '--threshold', 'p99<1us'];
    const json = await bench([...memoryRun, '--json', '--out', join(out, 'json')]);
    expect(json.code, json.stderr).toBe(1);
    expect((JSON.parse(json.stdout) as { status: string }).status).toBe('completed');
    expect(json.stderr).toMatch(/^✗ threshold p99<1us \(end-to-end p99 [\d.]+ (us|ms)\)$/m);
    const repeated = await bench([...memoryRun, '--repeat', '2', '--out', join(out, 'repeat')]);
    expect(repeated.code, repeated.stderr).toBe(1);
    expect(repeated.stdout).toMatch(/│ memory: noack .*│ 2 +│$/m);
  });

  test('bad threshold text: one line, exit 2, before anything connects (a broker that is not there is not reached)', async () => {
    const dir = join(out, 'bad');
    const run = await bench([...shortRun, '--rabbit-url', 'amqp://127.0.0.1:1', '--threshold', 'p99<20', '--out', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('bench: --threshold "p99<20": a latency needs a time unit: us, ms or s (e.g. "p99<20ms")\n');
    expect(run.stdout).toBe('');
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
