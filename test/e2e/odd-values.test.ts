/**
 * Odd values and output folders through the real CLI (issue 29, items 12 and 13): each bad input is
 * one line naming the problem, exit 2, before anything connects (the commands run side by side: none
 * reaches a broker); a result --out cannot take goes to a private temp folder or stdout, said in one
 * line, with a non-zero exit, never to a shared fixed path.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bench, type CliRun } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-odd-values-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const decimalOnly = 'must be written in decimal digits (e.g. 16 or 2.5: no 0x, exponent or Infinity)';
const run = (broker: string, ...args: string[]): string[] => ['run', '--broker', broker, '--scenario', 'noack', ...args];

function expectRefused(cli: CliRun, line: string): void {
  expect(cli.code, cli.stderr).toBe(2);
  expect(cli.stderr).toBe(`bench: ${line}\n`);
  expect(cli.stdout).toBe('');
}

describe('bad values: one line, exit 2, before anything connects', () => {
  test.concurrent.each([
    [run('rabbit', '--duration', '99999999999999999999999h'), '--duration: must be at most 7 days, got "99999999999999999999999h"'],
    [run('rabbit', '--drain-timeout', '99999h'), '--drain-timeout: must be at most 1 h, got "99999h"'],
    [run('rabbit', '--rate', '1e-9'), `--rate: ${decimalOnly}, got "1e-9"`],
    [run('rabbit', '--rate', '0x10'), `--rate: ${decimalOnly}, got "0x10"`],
    [run('rabbit', '--size', '0x40'), `--size: ${decimalOnly}, got "0x40"`],
    [run('rabbit', '--max-outstanding', '5'), '--max-outstanding caps the sends of an open loop (--rate N); in closed loop (--rate max) --inflight is the cap: use --inflight, or give a rate'],
    [run('nats', '--nats-url', 'nats://'), '--nats-url: nats://: names no host, e.g. 127.0.0.1 after the scheme (the client would quietly use its own default)'],
    [run('rabbit', '--rabbit-url', 'amqp://guest:guest@127.0.0.1:5672/%zz'), "--rabbit-url: amqp://127.0.0.1:5672/%zz: holds a '%' that is not followed by two hex digits (bad percent-encoding): write a '%' itself as %25"],
    [run('mqtt', '--mqtt-url', 'mqtt://:@127.0.0.1:1883'), "--mqtt-url: mqtt://127.0.0.1:1883: has an empty user and password before '@': name them, or leave out the '@' to connect without"],
    [
      run('kafka', '--size', '2MiB'),
      "--size: a message of 2,097,152 bytes makes a record batch of 2,097,236 bytes, over Kafka's message.max.bytes (1,048,588 bytes by default): the broker would refuse every message; lower --size, or, for a broker configured for more, give --batch-bytes of at least 2,097,236",
    ],
    [['sweep', '--quiet', '--broker', 'memory', '--scenario', 'noack', '--vary', 'drain-timeout=1s,99999h'], '--drain-timeout: must be at most 1 h, got "99999h"'],
    [['find-rate', '--quiet', '--broker', 'memory', '--scenario', 'noack', '--slo', 'p99<20ms', '--start-rate', '0x10'], `--start-rate: ${decimalOnly}, got "0x10"`],
    [run('rabbit', '--out', ''), '--out: must name a folder, got ""'],
    [run('\u001b[2J\u001b]8;;x\u0007evil'), 'unknown broker "\\u001b[2J\\u001b]8;;x\\u0007evil"; valid brokers: rabbit, kafka, nats, redis, rabbit-stream, mqtt, memory, faulty'],
  ])('%j', async (args, line) => {
    const cli = await bench(args, { timeoutMs: 60_000 });
    expectRefused(cli, line);
    expect(cli.ms).toBeLessThan(30_000);
  });

  test.concurrent('MQBENCH_MQTT_URL=mqtt://:@ is refused, not run against the default broker', async () => {
    const cli = await bench(run('mqtt'), { env: { MQBENCH_MQTT_URL: 'mqtt://:@' }, timeoutMs: 60_000 });
    expectRefused(cli, 'MQBENCH_MQTT_URL: mqtt://: names no host, e.g. 127.0.0.1 after the scheme (the client would quietly use its own default)');
  });

  test.concurrent('control characters in --out are escaped in the error line', async () => {
    const cli = await bench(run('memory', '--out', '/proc/\u001b[2Jx\rY'), { timeoutMs: 60_000 });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/^bench: --out: cannot create \/proc\/\\u001b\[2Jx\\rY \(E[A-Z]+\)\n$/);
  });

  // Node's recursive mkdir never returns under /proc: these hung at 67% of a core before
  test.concurrent('report, trend and check --junit into a folder under /proc: one line, exit 2, no hang', async () => {
    const fixture = join(import.meta.dirname, '../fixtures/result-v1.json');
    expectRefused(await bench(['report', fixture, '--out', '/proc/nope/x'], { timeoutMs: 30_000 }), '--out: cannot create /proc/nope (ENOENT)');
    expectRefused(await bench(['trend', fixture, '--out', '/proc/nope/t.html'], { timeoutMs: 30_000 }), '--out: cannot create /proc/nope (ENOENT)');
    const junit = await bench(['check', '--baseline', fixture, '--candidate', fixture, '--junit', '/proc/nope/x.xml'], { timeoutMs: 30_000 });
    expect(junit.code, junit.stderr).toBe(2);
    expect(junit.stderr).toBe('bench: --junit /proc/nope/x.xml: cannot write it (ENOENT)\n');
  });

  test.concurrent('an --out symbolic link loop is named as one', async () => {
    const loop = join(dir, 'loop');
    await symlink(loop, loop);
    expectRefused(await bench(run('memory', '--out', loop), { timeoutMs: 60_000 }), `--out: ${loop} is a loop of symbolic links (ELOOP)`);
  });
});

test.concurrent('--quiet is accepted by sweep: no progress on stderr', async () => {
  const out = join(dir, 'quiet-sweep');
  const cli = await bench(['sweep', '--quiet', '--broker', 'memory', '--scenario', 'noack', '--duration', '300ms', '--warmup', '0s', '--vary', 'size=100', '--out', out, '--report', join(dir, 'quiet-sweep-report')], { timeoutMs: 60_000 });
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stderr).not.toMatch(/\[memory\/noack\]/);
});

/** A memory run whose --out folder is replaced by a file once the run has checked it: the write at the end fails. */
async function runWithOutGone(name: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<{ cli: CliRun; out: string }> {
  const out = join(dir, name);
  const running = bench([...run('memory', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', out), ...extra], { env, timeoutMs: 60_000 });
  // the check before the run creates the folder: then it is taken away
  for (let i = 0; i < 400 && !existsSync(out); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  await rm(out, { recursive: true, force: true });
  await writeFile(out, 'not a folder');
  return { cli: await running, out };
}

describe('the last resort for a result --out cannot take', () => {
  test.concurrent('kept in a private temp folder (0700), said in one line, exit 4; nothing in a shared fixed path', async () => {
    const privateTmp = join(dir, 'tmp-ok');
    await mkdir(privateTmp);
    const { cli, out } = await runWithOutGone('out-gone', { TMPDIR: privateTmp });
    expect(cli.code, cli.stderr).toBe(4);
    const folders = (await readdir(privateTmp)).filter((name) => name.startsWith('mqbench-result-'));
    expect(folders).toHaveLength(1);
    const folder = join(privateTmp, folders[0] as string);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const [file] = await readdir(folder);
    expect(cli.stderr).toContain(`bench: could not write the result into ${out} (`);
    expect(cli.stderr).toContain(`; it was kept in ${join(folder, file as string)} (a private folder: move it where it belongs)\n`);
    expect(cli.stderr).not.toContain('mqbench-results');
    expect(cli.stdout).toContain(`result: ${join(folder, file as string)}\n`);
  });

  test.concurrent('--out and the temp folder both unusable: the result on stdout (--json: once), said in one line, exit 4', async () => {
    const notAFolder = join(dir, 'tmp-is-a-file');
    await writeFile(notAFolder, 'x');
    const { cli } = await runWithOutGone('out-gone-json', { TMPDIR: notAFolder }, ['--json']);
    expect(cli.code, cli.stderr).toBe(4);
    expect(cli.stderr).toMatch(/bench: could not write the result into .*out-gone-json \(E[A-Z]+\) nor into a private temp folder \(E[A-Z]+\); the result is on stdout as JSON\n/);
    const result = JSON.parse(cli.stdout) as { status: string; counts: { sent: number } };
    expect(result.status).toBe('completed');
    expect(result.counts.sent).toBeGreaterThan(0);
  });
});
