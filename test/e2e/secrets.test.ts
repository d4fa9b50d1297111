/**
 * Passwords (issue 29, items 5 and 6): never on a command line while `bench calibrate` runs the
 * brokers' Java tools, and every password a broker accepts works: a non-ASCII one percent-encoded
 * on AMQP (the shared RabbitMQ) and on the stream port (the private stream node from the global
 * setup), a ':' raw or as %3A on MQTT (a private Mosquitto of this file's own, never the shared one).
 * Each RabbitMQ node gets a temporary user `mqbench-test-<random>`, deleted afterwards.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { streamNode } from '../../src/drivers/rabbit-stream/local.js';
import { portAnswers } from '../../src/provision/probe.js';
import { sleepMs } from '../../src/util/clock.js';
import { bench, leftoverRabbitObjects } from '../helpers.js';

const execFileAsync = promisify(execFile);

/** rabbitmqctl for the shared node (5672) and for the private stream node */
const sharedCtl = ['rabbitmqctl'];
const streamCtl = ['/usr/lib/rabbitmq/bin/rabbitmqctl', '-n', `${streamNode.name}@localhost`];

const token = randomBytes(6).toString('hex');
const user = `mqbench-test-${randomBytes(4).toString('hex')}`;
/** non-ASCII, a ':' and an '@' (percent-encoded in a URL); the token finds it in any form */
const password = `pä:ss€@${token}`;
const encoded = encodeURIComponent(password);

let out: string;

async function ctl(command: readonly string[], args: string[]): Promise<void> {
  const [file = 'rabbitmqctl', ...nodeArgs] = command;
  await execFileAsync(file, [...nodeArgs, ...args], { timeout: 60_000 });
}

async function addUser(command: readonly string[]): Promise<void> {
  await ctl(command, ['add_user', user, password]);
  await ctl(command, ['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-secrets-'));
  await Promise.all([addUser(sharedCtl), addUser(streamCtl)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([sharedCtl, streamCtl].map((command) => ctl(command, ['delete_user', user]).catch(() => undefined)));
  await rm(out, { recursive: true, force: true });
}, 60_000);

/** Every process's command line, from /proc (what `ps -eo args` shows to every user). */
async function commandLines(): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const lines = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`).then((b) => b.toString('utf8').split('\0').join(' ')).catch(() => '')));
  return lines.filter((line) => line !== '');
}

/** Samples every command line each 100 ms until `until` settles: the lines naming `secret`, and how many samples saw PerfTest. */
async function watchCommandLines<T>(secret: string, until: Promise<T>): Promise<{ result: T; leaks: string[]; perfTestSamples: number }> {
  const leaks = new Set<string>();
  let perfTestSamples = 0;
  let done = false;
  const settled = until.finally(() => (done = true));
  while (!done) {
    const lines = await commandLines();
    for (const line of lines) if (line.includes(secret)) leaks.add(line);
    if (lines.some((line) => line.includes('com.rabbitmq.perf.PerfTest'))) perfTestSamples++;
    await sleepMs(100);
  }
  return { result: await settled, leaks: [...leaks], perfTestSamples };
}

describe('credentials never on a command line', () => {
  test('bench calibrate --broker rabbit with a password in the URL: no process shows it while PerfTest and mqbench run', async () => {
    const url = `amqp://${user}:${encoded}@127.0.0.1:5672`;
    const run = bench(['calibrate', '--broker', 'rabbit', '--rounds', '1', '--duration', '1s', '--json', '--out', join(out, 'calibrate')], { env: { MQBENCH_RABBIT_URL: url }, timeoutMs: 180_000 });
    const { result, leaks, perfTestSamples } = await watchCommandLines(token, run);
    expect(leaks).toEqual([]);
    expect(result.stderr).not.toMatch(/bench: /);
    expect(result.code).toBe(0);
    // the watch saw the tool running: three cases, a few seconds each
    expect(perfTestSamples).toBeGreaterThan(10);
    // the tool logged in with the non-ASCII password, and the record shows no secret
    expect(result.stdout).toContain('--uris <url>');
    expect(result.stdout).not.toContain(token);
    expect((await leftoverRabbitObjects()).filter((name) => name.startsWith('mqbench-calibrate-'))).toEqual([]);
  }, 180_000);

  test.concurrent('a Kafka address with user:password is refused in one line (exit 2) before any tool runs: the tools would take it on their command line', async () => {
    const run = await bench(['calibrate', '--broker', 'kafka', '--rounds', '1', '--duration', '1s', '--out', join(out, 'never')], { env: { MQBENCH_KAFKA_URL: `kafka://user:${token}@127.0.0.1:9092` } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['bench: --kafka-url: kafka://127.0.0.1:9092: user:password in a Kafka address is not supported (mqbench connects without SASL); remove it']);
  });
});

/** A hello-world run against `url` through the CLI: exit 0, the message received, no secret in what it printed. */
async function helloWorld(broker: string, option: string, url: string): Promise<void> {
  const run = await bench(['run', '--broker', broker, '--scenario', 'hello-world', `--${option}`, url, '--out', join(out, broker)], { timeoutMs: 60_000 });
  expect(run.stderr).not.toMatch(/bench: /);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("[x] Received 'Hello World!'");
  expect(run.stdout + run.stderr).not.toContain(token);
}

describe('every password the broker accepts works', () => {
  test('AMQP (shared RabbitMQ): a non-ASCII password, percent-encoded as UTF-8', async () => {
    await helloWorld('rabbit', 'rabbit-url', `amqp://${user}:${encoded}@127.0.0.1:5672`);
  });

  test('bench clean --broker rabbit with that password deletes a leftover queue (amqplib would decode it as Latin-1)', async () => {
    const runId = `c${randomBytes(4).toString('hex')}`;
    const queue = `mqbench-${runId}.left`;
    await ctl(sharedCtl, ['eval', `rabbit_amqqueue:declare(rabbit_misc:r(<<"/">>, queue, <<"${queue}">>), true, false, [], none, <<"test">>).`]);
    const run = await bench(['clean', '--broker', 'rabbit', '--run', runId, '--rabbit-url', `amqp://${user}:${encoded}@127.0.0.1:5672`], { timeoutMs: 60_000 });
    expect(run.stderr).not.toMatch(/bench: /);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(token);
    expect((await leftoverRabbitObjects()).filter((name) => name.includes(runId))).toEqual([]);
  });

  test('RabbitMQ stream port (private node): the same password', async () => {
    await helloWorld('rabbit-stream', 'rabbit-stream-url', `rabbitmq-stream://${user}:${encoded}@127.0.0.1:5552`);
  });

  test('a wrong password is still refused, with the password masked', async () => {
    const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'hello-world', '--rabbit-url', `amqp://${user}:${encodeURIComponent(`pä:ss€@${token}x`)}@127.0.0.1:5672`, '--out', join(out, 'never')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('bench: cannot connect to RabbitMQ at amqp://127.0.0.1:5672: access refused');
    expect(run.stderr).not.toContain(token);
  });
});

/** A free TCP port on loopback, from the kernel. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe("MQTT: a password holding ':' (a private Mosquitto with a password file)", () => {
  const mqttPassword = `pa:ss€${token}`;
  let dir: string;
  let port: number;
  let mosquitto: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqbench-secrets-mosquitto-'));
    port = await freePort();
    await execFileAsync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwords'), 'tester', mqttPassword]);
    // run as root, Mosquitto would switch to its own user, who cannot read this private folder: it stays ours
    const config = [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'allow_anonymous false', `password_file ${join(dir, 'passwords')}`, 'persistence false', ''];
    await writeFile(join(dir, 'mosquitto.conf'), config.join('\n'));
    mosquitto = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await portAnswers('127.0.0.1', port, 200))) {
      if (Date.now() > deadline || mosquitto.exitCode !== null) throw new Error(`the private Mosquitto did not open port ${port}`);
      await sleepMs(50);
    }
  });

  afterAll(async () => {
    if (mosquitto && mosquitto.exitCode === null) {
      const exited = new Promise((resolve) => mosquitto?.once('exit', resolve));
      mosquitto.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  test("raw ':' in the password", async () => {
    await helloWorld('mqtt', 'mqtt-url', `mqtt://tester:${mqttPassword.replace('€', '%E2%82%AC')}@127.0.0.1:${port}`);
  });

  test("':' as %3A", async () => {
    await helloWorld('mqtt', 'mqtt-url', `mqtt://tester:${encodeURIComponent(mqttPassword)}@127.0.0.1:${port}`);
  });
});
