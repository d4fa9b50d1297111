/**
 * The MQTT and RabbitMQ stream plug-ins through the CLI, as a user runs them: each scenario briefly,
 * every message accounted for in the result file, and bad input refused with one line before
 * connecting. The private stream node (AMQP 5682, stream 5552) comes from the global setup.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lacksCommandVersions } from '../../src/drivers/rabbit-stream/compat.js';
import { ConfirmTracker } from '../../src/drivers/rabbit-stream/confirms.js';
import { parseStreamUrl, streamUrlProblem } from '../../src/drivers/rabbit-stream/url.js';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { bench } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-mqtt-stream-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs `bench run` for both brokers back to back; returns the results by broker. */
async function runBoth(name: string, args: string[]): Promise<Map<string, RunResult>> {
  const dir = join(out, name);
  const run = await bench(['run', '--broker', 'mqtt,rabbit-stream', ...args, '--duration', '1s', '--warmup', '500ms', '--out', dir, '--no-progress']);
  expect(run.code, run.stderr).toBe(0);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  const results = await Promise.all(files.map((f) => readResult(join(dir, f))));
  return new Map(results.map((r) => [r.workload.broker, r]));
}

function expectEveryMessage(result: RunResult | undefined, subscriptions = 1): RunResult {
  if (!result) throw new Error('no result');
  expect(result.status).toBe('completed');
  expect(result.counts.sent).toBeGreaterThan(0);
  expect(result.counts.received).toBe(subscriptions * result.counts.sent);
  expect(result.counts.lost).toBe(0);
  expect(result.counts.duplicated).toBe(0);
  expect(result.counts.sendErrors).toBe(0);
  return result;
}

describe('mqtt and rabbit-stream run every scenario and account for every message', () => {
  test('noack: no broker acknowledgement, nothing lost; a named URL with a password leaves no secret in the result', async () => {
    const results = await runBoth('noack', ['--scenario', 'noack', '--rabbit-stream-url', 'rabbitmq-stream://guest:guest@127.0.0.1:5552/%2F']);
    for (const broker of ['mqtt', 'rabbit-stream']) expect(expectEveryMessage(results.get(broker)).latencyUs.publish.count).toBe(0);
    expect(results.get('mqtt')?.broker.settings).toMatchObject({ qos: 0, protocol: 'MQTT 5.0' });
    const stored = JSON.stringify(results.get('rabbit-stream'));
    expect(stored).toContain('rabbitmq-stream://127.0.0.1:5552');
    expect(stored).not.toMatch(/guest:guest/);
  });

  test('ack: publish latency from the PUBACK / publish confirm', async () => {
    const results = await runBoth('ack', ['--scenario', 'ack', '--rate', '500']);
    for (const broker of ['mqtt', 'rabbit-stream']) {
      const result = expectEveryMessage(results.get(broker));
      expect(result.latencyUs.publish.count).toBe(result.counts.sent);
    }
    expect(results.get('mqtt')?.broker.settings).toMatchObject({ qos: 1 });
    expect(results.get('rabbit-stream')?.broker.settings).toMatchObject({ publishConfirmsAwaited: true, offsetTracking: true });
  });

  test('fanout to 2 subscriptions: each gets every message', async () => {
    const results = await runBoth('fanout', ['--scenario', 'fanout', '--subscriptions', '2']);
    for (const broker of ['mqtt', 'rabbit-stream']) expectEveryMessage(results.get(broker), 2);
  });

  test('partitioned over 3: every consumer receives', async () => {
    const results = await runBoth('partitioned', ['--scenario', 'partitioned', '--partitions', '3']);
    for (const broker of ['mqtt', 'rabbit-stream']) {
      const result = expectEveryMessage(results.get(broker));
      expect(result.consumers).toHaveLength(3);
      for (const consumer of result.consumers) expect(consumer.received).toBeGreaterThan(0);
    }
  });

  test('mqtt: 4 consumers on 2 topics share them through shared subscriptions (MQTT 3.1.1 here)', async () => {
    const dir = join(out, 'shared');
    const run = await bench(['run', '--broker', 'mqtt', '--scenario', 'partitioned', '--partitions', '2', '--consumers', '4', '--mqtt-protocol', '4', '--duration', '1s', '--warmup', '500ms', '--out', dir, '--no-progress']);
    expect(run.code, run.stderr).toBe(0);
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const result = expectEveryMessage(await readResult(join(dir, file ?? '')));
    expect(result.broker.settings).toMatchObject({ protocol: 'MQTT 3.1.1' });
    expect(result.consumers).toHaveLength(4);
    for (const consumer of result.consumers) expect(consumer.received).toBeGreaterThan(0);
  });
});

test('rabbit-stream with a wrong password: exit 3, one line, the password nowhere', async () => {
  const run = await bench(['run', '--broker', 'rabbit-stream', '--scenario', 'noack', '--rabbit-stream-url', 'rabbitmq-stream://guest:not-the-pw@127.0.0.1:5552', '--duration', '1s', '--no-progress']);
  expect(run.code, run.stderr).toBe(3);
  expect(run.stderr.trim().split('\n')).toEqual(['bench: cannot connect to the RabbitMQ stream port at rabbitmq-stream://127.0.0.1:5552: access refused (wrong user or password)']);
  expect(`${run.stdout}${run.stderr}`).not.toContain('not-the-pw');
});

describe('bad input: one line, exit 2, before connecting', () => {
  test.concurrent.each([
    [['--broker', 'rabbit-stream', '--scenario', 'partitioned', '--partitions', '2', '--consumers', '4'], /rabbit-stream: --consumers \(4\) must not exceed --partitions \(2\): a stream has no competing consumers/],
    [['--broker', 'rabbit-stream', '--scenario', 'noack', '--rabbit-stream-url', 'amqp://127.0.0.1:5552'], /must be a rabbitmq-stream:\/\/ URL/],
    [['--broker', 'rabbit-stream', '--scenario', 'noack', '--stream-store-interval', '500'], /--stream-store-interval has no meaning in noack delivery/],
    [['--broker', 'mqtt', '--scenario', 'ack', '--mqtt-qos', '0'], /--mqtt-qos 0 contradicts the ack \(at-least-once\) delivery mode/],
    [['--broker', 'mqtt', '--scenario', 'noack', '--mqtt-url', 'http://127.0.0.1:1883'], /must be an mqtt:\/\/ or mqtts:\/\/ URL/],
  ])('%j', async (args, message) => {
    const run = await bench(['run', ...args, '--duration', '1s', '--no-progress']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});

// pure logic of the stream plug-in, no broker: milliseconds
describe('rabbit-stream pure parts', () => {
  test('confirms settle the right send, also when the confirm is decoded before the send asks', async () => {
    const confirms = new ConfirmTracker();
    const first = confirms.wait('c1', 0, 1n);
    confirms.confirmed('c1', 0, [2n, 1n]);
    await expect(first).resolves.toBeUndefined();
    await expect(confirms.wait('c1', 0, 2n)).resolves.toBeUndefined(); // confirmed early
    const otherPublisher = confirms.wait('c1', 1, 3n);
    confirms.failed('c1', 1, 3n, 'publish error code 2');
    await expect(otherPublisher).rejects.toThrow('publish error code 2');
    confirms.forget('c1', 0, 4n);
    confirms.confirmed('c1', 0, [4n]); // nobody waits: nothing kept
    const pending = confirms.wait('c1', 0, 5n);
    confirms.rejectAll('the driver closed');
    await expect(pending).rejects.toThrow('the driver closed');
  });

  test('URL form: user, password and vhost decoded; bad forms named', () => {
    expect(parseStreamUrl('rabbitmq-stream://u%40x:p%2Fw@10.0.0.1:5553/%2Fv')).toEqual({ hostname: '10.0.0.1', port: 5553, username: 'u@x', password: 'p/w', vhost: '/v' });
    expect(parseStreamUrl('rabbitmq-stream://127.0.0.1')).toEqual({ hostname: '127.0.0.1', port: 5552, username: 'guest', password: 'guest', vhost: '/' });
    expect(streamUrlProblem('rabbitmq-stream://u:p/w@h:5552')).toMatch(/percent-encode/);
    expect(streamUrlProblem('rabbitmq-stream://guest:guest@127.0.0.1:5552')).toBeUndefined();
    expect(lacksCommandVersions('3.10.8')).toBe(true);
    expect(lacksCommandVersions('3.13.7')).toBe(false);
    expect(lacksCommandVersions('4.0.1')).toBe(false);
  });
});
