/**
 * A setting past a limit the broker documents is said before the run starts (issue 30, item 5), as a
 * user runs it: Mosquitto on 1883 and NATS on 4222 (the shared services).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bench } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-limit-warnings-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const runArgs = (dir: string, args: string[]): string[] => ['run', ...args, '--duration', '1s', '--warmup', '500ms', '--out', join(out, dir), '--no-progress'];

describe('bench run warns about a setting past a broker limit before it starts', () => {
  test("mqtt ack --inflight 5000: Mosquitto's max_queued_messages named first, then the run goes", async () => {
    const run = await bench(runArgs('mqtt', ['--broker', 'mqtt', '--scenario', 'ack', '--inflight', '5000']));
    const [first] = run.stderr.split('\n');
    expect(first).toMatch(/^warning: mqtt: --inflight 5000 is at or above Mosquitto's max_queued_messages \(default 1000 QoS 1 messages queued per subscriber; mosquitto\.conf\(5\)\)/);
    expect(run.stderr.match(/^warning: mqtt:/gm)).toHaveLength(1);
    // a warning, not a refusal: the run went (whether Mosquitto dropped some is the broker's doing)
    expect(run.stdout).toContain('mqtt / ack (closed loop, 5,000 in flight');
    expect(await readdir(join(out, 'mqtt'))).toHaveLength(1);
  });

  test('nats ack --inflight 5000: JetStream max ack pending named; the defaults of both say nothing', async () => {
    const nats = await bench(runArgs('nats', ['--broker', 'nats', '--scenario', 'ack', '--inflight', '5000']));
    expect(nats.stderr.split('\n')[0]).toMatch(/^warning: nats: --inflight 5000 is above JetStream's max ack pending \(--nats-max-ack-pending 1000; docs\.nats\.io/);
    expect(nats.code, nats.stderr).toBe(0);
    const defaults = await bench(runArgs('defaults', ['--broker', 'mqtt,nats', '--scenario', 'ack']));
    expect(defaults.code, defaults.stderr).toBe(0);
    expect(defaults.stderr).not.toContain('warning:');
  });
});
