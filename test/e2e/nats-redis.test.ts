/**
 * Issue 14: the NATS and Redis Streams plug-ins through the CLI, as a user runs them, against the
 * shared services (NATS with JetStream on 4222, Redis on 6379): every scenario accounts for every
 * message, nothing is left on the broker, bad input is refused before connecting. Each scenario runs
 * both brokers back to back in one CLI call (`--broker nats,redis`) to pay the start-up once.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomBytes } from 'node:crypto';
import { NatsDriver } from '../../src/drivers/nats/driver.js';
import { natsPlugin } from '../../src/drivers/nats/index.js';
import { RedisDriver } from '../../src/drivers/redis/driver.js';
import { redisPlugin } from '../../src/drivers/redis/index.js';
import type { Driver, Topology } from '../../src/drivers/types.js';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { bench } from '../helpers.js';

const natsUrl = process.env.MQBENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const redisUrl = process.env.MQBENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

let out: string;
const runIds: string[] = [];
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-nats-redis-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** One CLI call running the scenario on NATS, then Redis; their results by broker. */
async function runBoth(scenario: string, extra: string[] = []): Promise<Record<'nats' | 'redis', RunResult>> {
  const dir = join(out, scenario);
  const run = await bench(['run', '--broker', 'nats,redis', '--scenario', scenario, '--duration', '1s', '--warmup', '500ms', ...extra, '--out', dir, '--no-progress']);
  expect(run.code, run.stderr).toBe(0);
  const results = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => readResult(join(dir, f))));
  runIds.push(...results.map((r) => r.id));
  const nats = results.find((r) => r.workload.broker === 'nats');
  const redis = results.find((r) => r.workload.broker === 'redis');
  if (!nats || !redis) throw new Error(`expected a nats and a redis result, got ${results.map((r) => r.workload.broker).join(', ')}`);
  return { nats, redis };
}

/** Every message of every subscription arrived once: what at-least-once and a healthy at-most-once run promise. */
function expectEveryMessageOnce(result: RunResult, subscriptions: number): void {
  expect(result.status).toBe('completed');
  expect(result.counts.sent).toBeGreaterThan(0);
  expect(result.counts.received).toBe(subscriptions * result.counts.sent);
  expect(result.counts.lost).toBe(0);
  expect(result.counts.duplicated).toBe(0);
  expect(result.counts.sendErrors).toBe(0);
}

describe('nats and redis through the CLI', () => {
  test('noack: core NATS / XREADGROUP NOACK, every message once', async () => {
    const { nats, redis } = await runBoth('noack');
    expectEveryMessageOnce(nats, 1);
    expectEveryMessageOnce(redis, 1);
    expect(nats.broker.settings).toMatchObject({ api: 'core NATS' });
    expect(redis.broker.settings).toMatchObject({ xreadgroupNoAck: true });
  });

  test('ack: JetStream PubAck / XADD reply as the broker ack, consumer acks after processing, every message once', async () => {
    const { nats, redis } = await runBoth('ack');
    for (const result of [nats, redis]) {
      expectEveryMessageOnce(result, 1);
      expect(result.latencyUs.publish.count).toBe(result.counts.sent);
      expect(result.broker.version).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(nats.broker.settings).toMatchObject({ api: 'JetStream', ackPolicy: 'explicit' });
    expect(redis.broker.settings).toMatchObject({ xreadgroupNoAck: false, ackPerBatch: true });
  });

  test('fanout to 3 subscriptions (in ack delivery: 3 durable consumers / 3 groups): 3x what was sent', async () => {
    const { nats, redis } = await runBoth('fanout', ['--delivery', 'ack']);
    expectEveryMessageOnce(nats, 3);
    expectEveryMessageOnce(redis, 3);
  });

  test('partitioned over 4 subjects / streams: each of the 4 consumers receives, every message once', async () => {
    const { nats, redis } = await runBoth('partitioned');
    for (const result of [nats, redis]) {
      expectEveryMessageOnce(result, 1);
      expect(result.consumers).toHaveLength(4);
      for (const consumer of result.consumers) expect(consumer.received).toBeGreaterThan(0);
    }
  });

  test('nothing of theirs is left: no mqbench-<run> JetStream stream, no Redis stream key', async () => {
    const connection = await connectNats({ servers: natsUrl.replace(/^nats:\/\//, '') });
    const streams: string[] = [];
    for await (const name of (await jetstreamManager(connection)).streams.names()) streams.push(name);
    await connection.close();
    const redis = await createClient({ url: redisUrl }).connect();
    const keys = await redis.keys('mqbench-*');
    await redis.close();
    const ours = (name: string): boolean => runIds.some((id) => name.startsWith(`mqbench-${id}`));
    expect(runIds).toHaveLength(8);
    expect(streams.filter(ours)).toEqual([]);
    expect(keys.filter(ours)).toEqual([]);
  });
});

describe('bench clean', () => {
  test('removes a crashed run\'s JetStream stream and Redis streams, keeps a live run\'s (in use)', async () => {
    const topologyOf = (): Topology => ({ prefix: `mqbench-${randomBytes(4).toString('hex')}`, stream: 'ack', partitions: 2, subscriptions: 1 });
    const crashed = topologyOf();
    const live = topologyOf();
    const liveDrivers: Driver[] = [];
    const liveConsumers: { close(): Promise<void> }[] = [];
    try {
      for (const create of [() => new NatsDriver({ url: natsUrl, settings: { delivery: 'ack' }, connectTimeoutMs: 5000 }), () => new RedisDriver({ url: redisUrl, settings: { delivery: 'ack' }, connectTimeoutMs: 5000 })]) {
        const gone = create();
        await gone.connect();
        await gone.setup(crashed);
        await gone.close(); // no teardown: what SIGKILL leaves behind
        const running = create();
        liveDrivers.push(running);
        await running.connect();
        await running.setup(live);
        liveConsumers.push(await running.createConsumer({ subscription: 0, partitions: [0, 1], groupSize: 1 }, () => undefined));
      }
      const ids = [crashed, live].map((t) => t.prefix.replace('mqbench-', '')).join(',');
      const run = await bench(['clean', '--broker', 'nats,redis', '--run', ids, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const outcome = JSON.parse(run.stdout) as { brokers: { broker: string; objects: { name: string; action: string }[] }[] };
      const actions = outcome.brokers.flatMap((b) => b.objects.map((o) => `${b.broker} ${o.name} ${o.action}`)).sort();
      expect(actions).toEqual(
        [
          `nats ${crashed.prefix} deleted`,
          `nats ${live.prefix} kept-in-use`,
          `redis ${crashed.prefix}.ack.p0 deleted`,
          `redis ${crashed.prefix}.ack.p1 deleted`,
          `redis ${live.prefix}.ack.p0 kept-in-use`,
          `redis ${live.prefix}.ack.p1 kept-in-use`,
        ].sort(),
      );
    } finally {
      for (const consumer of liveConsumers) await consumer.close();
      for (const driver of liveDrivers) {
        await driver.teardown();
        await driver.close();
      }
    }
  });
});

describe('bad input', () => {
  test.concurrent.each([
    { args: ['--broker', 'nats', '--scenario', 'noack', '--nats-storage', 'memory'], message: '--nats-storage is a JetStream setting; noack delivery on NATS is core NATS' },
    { args: ['--broker', 'redis', '--scenario', 'ack', '--redis-url', 'redis://:pa/ss@127.0.0.1:6379'], message: "the user or password holds '/', '?' or '#'" },
    { args: ['--broker', 'redis', '--scenario', 'failover'], message: 'redis cannot run the failover scenario' },
  ])('CLI: one line, exit 2, before connecting: $message', async ({ args, message }) => {
    const run = await bench(['run', ...args, '--no-progress']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });

  test('settings and URL forms refused in-process with the line the CLI prints', () => {
    expect(() => natsPlugin.settings({ 'nats-pull-batch': 2000 }, 'ack')).toThrow('--nats-pull-batch (2000) must not exceed --nats-max-ack-pending (1000)');
    expect(natsPlugin.settings({}, 'ack')).toEqual({ storage: 'file', maxAckPending: 1000, pullBatch: 500 });
    expect(natsPlugin.endpoint?.problemWith?.('http://127.0.0.1:4222')).toMatch(/^must be one nats:\/\/ URL/);
    expect(natsPlugin.endpoint?.problemWith?.('nats://user:pw@127.0.0.1:4222,nats://127.0.0.1:4223')).toMatch(/server list is not supported/);
    expect(natsPlugin.endpoint?.problemWith?.('nats://user:pw@127.0.0.1:4222')).toBeUndefined();
    expect(redisPlugin.endpoint?.problemWith?.('redis://127.0.0.1:6379/x')).toMatch(/database number/);
    expect(redisPlugin.endpoint?.problemWith?.('rediss://user:pw@127.0.0.1:6380/0')).toBeUndefined();
  });

  test('an unreachable named endpoint: exit 3 (CLI) with the start hint; no password in the line for either URL form', async () => {
    const run = await bench(['run', '--broker', 'redis', '--redis-url', 'rediss://user:s3cret-pw@127.0.0.1:1', '--scenario', 'ack', '--no-progress']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('`redis-server`');
    expect(run.stderr).not.toContain('s3cret');
    const driver = new NatsDriver({ url: 'nats://user:s3cret-pw@127.0.0.1:1', settings: { delivery: 'ack' }, connectTimeoutMs: 2000, startHint: natsPlugin.startHint?.(true) });
    const error = await driver.connect().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/^cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: .*`nats-server -js`/);
    expect(error?.message).not.toContain('s3cret');
  });
});
