/**
 * Issue 29, items 1-4: no hang, no silent exit 0, no lost measurement. Each phase of a run is bounded,
 * signals stop every phase in order, a dead or frozen worker is an aborted result naming its share,
 * the summary's ✗ checks decide the exit code, and a command whose parent went away stops on its own.
 * The faulty in-process broker proves the engine's bounds (a setup, an attach that never settles);
 * the shared RabbitMQ serves where a real broker matters (worker processes sharing one queue, the
 * leftovers lookup between a sweep's runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { benchBin, leftoverRabbitObjects, repoRoot } from '../helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mqbench-hangs-'));
  dirs.push(dir);
  return dir;
}

/** A running bench: its stderr so far, its end, and a wait for a line. */
interface Live {
  child: ChildProcess;
  stderr: () => string;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function start(args: string[], timeoutMs = 40_000, stdin: 'ignore' | 'pipe' = 'ignore'): Live {
  const child = spawn(process.execPath, [benchBin, ...args], { cwd: repoRoot, stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, atMs: Date.now() });
    }),
  );
  const waitFor = async (pattern: RegExp, waitMs = 20_000): Promise<void> => {
    const until = Date.now() + waitMs;
    while (!pattern.test(stderr)) {
      if (Date.now() > until) throw new Error(`no ${pattern} within ${waitMs} ms:\n${stderr}`);
      await sleep(20);
    }
  };
  return { child, stderr: () => stderr, ended, waitFor };
}

async function onlyResult(dir: string): Promise<RunResult> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return readResult(join(dir, files[0] as string));
}

/** The worker processes a bench process forked (their parent is it; not its esbuild service), oldest first. */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (ppid === pid && command.includes('worker-process')) found.push(Number(entry));
  }
  return found.sort((a, b) => a - b);
}

const faulty = (url: string, dir: string, extra: string[] = []): string[] => [
  'run', '--broker', 'faulty', '--faulty-url', url, '--scenario', 'noack', '--rate', '200', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', dir, ...extra,
];

describe('item 1: every phase before the measured window is bounded', () => {
  test.concurrent('a setup that never settles: aborted naming the phase, exit 4, a result written (was: silent exit 0, no result)', async () => {
    const dir = await freshDir();
    const run = start(faulty('faulty://?hangSetup=1', dir, ['--stall-timeout', '1s']));
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    expect(run.stderr()).toMatch(/setup: no answer from the broker within 6s/);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toMatch(/^setup: no answer/);
  });

  test.concurrent('attaching consumers that never settles: aborted naming the phase, exit 4, a result written', async () => {
    const dir = await freshDir();
    const run = start(faulty('faulty://?hangAttach=1', dir, ['--stall-timeout', '1s']));
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toMatch(/^attaching consumers: no answer from the broker within 6s/);
  });

  test.concurrent('SIGINT while attaching consumers hangs stops the run at once (was: ignored): exit 4, result "interrupted"', async () => {
    const dir = await freshDir();
    const run = start(faulty('faulty://?hangAttach=1', dir).filter((a) => a !== '--no-progress'));
    await run.waitFor(/attaching consumers/);
    await sleep(300);
    const signalledAt = Date.now();
    run.child.kill('SIGINT');
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    expect(end.atMs - signalledAt).toBeLessThan(5000);
    expect(run.stderr()).toMatch(/interrupted during attaching consumers/);
    const result = await onlyResult(dir);
    if (result.status !== 'completed') expect(result.error).toBe('interrupted');
  });
});

describe('item 2: signals in the drain and SIGHUP', () => {
  test.concurrent('a broker that stops answering at the end (teardown never settles): the result and the exit within the stall timeout, no after-run look at it (was: 15 s more)', async () => {
    const dir = await freshDir();
    const startedMs = Date.now();
    const run = start(faulty('faulty://?hangTeardown=1', dir, ['--stall-timeout', '2s', '--drain-timeout', '1s']));
    const end = await run.ended;
    // window 1 s + drain + teardown 1 s (half the stall timeout) + close at most 1 s + start-up: well under the 15 s teardown of before
    expect(end.code, run.stderr()).toBe(0);
    expect(end.atMs - startedMs).toBeLessThan(9_000);
    expect(run.stderr()).toMatch(/could not remove mqbench-\w+\.\* from the broker: teardown: no answer within 1 s/);
    expect((await onlyResult(dir)).status).toBe('completed');
  });

  test.concurrent('SIGTERM during the drain ends it promptly (was: the whole --drain-timeout)', async () => {
    const dir = await freshDir();
    // every delivery 30 s late: the drain waits for them; the stall watch is out of the way
    const run = start([...faulty('faulty://?delayMs=30000', dir, ['--drain-timeout', '20s', '--stall-timeout', '60s']).filter((a) => a !== '--no-progress')]);
    await run.waitFor(/drain/);
    await sleep(300);
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    expect(end.atMs - signalledAt).toBeLessThan(5000);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toBe('interrupted');
  });

  test.concurrent('SIGHUP mid-run: a partial result, exit 4 (was: exit 129, no result)', async () => {
    const dir = await freshDir();
    const run = start(['run', '--broker', 'memory', '--scenario', 'noack', '--rate', '500', '--duration', '20s', '--warmup', '0s', '--out', dir]);
    await run.waitFor(/measure/);
    await sleep(500);
    run.child.kill('SIGHUP');
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    expect(result.counts.sent).toBeGreaterThan(0);
  });
});

describe('item 3: a dead or frozen worker', () => {
  test('one of two workers SIGKILLed on a shared queue: aborted, the missing share named, valid counts (was: an invalid result, none written)', async () => {
    const dir = await freshDir();
    const run = start(['run', '--broker', 'rabbit', '--scenario', 'noack', '--workers', '2', '--producers', '2', '--consumers', '2', '--rate', '400', '--duration', '20s', '--warmup', '0s', '--out', dir], 60_000);
    await run.waitFor(/measure/, 30_000);
    await sleep(1500);
    const workers = await childrenOf(run.child.pid as number);
    expect(workers.length).toBeGreaterThanOrEqual(2);
    process.kill(workers[1] as number, 'SIGKILL');
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    expect(run.stderr()).not.toMatch(/invalid result/);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toMatch(/worker 1 .*missing: its producers? 1.* consumers? /);
    expect(result.counts.sent).toBeGreaterThan(0);
    for (const account of result.accounting) expect(account.lost).toBeGreaterThanOrEqual(0);
    expect(await leftoverRabbitObjects()).toEqual([]);
  }, 60_000);

  test.concurrent('a frozen worker (SIGSTOP): aborted within the stall timeout, naming it (was: a hang)', async () => {
    const dir = await freshDir();
    const run = start(['run', '--broker', 'memory', '--scenario', 'noack', '--workers', '2', '--producers', '2', '--consumers', '2', '--rate', '400', '--duration', '8s', '--warmup', '0s', '--stall-timeout', '2s', '--out', dir]);
    await run.waitFor(/measure/);
    await sleep(1000);
    const workers = await childrenOf(run.child.pid as number);
    const frozen = workers[0] as number;
    process.kill(frozen, 'SIGSTOP');
    // whatever happens, no stopped process is left behind
    const end = await run.ended.finally(() => {
      if (existsSync(`/proc/${frozen}`)) process.kill(frozen, 'SIGKILL');
    });
    expect(end.code, run.stderr()).toBe(4);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
    if (result.status !== 'completed') expect(result.error).toMatch(/worker 0 stopped answering .*missing: its producers? 0/);
    expect(result.counts.sent).toBeGreaterThan(0);
  }, 45_000);
});

describe('item 4: exit codes agree with the checks and the parent', () => {
  test.concurrent('an ack run that lost messages prints ✗ nothing lost and exits 1 (was: 0)', async () => {
    const dir = await freshDir();
    const run = start(['run', '--broker', 'faulty', '--faulty-url', 'faulty://?drop=10', '--scenario', 'ack', '--rate', '200', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', dir]);
    const end = await run.ended;
    expect(run.stderr()).toMatch(/✗ nothing lost/);
    expect(end.code, run.stderr()).toBe(1);
  });

  test.concurrent('the parent goes away (SIGKILL): bench stops in order on its own, a partial result (was: an orphan running on)', async () => {
    const dir = await freshDir();
    // a parent that starts bench and is then killed, as npm exec is by a SIGTERM it does not pass on
    const log = join(dir, 'stderr.log');
    const args = [benchBin, 'run', '--broker', 'memory', '--scenario', 'noack', '--rate', '500', '--duration', '30s', '--warmup', '0s', '--out', dir];
    const script = `const c=require('child_process').spawn(process.execPath,${JSON.stringify(args)},{stdio:['ignore','ignore',require('fs').openSync(${JSON.stringify(log)},'w')]});console.log(c.pid);setInterval(()=>{},1000);`;
    const parent = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    // measuring, then the parent is killed
    const until = Date.now() + 20_000;
    while (!(await readFile(log, 'utf8').catch(() => '')).includes('measure') && Date.now() < until) await sleep(50);
    parent.kill('SIGKILL');
    const killedAt = Date.now();
    while (existsSync(`/proc/${pid}`) && Date.now() - killedAt < 15_000) await sleep(100);
    const gone = !existsSync(`/proc/${pid}`);
    if (!gone) process.kill(pid, 'SIGKILL');
    expect(gone).toBe(true);
    expect(await readFile(log, 'utf8')).toMatch(/the parent process \(\d+\) went away: stopping as on SIGTERM/);
    const result = await onlyResult(dir);
    expect(result.status).toBe('aborted');
  });

  test.concurrent('SIGTERM to a command with nothing to keep (merge waiting on stdin): one line, exit 4 (was: killed, 143)', async () => {
    const run = start(['merge', '-'], 40_000, 'pipe');
    await sleep(4000); // start-up: the command is reading stdin
    run.child.kill('SIGTERM');
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    expect(run.stderr()).toMatch(/^bench: SIGTERM( during start-up)?: interrupted \(exit 4\)$/m);
  });

  test('SIGTERM to sweep between its runs: the sweep file and report are written, exit 4 (was: exit 143, neither)', async () => {
    const dir = await freshDir();
    const report = join(dir, 'report');
    const run = start(['sweep', '--broker', 'rabbit', '--scenario', 'noack', '--vary', 'rate=100,200,300', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', dir, '--report', report], 60_000);
    // the first result file is written before the leftovers lookup (rabbitmqctl) that precedes the next run
    while (!(await readdir(dir)).some((f) => f.endsWith('.json'))) await sleep(10);
    run.child.kill('SIGTERM');
    const end = await run.ended;
    expect(end.code, run.stderr()).toBe(4);
    const sweeps = await readdir(join(dir, 'sweeps'));
    expect(sweeps).toHaveLength(1);
    const document = JSON.parse(await readFile(join(dir, 'sweeps', sweeps[0] as string), 'utf8')) as { complete: boolean };
    expect(document.complete).toBe(false);
    expect(existsSync(`${report}.md`)).toBe(true);
    expect(await leftoverRabbitObjects()).toEqual([]);
  }, 60_000);
});
