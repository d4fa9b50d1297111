import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { driverNames } from '../../src/drivers/index.js';
import { knownLocalKafkaVersion } from '../../src/drivers/kafka/local.js';
import { readResult } from '../../src/results/store.js';
import { bench, kafkaUrl, leftoverRabbitObjects } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-e2e-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function onlyResultIn(dir: string) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return readResult(join(dir, files[0] as string));
}

describe.each(['rabbit', 'kafka'])('bench run --broker %s --scenario noack', (broker) => {
  test('exits 0, prints the summary and writes a valid result with every message accounted for', async () => {
    const dir = join(out, `${broker}-noack`);
    const run = await bench(['run', '--broker', broker, '--scenario', 'noack', '--duration', '3s', '--warmup', '1s', '--out', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/throughput: sent [\d,]+ msg\/s/);
    expect(run.stdout).toMatch(/end-to-end \(closed loop\)/);
    expect(run.stdout).toMatch(/lost 0, duplicated 0/);
    expect(run.stderr).toMatch(/measure/); // live progress on stderr
    const result = await onlyResultIn(dir);
    expect(result.status).toBe('completed');
    expect(result.counts.sent).toBeGreaterThan(0);
    expect(result.counts.received).toBe(result.counts.sent);
    expect(result.counts.lost).toBe(0);
    expect(result.latencyUs.endToEnd.p50).toBeGreaterThan(0);
    expect(result.latencyUs.endToEnd.p99).toBeGreaterThan(0);
    expect(result.latencyUs.endToEnd.count).toBe(result.counts.received);
    if (broker === 'rabbit') expect(result.broker.version).toMatch(/^\d+\.\d+/);
    // Kafka's version is known only for a broker this checkout started
    else expect(result.broker.version).toBe((await knownLocalKafkaVersion(kafkaUrl)) ?? 'unknown (not started by mqbench; Kafka does not report it over the wire)');
    expect(result.environment.cores).toBeGreaterThan(0);
    expect(result.environment.cpuModel.length).toBeGreaterThan(0);
    expect(JSON.stringify(result)).not.toContain('guest:guest');
  });
});

test('--workers 2 with more consumers than queues (competing consumers) starts and accounts for every message, no hang', async () => {
  const dir = join(out, 'workers-competing');
  const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'ack', '--workers', '2', '--consumers', '2', '--duration', '2s', '--warmup', '0s', '--out', dir], { timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  const result = await onlyResultIn(dir);
  expect(result.counts.received).toBe(result.counts.sent);
  expect(result.consumers).toHaveLength(2);
});

// before: its drain deadline ran from its (absent) producers' end, at the start, so it stopped at drain
// timeout + 2 s + the settlement's 5 s patience (12 s at the defaults) and everything after was lost
test('--workers 2 at a fixed rate: the worker dealt only the consumer keeps receiving to the end of a window longer than its drain timeout', async () => {
  const dir = join(out, 'workers-consumer-only');
  const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--rate', '200', '--workers', '2', '--duration', '10s', '--warmup', '0s', '--drain-timeout', '1s', '--no-progress', '--out', dir], { timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  const result = await onlyResultIn(dir);
  expect(result.counts.sent).toBeGreaterThan(1900);
  expect(result.counts.lost).toBe(0);
  expect(result.counts.received).toBe(result.counts.sent);
});

test('a client library that throws from its own callback stops the run in order: a partial result, exit 4, no stack trace', async () => {
  const dir = join(out, 'library-throws');
  const run = await bench(['run', '--broker', 'faulty', '--faulty-url', 'faulty://?throwAfter=2000', '--scenario', 'noack', '--duration', '2s', '--warmup', '0s', '--no-progress', '--out', dir], { timeoutMs: 60_000 });
  expect(run.code).toBe(4);
  expect(run.stderr).toContain('a client library threw an uncaught error: stopping the run and writing a partial result');
  expect(run.stderr).not.toMatch(/\n\s+at /);
  const result = await onlyResultIn(dir);
  expect(result.status).toBe('aborted');
  expect((result as { error?: string }).error).toBe('a client library failed: Cannot read properties of undefined (faulty client library, after message 2000)');
});

test('hello-world prints what it received, as the tutorial does', async () => {
  const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'hello-world', '--out', join(out, 'hello')]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain(" [x] Received 'Hello World!'");
});

describe('bad input: one line naming the valid choices, non-zero exit', () => {
  test.concurrent.each([
    [['run', '--broker', 'nosuch', '--scenario', 'noack'], `unknown broker "nosuch"; valid brokers: ${driverNames.join(', ')}\n`],
    [['run', '--broker', 'rabbit', '--scenario', 'nosuch'], /unknown scenario "nosuch"; valid scenarios: hello-world, noack, ack, fanout, partitioned/],
    [['run', '--broker', 'rabbit', '--scenario', 'noack', '--duration', 'soon'], /--duration: cannot parse duration "soon"/],
    [['run', '--broker', 'rabbit', '--scenario', 'noack', '--rate', '0'], /--rate/],
  ])('%j', async (args, message) => {
    const run = await bench(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('an unreachable RabbitMQ exits 3 quickly with one line naming the URL (no password) and how to start it', async () => {
    const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'noack', '--rabbit-url', 'amqp://me:hunter2@127.0.0.1:1', '--out', join(out, 'none')]);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(15_000);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot connect to RabbitMQ at amqp:\/\/127\.0\.0\.1:1/);
    expect(lines[0]).toMatch(/rabbitmq-server/);
    expect(run.stderr).not.toContain('hunter2');
  });
});

test('bench list names brokers and scenarios; --verbose shows the mapping', async () => {
  const run = await bench(['list', '--verbose']);
  expect(run.code).toBe(0);
  for (const name of ['rabbit', 'kafka', 'memory', 'hello-world', 'noack', 'ack', 'fanout', 'partitioned']) expect(run.stdout).toContain(name);
  expect(run.stdout).toMatch(/fanout exchange -> K queues/);
});

test('after the runs nothing is left behind on the shared RabbitMQ or on Kafka', async () => {
  expect(await leftoverRabbitObjects()).toEqual([]);
  const admin = new Kafka({ clientId: 'leftover-check', brokers: [kafkaUrl], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    expect(topics.filter((t) => t.startsWith('mqbench-') || t.startsWith('contract-'))).toEqual([]);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups.filter((g) => g.startsWith('mqbench-') || g.startsWith('contract-'))).toEqual([]);
  } finally {
    await admin.disconnect();
  }
});
