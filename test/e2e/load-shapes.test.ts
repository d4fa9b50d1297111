/**
 * `bench run --stages` and `--sizes` as a user runs them (issue 31, item 10), on the in-memory broker
 * and the real RabbitMQ (noack, a few seconds): the result records the ramp and the distribution, the
 * timeline follows the ramp, the sizes sent add up to the sends and MB/s counts their real bytes;
 * bad text is one line, exit 2, before anything connects.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { bench, leftoverRabbitObjects, rabbitUrl } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-load-shapes-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function onlyResult(dir: string): Promise<RunResult> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  expect(files).toHaveLength(1);
  return readResult(join(dir, files[0] as string));
}

/** The timeline's measured seconds' sends, one per second of the window. */
const sentPerSecond = (result: RunResult, seconds: number): number[] => Array.from({ length: seconds }, (_, s) => result.timeline.find((p) => p.second === s)?.sent ?? 0);

describe('bench run --stages and --sizes', () => {
  test('memory: a ramp 0 -> 1,000 -> 3,000 -> 0 msg/s with three sizes: recorded, followed second by second, sizes tallied', async () => {
    const dir = join(out, 'memory');
    const args = ['run', '--broker', 'memory', '--scenario', 'noack', '--stages', '2s:1000,2s:3000,1s:0', '--sizes', '100:70%,1KiB:25%,10KiB:5%', '--seed', '7', '--no-progress', '--out', dir];
    const run = await bench(args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('(ramping arrival rate 0 -> 1,000 msg/s over 2s, -> 3,000 over 2s, -> 0 over 1s, at most 300 sends outstanding, 5s measured after 0s warmup, message sizes 100 B 70%, 1,024 B 25%, 10,240 B 5% (seed 7))');
    expect(run.stdout).toMatch(/^sizes sent: 100 B: [\d,]+ \([\d.]+%\), 1,024 B: [\d,]+ \([\d.]+%\), 10,240 B: [\d,]+ \([\d.]+%\); mean [\d,]+ B$/m);
    const result = await onlyResult(dir);
    expect(result.workload.ramp).toEqual({ startPerSec: 0, stages: [{ durationUs: 2_000_000, targetPerSec: 1000 }, { durationUs: 2_000_000, targetPerSec: 3000 }, { durationUs: 1_000_000, targetPerSec: 0 }] });
    expect(result.workload).toMatchObject({ durationUs: 5_000_000, warmupUs: 0, rate: 3000, messageSize: 10240 });
    expect(result.workload.sizes).toEqual({ kind: 'weighted', seed: 7, sizes: [{ bytes: 100, weight: 0.7 }, { bytes: 1024, weight: 0.25 }, { bytes: 10240, weight: 0.05 }] });
    // the ramp's area: 1,000 + 4,000 + 1,500 messages, the last one due on the window's end (a loaded machine may leave a few unsent)
    expect(result.openLoop?.scheduled).toBe(6499);
    expect(result.counts.sent + (result.openLoop?.unsent ?? 0)).toBe(6499);
    // second by second the schedule asks 249, 750, 1,500, 2,500, 1,500: up, up, up, down
    const [s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0] = sentPerSecond(result, 5);
    expect(s0 < s1 && s1 < s2 && s2 < s3 && s4 < s3, `${s0}, ${s1}, ${s2}, ${s3}, ${s4}`).toBe(true);
    expect(Math.abs(s0 - 249)).toBeLessThan(100);
    const buckets = result.sizesSent ?? [];
    expect(buckets.map((b) => b.fromBytes)).toEqual([100, 1024, 10240]);
    expect(buckets.reduce((n, b) => n + b.sent, 0)).toBe(result.counts.sent);
    for (const b of buckets) expect(b.bytes).toBe(b.sent * b.fromBytes);
    expect(Math.abs((buckets[0]?.sent ?? 0) / result.counts.sent - 0.7)).toBeLessThan(0.03);
    // every message arrived: MB/s is the bytes sent over the receive window
    const bytes = buckets.reduce((n, b) => n + b.bytes, 0);
    expect(result.throughput.mbPerSec).toBeCloseTo(bytes / (result.throughput.receiveWindowUs / 1e6) / 1e6, 6);
    // the same seed draws the same sizes
    const again = await bench([...args.slice(0, -1), join(out, 'memory-again')]);
    expect(again.code, again.stderr).toBe(0);
    expect((await onlyResult(join(out, 'memory-again'))).sizesSent).toEqual(result.sizesSent);
  });

  test('rabbit noack: a 3 s ramp from 500 to 2,000 msg/s after a 1 s warmup at 500, sizes uniform 64-4KiB; nothing left on the broker', async () => {
    const dir = join(out, 'rabbit');
    const run = await bench(['run', '--broker', 'rabbit', '--rabbit-url', rabbitUrl, '--scenario', 'noack', '--stages', '500,3s:2000', '--warmup', '1s', '--sizes', 'uniform:64-4KiB', '--no-progress', '--out', dir]);
    expect(run.code, run.stderr).toBe(0);
    const result = await onlyResult(dir);
    expect(result.workload).toMatchObject({ durationUs: 3_000_000, warmupUs: 1_000_000, ramp: { startPerSec: 500 }, sizes: { kind: 'uniform', minBytes: 64, maxBytes: 4096, seed: 1 } });
    expect(result.status).toBe('completed');
    // the area of 500 -> 2,000 over 3 s: 3,750 measured sends due
    expect(result.openLoop?.scheduled).toBe(3750);
    expect(result.counts.lost).toBe(0);
    const [first = 0, , last = 0] = sentPerSecond(result, 3);
    expect(last).toBeGreaterThan(first * 2);
    const buckets = result.sizesSent ?? [];
    expect(buckets).toHaveLength(10);
    expect(buckets[0]?.fromBytes).toBe(64);
    expect(buckets.at(-1)?.toBytes).toBe(4096);
    expect(buckets.reduce((n, b) => n + b.sent, 0)).toBe(result.counts.sent);
    expect((await leftoverRabbitObjects()).filter((name) => name.startsWith(`mqbench-${result.id}`))).toEqual([]);
  });

  test('bad text: one line, exit 2, before anything connects', async () => {
    const base = ['run', '--broker', 'rabbit', '--rabbit-url', 'amqp://127.0.0.1:1', '--scenario', 'noack', '--no-progress', '--out', join(out, 'bad')];
    const stages = await bench([...base, '--stages', '10s:fast']);
    expect(stages.code).toBe(2);
    expect(stages.stderr).toBe('bench: --stages: a stage\'s rate must be a number of messages per second from 0 to 10,000,000, got "10s:fast"\n');
    const both = await bench([...base, '--stages', '10s:100', '--duration', '5s']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("bench: --stages sets the rate over time and the run's length (the stages' sum): leave out --duration\n");
    const sizes = await bench([...base, '--sizes', '16,100']);
    expect(sizes.code).toBe(2);
    expect(sizes.stderr).toBe('bench: --sizes: must be at least 32 bytes (the mqbench header), got "16"\n');
  });
});
