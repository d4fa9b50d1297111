/**
 * One sitting: every cell of the plan run once per repeat, the repeats interleaved (round 1 runs every
 * cell, then round 2 ...), each `bench` a child process as a user would run it, into a fresh folder.
 * sitting.json (the manifest the documents are generated from) is rewritten after every run, so an
 * interrupted sitting keeps what it measured.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { baseCommit, describeEnvironment, gitCommit, hasUncommittedChanges } from '../../src/results/environment.js';
import type { Environment } from '../../src/results/types.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { repoRoot } from '../../src/util/paths.js';
import type { Cell, Profile } from './cells.js';

export const manifestName = 'sitting.json';

export interface RunRecord {
  cell: string;
  round: number;
  /** the command as a user types it */
  command: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
}

export interface Sitting {
  kind: 'mqbench-publish-sitting';
  version: 1;
  profile: Profile;
  repeats: number;
  /** how the sitting was started, e.g. "npm run publish-results -- --quick" */
  invocation: string;
  startedAt: string;
  /** when an interrupted sitting was continued (publish-results --resume), on its machine and commit */
  resumedAt?: string[];
  /** while it runs: publish-results' pid and its current bench's (--resume refuses while either lives) */
  running?: { publisher: number; run?: number };
  finishedAt?: string;
  environment: Environment;
  cells: Cell[];
  runs: RunRecord[];
}

/** results/baselines/published/<date>-<short commit>: committed with the documents it feeds (results/ is otherwise ignored). */
export function sittingFolder(now = new Date()): string {
  const short = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return join(repoRoot, 'results', 'baselines', 'published', `${stamp}-${short}`);
}

/** The shared RabbitMQ's Erlang VM (not started by mqbench), so that its cost per message is measured too. */
function sharedRabbitPid(): string | undefined {
  try {
    return execFileSync('pgrep', ['-u', 'rabbitmq', '-f', 'beam.smp'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}

/** The arguments one run of a cell gets: its own, where its results go, and, for a calibration, the rounds. */
function argsOf(cell: Cell, folder: string, repeats: number, rabbitPid: string | undefined): string[] {
  const out = join(folder, cell.command === 'run' ? 'runs' : 'calibration', cell.id);
  if (cell.command === 'calibrate') return ['calibrate', ...cell.args, '--rounds', String(repeats), '--out', out];
  const pid = cell.broker === 'rabbit' && cell.table.startsWith('q2-') && rabbitPid ? ['--broker-pid', rabbitPid] : [];
  return ['run', ...cell.args, ...pid, '--quiet', '--out', out];
}

function runBench(args: string[], log: (line: string) => void, started: (pid: number | undefined) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'bench.js'), ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    started(child.pid);
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(`  ${line}`);
    });
    child.on('close', (code) => resolve(code ?? 4));
  });
}

/** Which round runs a calibration: each runs once (its own rounds interleave native and mqbench), spread over the rounds. */
function runsInRound(cell: Cell, index: number, round: number, repeats: number): boolean {
  return cell.command === 'run' || index % repeats === round - 1;
}

/** Every run of a sitting in its order (round 1 runs every cell, then round 2 ...), less those `ran` already records. */
export function runsToDo(cells: readonly Cell[], repeats: number, ran: readonly Pick<RunRecord, 'cell' | 'round'>[] = []): { cell: Cell; round: number }[] {
  const done = new Set(ran.map((r) => `${r.cell}#${r.round}`));
  const todo: { cell: Cell; round: number }[] = [];
  for (let round = 1; round <= repeats; round++) {
    for (const [index, cell] of cells.entries()) if (runsInRound(cell, index, round, repeats) && !done.has(`${cell.id}#${round}`)) todo.push({ cell, round });
  }
  return todo;
}

/** The checkout now, as every result of a run made now would record it. */
function checkoutNow(): { head: string; dirty: boolean } {
  const commit = gitCommit();
  return { head: baseCommit(commit), dirty: hasUncommittedChanges(commit) };
}

/**
 * One sitting, one commit: a checkout that moved under it would mix commits in one table, and an edit to a
 * tracked file in a sitting begun clean would label the rest of its results "with uncommitted changes".
 */
export function checkoutMoved(startHead: string, beganClean: boolean, now: { head: string; dirty: boolean }, folder: string): string | undefined {
  if (now.head !== startHead) return `the checkout moved from ${startHead.slice(0, 7)} to ${now.head.slice(0, 7)} during the sitting: stopped; what was measured is in ${folder}`;
  if (beganClean && now.dirty) return `tracked files were changed during the sitting, which began on a clean checkout: stopped before the next run would be labelled "with uncommitted changes"; put the changes aside (git stash), then npm run publish-results -- --resume ${folder}`;
  return undefined;
}

/** A new sitting's manifest. */
export function newSitting(cells: Cell[], options: { profile: Profile; repeats: number; invocation: string }): Sitting {
  return { kind: 'mqbench-publish-sitting', version: 1, profile: options.profile, repeats: options.repeats, invocation: options.invocation, startedAt: new Date().toISOString(), environment: describeEnvironment(), cells, runs: [] };
}

/** Runs what `sitting` has not run yet into `folder`, saving its manifest after every run; a new sitting runs everything. */
export async function runSitting(sitting: Sitting, folder: string, log: (line: string) => void): Promise<Sitting> {
  const { repeats } = sitting;
  mkdirSync(folder, { recursive: true });
  const save = (): Promise<void> => writeFileAtomic(join(folder, manifestName), `${JSON.stringify(sitting, null, 2)}\n`);
  await save();
  const rabbitPid = sharedRabbitPid();
  const began = checkoutNow();
  for (const { cell, round } of runsToDo(sitting.cells, repeats, sitting.runs)) {
    const moved = checkoutMoved(began.head, !began.dirty, checkoutNow(), relative(repoRoot, folder));
    if (moved) throw new UsageError(moved);
    const args = argsOf(cell, folder, repeats, rabbitPid);
    const command = `npx bench ${args.join(' ').replace(`${folder}/`, `${relative(repoRoot, folder)}/`)}`;
    log(`publish-results: round ${round}/${repeats}: ${command}`);
    const startedAt = new Date().toISOString();
    let saving = Promise.resolve();
    const exitCode = await runBench(args, log, (pid) => {
      sitting.running = { publisher: process.pid, ...(pid === undefined ? {} : { run: pid }) };
      saving = save();
    });
    await saving;
    sitting.runs.push({ cell: cell.id, round, command, startedAt, finishedAt: new Date().toISOString(), exitCode });
    sitting.running = { publisher: process.pid };
    await save();
  }
  delete sitting.running;
  sitting.finishedAt = new Date().toISOString();
  await save();
  return sitting;
}
