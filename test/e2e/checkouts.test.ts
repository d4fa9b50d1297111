/**
 * Two checkouts on one host (issue 31, item 8): two clones bring up their own rabbit-cluster at once,
 * each lists only its own nodes as its own and the other's as another checkout's, and each brings
 * down only its own. The clones are real second checkouts of this working tree (bin/, src/,
 * package.json and tsconfig.json copied, node_modules linked instead of `npm ci`), run from their own
 * folders: their state folders, and so their identities, are their own, as a `git clone` would have
 * them. Six RabbitMQ nodes on two cores: about 1-2 minutes for both to come up.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hostTable, instanceOf } from '../../src/provision/checkouts.js';
import { bench, repoRoot, type CliRun } from '../helpers.js';

let parent: string;
const clones: string[] = [];

/** A second checkout of this working tree, without `npm ci`. */
async function cloneOf(folder: string): Promise<string> {
  for (const entry of ['bin', 'src', 'package.json', 'tsconfig.json']) await cp(join(repoRoot, entry), join(folder, entry), { recursive: true });
  await symlink(join(repoRoot, 'node_modules'), join(folder, 'node_modules'));
  return folder;
}

/** `bench <args>` as a user of the clone runs it: the clone's own bin/bench.js, from the clone's folder. */
function benchIn(clone: string, args: string[], timeoutMs = 120_000): Promise<CliRun> {
  const started = Date.now();
  const env = { ...process.env };
  delete env.MQBENCH_HOME;
  const child = spawn(process.execPath, [join(clone, 'bin', 'bench.js'), ...args], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'mqbench-checkouts-'));
  for (const name of ['first', 'second']) clones.push(await cloneOf(join(parent, name)));
});

afterAll(async () => {
  let claims: string[] = [];
  try {
    // each brings down its own: both at once, as two users would
    const downs = await Promise.all(clones.map((clone) => benchIn(clone, ['brokers', 'down', 'rabbit-cluster'])));
    for (const down of downs) expect(down.code, down.stderr).toBe(0);
    const names = await readdir(hostTable()).catch(() => [] as string[]);
    claims = await Promise.all(names.map((name) => readFile(join(hostTable(), name), 'utf8').catch(() => '')));
  } finally {
    // the clones' folders go even when a down failed: a claim whose cluster folder is gone is stale, so a
    // failed test never leaves slots held on the host (this checkout's clusters would move to slot 1)
    await rm(parent, { recursive: true, force: true });
  }
  // down gave both slots back: no claim of either clone is left in the host's table
  expect(claims.filter((text) => text.includes(parent))).toEqual([]);
}, 180_000);

/** The node names a `brokers status` line block calls its own ("node i <name> at ..."). */
const ownNodes = (status: string): string[] => [...status.matchAll(/^ {2}node \d (\S+) at /gm)].map((m) => m[1] ?? '');

describe('two checkouts on one host', () => {
  test("the private stream node the test setup started is another checkout's to a clone: named so, and listed by its bench clean", async () => {
    const [first = ''] = clones;
    const status = await benchIn(first, ['brokers', 'status', 'rabbit-stream']);
    expect(status.stdout).toMatch(/^rabbit-stream running at rabbitmq-stream:\/\/127\.0\.0\.1:5552: private node mqbench-stream@localhost started by another checkout's mqbench \(left alone\)$/m);
    // it was exit 3 (`it is not the private node mqbench starts`) in every checkout but the one that started it
    const clean = await benchIn(first, ['clean', '--dry-run', '--broker', 'rabbit-stream']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^total: \d+ would be deleted; dry run: nothing deleted$/m);
  });

  test("a Kafka this checkout started is another checkout's to a clone, named by its state folder", async () => {
    const [first = ''] = clones;
    const here = await bench(['brokers', 'status', 'kafka']);
    // only when this checkout started the Kafka on 9092 (the test setup does when nothing answered there)
    if (!here.stdout.includes('local process started by mqbench')) return;
    const there = await benchIn(first, ['brokers', 'status', 'kafka']);
    expect(there.stdout).toBe(`kafka   running at 127.0.0.1:9092 (started by another checkout's mqbench, ${join(repoRoot, '.mqbench')}; left alone)\n`);
  });

  test('bring up their own rabbit-cluster at once, each lists only its own nodes as its own, the other as another checkout\'s', { timeout: 400_000 }, async () => {
    const ups = await Promise.all(clones.map((clone) => benchIn(clone, ['brokers', 'up', 'rabbit-cluster'], 300_000)));
    for (const up of ups) expect(up.code, up.stderr).toBe(0);
    const [first = '', second = ''] = clones;
    const statuses = await Promise.all(clones.map((clone) => benchIn(clone, ['brokers', 'status', 'rabbit-cluster'])));
    const [mine, theirs] = statuses.map((s) => ownNodes(s.stdout));
    expect(mine).toHaveLength(3);
    expect(theirs).toHaveLength(3);
    // no node name, no port shared: each cluster joined its own three nodes only (up checks 3 running)
    expect(mine?.filter((name) => theirs?.includes(name))).toEqual([]);
    const ports = statuses.map((s) => [...s.stdout.matchAll(/at amqp:\/\/127\.0\.0\.1:(\d+) /g)].map((m) => m[1]));
    expect(new Set(ports.flat()).size).toBe(6);
    for (const [k, status] of statuses.entries()) {
      const other = k === 0 ? second : first;
      expect(status.stdout).toContain(`rabbit-cluster started by mqbench (data in ${join(clones[k] ?? '', '.mqbench')}`);
      expect(status.stdout).toContain(`rabbit-cluster of another checkout (${join(other, '.mqbench')}, instance ${instanceOf(join(other, '.mqbench'))}): `);
      for (const name of (k === 0 ? theirs : mine) ?? []) expect(status.stdout).toContain(`${name} at 127.0.0.1:`);
    }
    // bench clean names the other checkout's cluster and leaves it alone
    const clean = await benchIn(first, ['clean', '--dry-run', '--broker', 'rabbit']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`^rabbit-cluster of another checkout \\(${join(second, '.mqbench').replace(/[.]/g, '\\.')}, instance [0-9a-f]{8}\\): .*; left alone$`, 'm'));
  });
});
