/**
 * `bench clean` against the real brokers, with leftovers made the way a SIGKILLed run leaves them.
 * Other runs share these brokers, so this file never lists or deletes anything but its own: its RabbitMQ
 * runs go to a vhost of its own (removed at the end), and on Kafka (no namespaces) every clean is scoped
 * to this file's runs with --run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { driverNames } from '../../src/drivers/index.js';
import { sleepMs } from '../../src/util/clock.js';
import { bench, benchBin, kafkaUrl, repoRoot } from '../helpers.js';

const execFileAsync = promisify(execFile);
const vhost = 'mqbench-clean-test';
const vhostUrl = `amqp://guest:guest@127.0.0.1:5672/${vhost}`;
const kafka = new Kafka({ clientId: 'mqbench-clean-test', brokers: [kafkaUrl], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
let out: string;

const ctl = async (...args: string[]): Promise<string> => (await execFileAsync('rabbitmqctl', ['-q', ...args], { timeout: 60_000 })).stdout;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-clean-'));
  await ctl('add_vhost', vhost).catch(() => undefined); // left by an interrupted earlier run: reuse it
  await ctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
  await ctl('delete_vhost', vhost).catch(() => undefined);
  await rm(out, { recursive: true, force: true });
});

/** mqbench-* queues and exchanges in this file's vhost. */
async function rabbitNames(): Promise<string[]> {
  const listing = `${await ctl('list_queues', '-p', vhost, '--no-table-headers', 'name')}\n${await ctl('list_exchanges', '-p', vhost, '--no-table-headers', 'name')}`;
  return listing.split('\n').map((line) => line.trim()).filter((name) => name.startsWith('mqbench-')).sort();
}

async function kafkaNames(runId: string): Promise<string[]> {
  const [topics, { groups }] = await Promise.all([admin.listTopics(), admin.listGroups()]);
  return [...topics, ...groups.map((g) => g.groupId)].filter((name) => name.startsWith(`mqbench-${runId}.`)).sort();
}

const runIdOf = (name: string): string => (name.split('.')[0] ?? '').replace(/^mqbench-/, '');

interface LiveRun {
  child: ChildProcess;
  stderr: () => string;
}

/** Starts `bench run` in its own process group and resolves once its first progress line is out. */
async function startRun(args: string[]): Promise<LiveRun> {
  const child = spawn(process.execPath, [benchBin, 'run', ...args, '--out', out], { cwd: repoRoot, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!/\] (warmup|measure) /.test(stderr)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bench run ${args.join(' ')} showed no progress:\n${stderr}`);
    await sleepMs(200);
  }
  return { child, stderr: () => stderr };
}

/** What SIGKILL leaves: no teardown at all. */
async function kill(run: LiveRun): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  process.kill(-(run.child.pid as number), 'SIGKILL');
  await exited;
}

/** A killed member stays in its group until the session timeout (10 s): until then the group is in use. */
async function waitUntilGroupsEmpty(runId: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const ids = (await kafkaNames(runId)).filter((name) => /\.g\d+$/.test(name));
    const { groups } = await admin.describeGroups(ids);
    if (groups.every((g) => g.members.length === 0 && g.state === 'Empty')) return;
    if (Date.now() > deadline) throw new Error(`groups of ${runId} still have members`);
    await sleepMs(1000);
  }
}

describe('bench clean', () => {
  test('lists the leftovers of SIGKILLed runs with --dry-run, then deletes them and nothing else', { timeout: 300_000 }, async () => {
    const kafkaBefore = new Set(await admin.listTopics());
    const runs = await Promise.all([
      startRun(['--broker', 'rabbit', '--scenario', 'fanout', '--duration', '30s', '--rate', '200', '--rabbit-url', vhostUrl]),
      startRun(['--broker', 'kafka', '--scenario', 'ack', '--duration', '30s', '--rate', '200']),
    ]);
    await Promise.all(runs.map(kill));

    const rabbitLeft = await rabbitNames();
    const rabbitRun = runIdOf(rabbitLeft[0] ?? '');
    expect(rabbitLeft).toEqual([`mqbench-${rabbitRun}.fanout`, ...[0, 1, 2].map((s) => `mqbench-${rabbitRun}.fanout.s${s}`)]);
    const newTopics = (await admin.listTopics()).filter((t) => !kafkaBefore.has(t) && /^mqbench-[0-9a-f]+\.ack$/.test(t));
    expect(newTopics, 'another ack run started on Kafka at the same moment?').toHaveLength(1);
    const kafkaRun = runIdOf(newTopics[0] as string);
    expect(await kafkaNames(kafkaRun)).toEqual([`mqbench-${kafkaRun}.ack`, `mqbench-${kafkaRun}.ack.g0`]);
    await waitUntilGroupsEmpty(kafkaRun);

    const scope = ['--rabbit-url', vhostUrl, '--run', `${rabbitRun},${kafkaRun}`];
    const dry = await bench(['clean', '--dry-run', ...scope]);
    expect(dry.code, dry.stderr).toBe(0);
    for (const name of [...rabbitLeft, `mqbench-${kafkaRun}.ack`, `mqbench-${kafkaRun}.ack.g0`]) expect(dry.stdout).toMatch(new RegExp(`${name.replace(/\./g, '\\.')}\\s+would delete`));
    expect(dry.stdout).toContain('total: 6 would be deleted; dry run: nothing deleted');
    expect(await rabbitNames()).toEqual(rabbitLeft);
    expect(await kafkaNames(kafkaRun)).toHaveLength(2);

    const clean = await bench(['clean', ...scope]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('total: 6 deleted');
    expect(await rabbitNames()).toEqual([]);
    expect(await kafkaNames(kafkaRun)).toEqual([]);
  });

  test('keeps an object in use (a run still going) unless --force', { timeout: 300_000 }, async () => {
    const run = await startRun(['--broker', 'rabbit', '--scenario', 'noack', '--duration', '60s', '--rate', '200', '--rabbit-url', vhostUrl]);
    try {
      const [queue] = await rabbitNames();
      expect(queue).toMatch(/^mqbench-[0-9a-f]+\.noack$/);
      const kept = await bench(['clean', '--broker', 'rabbit', '--rabbit-url', vhostUrl]);
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.stdout).toMatch(/noack\s+in use: kept/);
      expect(kept.stdout).toContain('total: 0 deleted, 1 in use kept');
      expect(await rabbitNames()).toEqual([queue]);

      const forced = await bench(['clean', '--broker', 'rabbit', '--rabbit-url', vhostUrl, '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain('total: 1 deleted');
      expect(await rabbitNames()).toEqual([]);
    } finally {
      await kill(run);
    }
  });

  test('bad input and an unlistable broker: one line, exit 2 or 3', async () => {
    const memory = await bench(['clean', '--broker', 'memory']);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toBe("bench: memory has nothing to clean: its broker lives in the run's process\n");
    const unknown = await bench(['clean', '--broker', 'nosuch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`bench: unknown broker "nosuch"; valid brokers: ${driverNames.join(', ')}\n`);
    const badRun = await bench(['clean', '--broker', 'rabbit', '--run', '../x']);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toMatch(/^bench: --run: not a run id: "\.\.\/x"/);
    const remote = await bench(['clean', '--broker', 'rabbit', '--rabbit-url', 'amqp://guest:guest@192.0.2.1:5672']);
    expect(remote.code).toBe(3);
    expect(remote.stdout).toBe('');
    expect(remote.stderr).toMatch(/^bench: cannot list queues on a remote RabbitMQ without the management plugin \(amqp:\/\/192\.0\.2\.1:5672\).*\n$/);
    const kafkaDown = await bench(['clean', '--broker', 'kafka', '--kafka-url', '127.0.0.1:1']);
    expect(kafkaDown.code).toBe(3);
    expect(kafkaDown.stderr.trim().split('\n')).toHaveLength(1);
    expect(kafkaDown.stderr).toMatch(/^bench: cannot connect to Kafka at 127\.0\.0\.1:1/);
  });

  test('a broker that cannot be listed while another was: the listed one shown, the other named, exit 1 (partial)', async () => {
    const partial = await bench(['clean', '--dry-run', '--broker', 'redis,kafka', '--kafka-url', '127.0.0.1:1']);
    expect(partial.code, partial.stderr).toBe(1);
    expect(partial.stdout).toMatch(/^redis: no mqbench-\* objects at redis:\/\/127\.0\.0\.1:6379$|^redis\s+\S+\s+mqbench-/m);
    expect(partial.stdout).toMatch(/^kafka: could not be listed: cannot connect to Kafka at 127\.0\.0\.1:1/m);
    expect(partial.stdout).toMatch(/^total: \d+ would be deleted; not listed: kafka; dry run: nothing deleted$/m);
    expect(partial.stderr).toMatch(/^bench: cannot connect to Kafka at 127\.0\.0\.1:1/);
  });

  test('a RabbitMQ setup that fails midway removes what it declared', { timeout: 180_000 }, async () => {
    // the vhost's queue limit refuses the 11th of 20 declarations: setup fails halfway through
    await ctl('set_vhost_limits', '-p', vhost, '{"max-queues": 10}');
    try {
      const run = await bench(['run', '--broker', 'rabbit', '--scenario', 'partitioned', '--partitions', '20', '--duration', '1s', '--rabbit-url', vhostUrl, '--out', out, '--no-progress']);
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/queue limit in vhost 'mqbench-clean-test' \(10\) is reached/);
      expect(run.stderr).not.toMatch(/could not remove/);
      expect(await rabbitNames()).toEqual([]);
    } finally {
      await ctl('clear_vhost_limits', '-p', vhost);
    }
  });
});
