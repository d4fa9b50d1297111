/**
 * A results folder read for the documents: its sitting manifest (when publish-results made it), every
 * run result and calibration report under it, each with the cell (its parent folder) it belongs to.
 * Result files are untrusted input (results/store.ts checks them); files that are neither are skipped.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CalibrationReport } from '../../src/calibrate/run.js';
import { UsageError } from '../../src/errors.js';
import { baseCommit } from '../../src/results/environment.js';
import { readResult } from '../../src/results/store.js';
import type { Environment, RunResult } from '../../src/results/types.js';
import { manifestName, type Sitting } from './sitting.js';

export interface Loaded<T> {
  cell: string;
  file: string;
  value: T;
}

export interface ResultsFolder {
  folder: string;
  sitting?: Sitting;
  runs: Loaded<RunResult>[];
  calibrations: Loaded<CalibrationReport>[];
}

/** Where `--resume` puts an interrupted run's files (resume.ts): kept, never read into a table. */
export const setAsideName = 'set-aside';

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new UsageError(`--from-results: no such folder: ${dir}`);
  });
  const kept = entries.filter((e) => !(e.isDirectory() && e.name === setAsideName));
  const nested = await Promise.all(kept.map((e) => (e.isDirectory() ? jsonFilesUnder(join(dir, e.name)) : Promise.resolve(e.isFile() && e.name.endsWith('.json') ? [join(dir, e.name)] : []))));
  return nested.flat().sort();
}

function kindOf(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as { kind?: unknown; schemaVersion?: unknown; id?: unknown };
    if (typeof value.kind === 'string') return value.kind;
    return value.schemaVersion !== undefined && typeof value.id === 'string' ? 'result' : undefined;
  } catch {
    return undefined;
  }
}

export async function loadFolder(folder: string): Promise<ResultsFolder> {
  const loaded: ResultsFolder = { folder, runs: [], calibrations: [] };
  for (const file of await jsonFilesUnder(folder)) {
    const text = await readFile(file, 'utf8');
    const cell = basename(dirname(file));
    const kind = kindOf(text);
    if (kind === 'mqbench-publish-sitting' && basename(file) === manifestName) loaded.sitting = JSON.parse(text) as Sitting;
    else if (kind === 'mqbench-calibration') loaded.calibrations.push({ cell, file, value: JSON.parse(text) as CalibrationReport });
    else if (kind === 'result') loaded.runs.push({ cell, file, value: await readResult(file) });
  }
  if (loaded.runs.length === 0 && loaded.calibrations.length === 0) throw new UsageError(`--from-results: no run results or calibrations under ${folder}`);
  return loaded;
}

/** A machine as the documents name it. */
export function machineOf(e: Environment): string {
  return `${e.cpuModel}, ${e.cores} cores, ${Math.round(e.memoryBytes / 2 ** 30)} GiB`;
}

const environments = (f: ResultsFolder): Environment[] => [...f.runs.map((r) => r.value.environment), ...f.calibrations.map((c) => c.value.environment)];

/**
 * The one rule of a published folder: one machine and one commit. Anything else is refused with one
 * line naming both (or the first two) before a document is touched. Runs of one commit with and without
 * uncommitted changes are refused too (two code states in one table), unless the publisher, who knows the
 * changes touched no code the runs loaded, says so (--accept-uncommitted): every table's provenance line
 * then counts the runs that had them. A folder whose runs all had uncommitted changes is one state as far
 * as the files tell, and is published with "with uncommitted changes" on every line.
 */
export function refuseMixed(f: ResultsFolder, acceptUncommitted = false): void {
  const envs = environments(f);
  const machines = [...new Set(envs.map(machineOf))];
  if (machines.length > 1) throw new UsageError(`${f.folder}: results from more than one machine, refusing to mix them in one document: ${machines.slice(0, 2).join(' and ')}${machines.length > 2 ? ` (and ${machines.length - 2} more)` : ''}`);
  const commits = [...new Set(envs.map((e) => (acceptUncommitted ? baseCommit(e.gitCommit) : e.gitCommit)))];
  const onlyDirtiness = new Set(commits.map(baseCommit)).size === 1;
  const hint = onlyDirtiness ? ' (one commit with and without uncommitted changes: --accept-uncommitted publishes it, counting those runs, if the changes touched no code the runs loaded)' : '';
  if (commits.length > 1) throw new UsageError(`${f.folder}: results from more than one commit, refusing to mix them in one document: ${commits.slice(0, 2).join(' and ')}${commits.length > 2 ? ` (and ${commits.length - 2} more)` : ''}${hint}`);
}
