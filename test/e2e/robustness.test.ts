/**
 * Bad input, unreachable brokers and faults mid-run, against real brokers: one line and the right
 * exit code, bounded time, a partial result with its accounting, nothing left behind, no passwords.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLocalKafka, stopLocalKafka, type KafkaInstance } from '../../src/drivers/kafka/local.js';
import { isPidAlive } from '../../src/provision/probe.js';
import { privateRabbitBeamPid, startPrivateRabbit, stopPrivateRabbit } from '../../src/drivers/rabbit/local.js';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { sleepMs } from '../../src/util/clock.js';
import { bench, benchBin, leftoverRabbitObjects, repoRoot } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-robust-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function onlyResult(dir: string): Promise<RunResult> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return readResult(join(dir, files[0] as string));
}

function expectOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('warning:') && !/^starting|^local /.test(l));
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('unreachable or refusing brokers: exit 3, one line, bounded time', () => {
  test('wrong RabbitMQ password', async () => {
    const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--rabbit-url', 'amqp://guest:not-the-password@127.0.0.1:5672', '--out', join(out, 'x')]);
    expect(run.code).toBe(3);
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/access refused/);
    expect(run.stderr).not.toContain('not-the-password');
  });

  test.each([
    ['rabbit', ['--rabbit-url', 'amqp://127.0.0.1:1']],
    ['kafka', ['--kafka-url', '127.0.0.1:1']],
  ])('%s on a closed port: under 10 s', async (broker, urlArgs) => {
    const run = await bench(['run', '--broker', broker, '--scenario', 'noack', ...urlArgs, '--out', join(out, 'x')]);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(10_000);
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/cannot connect to/);
  });

  test.each([
    ['rabbit', ['--rabbit-url', 'amqp://127.0.0.1:6379']],
    ['kafka', ['--kafka-url', '127.0.0.1:6379']],
  ])('%s on a port that is not a broker (Redis): under 15 s', async (broker, urlArgs) => {
    const run = await bench(['run', '--broker', broker, '--scenario', 'noack', ...urlArgs, '--connect-timeout', '5000', '--out', join(out, 'x')]);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(15_000);
    expectOneLine(run.stderr);
  });
});

// bad input never reaches a broker: the commands run side by side (each is mostly the CLI's start-up)
describe('bad input: one line, exit 2', () => {
  test.concurrent.each([
    [['--size', '0'], '--size: must be at least 32 bytes (the mqbench header), got "0"'],
    [['--size', '-5'], '--size: must be a size in bytes, e.g. 100, 1KB (1000), 1KiB or 1k (1024), 1MiB, got "-5"'],
    [['--size', '10'], '--size: must be at least 32 bytes (the mqbench header), got "10"'],
    [['--rate', '-1'], '--rate: must be a number of messages per second greater than zero or "max", got "-1"'],
    [['--rate', 'lots'], '--rate: must be a number of messages per second greater than zero or "max", got "lots"'],
    [['--duration', '0s'], '--duration: must be greater than zero, got "0s"'],
    [['--duration', '-3s'], 'values must not be negative: -3s (see bench --help)'],
    [['--duration', '10 parsecs'], '--duration: cannot parse duration "10 parsecs" (use e.g. 500ms, 5s, 2m)'],
    [['--warmup', 'x'], '--warmup: cannot parse duration "x" (use e.g. 500ms, 5s, 2m)'],
    [['--producers', '0'], '--producers: must be a whole number from 1 to 1,000, got "0"'],
    [['--producers', '3000'], '--producers: must be a whole number from 1 to 1,000, got "3000"'],
    [['--partitions', '1.5'], '--partitions: must be a whole number from 1 to 10,000, got "1.5"'],
    [['--prefetch', '70000'], '--prefetch: must be a whole number from 1 to 65,535, got "70000"'],
    [['--rabbit-url', ''], '--rabbit-url: must not be empty, got ""'],
    [['--kafka-acks', 'all'], '--kafka-acks is a kafka option; it has no meaning for rabbit'],
    [['--delivery', 'maybe'], '--delivery: must be noack or ack, got "maybe"'],
    [['--workers', '0'], '--workers: must be a whole number from 1 to 16, got "0"'],
    [['--workers', '64'], '--workers: must be a whole number from 1 to 16, got "64"'],
    [['--repeat', '0'], '--repeat: must be a whole number from 1 to 1,000, got "0"'],
    [['--connect-timeout', '0'], '--connect-timeout: must be a whole number from 1 to 600,000, got "0"'],
    [['--connect-timeout', '3000000000'], '--connect-timeout: must be a whole number from 1 to 600,000, got "3000000000"'],
    [['--nosuch-flag', '1'], 'unknown argument: nosuch-flag (see bench --help)'],
  ])('%j', async (args, message) => {
    const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', ...args]);
    expect(run.code, run.stderr).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr.trim()).toBe(`bench: ${message}`);
  });

  test.concurrent.each([
    [['--max-outstanding', '0', '--rate', '100'], 'bench: --max-outstanding: must be a whole number from 1 to 1,000,000, got "0"'],
    [['--max-outstanding', '1', '--rate', '100', '--producers', '2'], 'bench: --max-outstanding: must be a whole number of at least one per producer (2), got 1'],
    [['--stall-timeout', '0s'], 'bench: --stall-timeout: must be greater than zero, got "0s"'],
    [['--stall-timeout', 'never'], 'bench: --stall-timeout: cannot parse duration "never" (use e.g. 500ms, 5s, 2m)'],
  ])('%j: the message names the option and the value', async (args, message) => {
    const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', ...args]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(message);
  });

  test('no command, unknown command, missing --scenario', async () => {
    for (const args of [[], ['frobnicate'], ['run', '--broker', 'rabbit']]) {
      const run = await bench(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
    }
  });
});

test('a reader that goes away (`bench run | head -1`): the run still ends, writes its result, leaves nothing', async () => {
  const dir = join(out, 'epipe');
  const child = spawn(process.execPath, [benchBin, 'run', '--broker', 'rabbit', '--scenario', 'noack', '--duration', '2s', '--warmup', '1s', '--out', dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // like `head -1`: read the first line, then close both pipes
  await new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
  child.stdout.destroy();
  child.stderr.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  expect((await onlyResult(dir)).status).toBe('completed');
  expect(await leftoverRabbitObjects()).toEqual([]);
});

describe('interrupted runs', () => {
  test('SIGINT mid-run: partial result written, queues deleted, exit 4', async () => {
    const dir = join(out, 'sigint');
    let pid = 0;
    const running = bench(['run', '--broker', 'rabbit', '--scenario', 'fanout', '--subscriptions', '2', '--duration', '30s', '--warmup', '1s', '--out', dir], {
      onSpawn: (p) => (pid = p),
    });
    await sleepMs(6000); // start-up and the 1 s warmup first
    process.kill(pid, 'SIGINT');
    const run = await running;
    expect(run.code, run.stderr).toBe(4);
    expect(run.ms).toBeLessThan(20_000);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toBe('interrupted');
    expect(result.counts.sent).toBeGreaterThan(0);
    expect(result.counts.received).toBeGreaterThan(0);
    expect(await leftoverRabbitObjects()).toEqual([]);
  });
});

describe('a broker killed mid-run: status aborted, partial result, exit 4, no hang', () => {
  test('a private RabbitMQ node (the shared one is never touched)', async () => {
    const name = 'mqbench-fault';
    const { state } = await startPrivateRabbit({ name, port: 5673, distPort: 25673 }, () => undefined);
    try {
      const dir = join(out, 'rabbit-kill');
      const running = bench(['run', '--broker', 'rabbit', '--scenario', 'ack', '--rabbit-url', 'amqp://guest:guest@127.0.0.1:5673', '--duration', '30s', '--warmup', '1s', '--out', dir]);
      await sleepMs(5000);
      const beam = await privateRabbitBeamPid(name);
      expect(beam).toBeDefined();
      process.kill(beam as number, 'SIGKILL');
      const run = await running;
      expect(run.code, run.stderr).toBe(4);
      expect(run.ms).toBeLessThan(45_000);
      const result = await onlyResult(dir);
      expect(result.status).toBe('aborted');
      if (result.status !== 'completed') expect(result.error).toMatch(/broker connection lost/);
      expect(result.counts.sent).toBeGreaterThan(0);
      expect(result.counts.expected, JSON.stringify(result.counts)).toBe(result.counts.sent - result.counts.sendErrors);
      // every expected message either arrived or is lost; failed sends that arrived anyway are apart
      expect(result.counts.received - result.counts.receivedDespiteSendError + result.counts.lost).toBe(result.counts.expected);
      expect(result.broker.url).toBe(`amqp://127.0.0.1:${state.port}`);
    } finally {
      await stopPrivateRabbit(name);
    }
  });

  test('a second local Kafka broker (the tests\' own one is never touched)', async () => {
    const instance: KafkaInstance = { name: 'kafka-fault', port: 9192, controllerPort: 9193 };
    const { state } = await startLocalKafka(() => undefined, instance);
    try {
      expect(state).toBeDefined();
      const dir = join(out, 'kafka-kill');
      const running = bench(['run', '--broker', 'kafka', '--scenario', 'noack', '--kafka-url', '127.0.0.1:9192', '--duration', '30s', '--warmup', '1s', '--out', dir]);
      await sleepMs(8000);
      process.kill(state?.pid as number, 'SIGKILL');
      const run = await running;
      expect(run.code, run.stderr).toBe(4);
      expect(run.ms).toBeLessThan(60_000);
      const result = await onlyResult(dir);
      expect(result.status).toBe('aborted');
      expect(result.counts.sent).toBeGreaterThan(0);
      expect(result.counts.received - result.counts.receivedDespiteSendError + result.counts.lost).toBe(result.counts.expected);
    } finally {
      await stopLocalKafka(instance);
      if (state) expect(isPidAlive(state.pid)).toBe(false);
    }
  });
});

describe('a frozen broker (SIGSTOP): no progress, aborted, exit 4, result written', () => {
  test('the in-process faulty broker frozen after 500 messages', async () => {
    const dir = join(out, 'faulty-freeze');
    const run = await bench(['run', '--broker', 'faulty', '--faulty-url', 'faulty://?stallAfter=500&brokerAcks=1', '--scenario', 'ack', '--rate', '1000', '--duration', '20s', '--warmup', '0s', '--stall-timeout', '2s', '--out', dir]);
    expect(run.code, run.stderr).toBe(4);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toBe('no progress for 2s (broker frozen or unreachable?)');
    expect(run.stdout).toMatch(/STATUS: ABORTED: no progress for 2s/);
    expect(result.counts.received).toBe(500);
  });

  test('a second local Kafka broker frozen 3 s into a 20 s run, then thawed', async () => {
    const instance: KafkaInstance = { name: 'kafka-freeze', port: 9194, controllerPort: 9195 };
    const { state } = await startLocalKafka(() => undefined, instance);
    const pid = state?.pid as number;
    try {
      const dir = join(out, 'kafka-freeze');
      // a 3 s stall timeout, not the default 10 s: what is tested is that the freeze ends the run, not how soon
      const running = bench(['run', '--broker', 'kafka', '--scenario', 'ack', '--rate', '2000', '--kafka-url', `127.0.0.1:${instance.port}`, '--duration', '20s', '--warmup', '1s', '--stall-timeout', '3s', '--out', dir]);
      await sleepMs(8000); // the client connects and the group forms first (~5 s), then ~3 s of the run
      process.kill(pid, 'SIGSTOP');
      const run = await running;
      expect(run.code, run.stderr).toBe(4);
      const result = await onlyResult(dir);
      expect(result.status).toBe('aborted');
      if (result.status !== 'completed') expect(result.error).toMatch(/^no progress for 3s/);
      expect(result.counts.sent).toBeGreaterThan(0);
      expect(result.counts.received - result.counts.receivedDespiteSendError + result.counts.lost).toBe(result.counts.expected);
    } finally {
      process.kill(pid, 'SIGCONT');
      await stopLocalKafka(instance);
    }
  });
});

test('a password, in every form a user writes it, appears in no result, report, log, error or --verbose line', async () => {
  // reserved characters, percent-encoded as a URL needs them
  const secret = 'Sup3r/Secret@Pw#1';
  const encoded = encodeURIComponent(secret);
  // a user with that password exists only for this test
  execFileSync('rabbitmqctl', ['add_user', 'mqbench_secret_user', secret]);
  try {
    execFileSync('rabbitmqctl', ['set_permissions', 'mqbench_secret_user', '.*', '.*', '.*']);
    const dir = join(out, 'secret');
    const good = `amqp://mqbench_secret_user:${encoded}@127.0.0.1:5672`;
    const runs = [
      await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--rabbit-url', good, '--duration', '1s', '--warmup', '0s', '--out', dir, '--verbose']),
      await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--json', '--duration', '1s', '--warmup', '0s', '--out', dir], { env: { MQBENCH_RABBIT_URL: good } }),
      // the same password, written raw (unencoded) and wrong: refused or rejected, never echoed
      await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--rabbit-url', `amqp://mqbench_secret_user:${secret}@127.0.0.1:5672`, '--out', dir, '--verbose']),
      await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--rabbit-url', `amqp://mqbench_secret_user:${encoded}x@127.0.0.1:5672`, '--out', dir, '--verbose']),
      await bench(['run', '--broker', 'kafka', '--scenario', 'noack', '--kafka-url', `mqbench_secret_user:${secret}@127.0.0.1:9092,127.0.0.1:9093`, '--out', dir]),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 2, 3, 2]);
    const report = await bench(['report', dir, '--out', join(dir, 'report'), '--verbose']);
    expect(report.code, report.stderr).toBe(0);
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    for (const text of [...(await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))), ...[...runs, report].map((r) => r.stdout + r.stderr)]) {
      for (const form of [secret, encoded, 'Sup3r', 'Secret@Pw']) expect(text).not.toContain(form);
    }
  } finally {
    execFileSync('rabbitmqctl', ['delete_user', 'mqbench_secret_user']);
  }
});
