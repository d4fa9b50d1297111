import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { migrateV1, type ResultV1 } from './migrate.js';
import { schemaVersion, type RunResult } from './types.js';
import { inexactNumberProblem, resultTrustProblem } from './trust.js';
import { resultProblem, v1ResultProblem } from './validate.js';
import { plural } from '../util/plural.js';

/** `results/2026-11-23T20-41-07Z_<broker>_<scenario>_<run id>.json` */
export function resultFileName(result: RunResult): string {
  const stamp = result.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}_${result.workload.broker}_${result.workload.scenario}_${result.id}.json`;
}

/** Validates, then writes atomically (temp file + rename): a reader never sees half a file. */
export async function writeResult(dir: string, result: RunResult): Promise<string> {
  const problem = resultProblem(result);
  if (problem) throw new Error(`refusing to write an invalid result: ${problem}`);
  const path = join(dir, resultFileName(result));
  await writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/**
 * The largest result file read: 64 MiB, far above any mqbench writes (a day-long run's timeline is
 * ~13 MB); a larger file is refused before it is read into memory.
 */
const maxResultBytes = 64 * 1024 * 1024;

async function resultText(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isFile() && info.size > maxResultBytes) throw new UsageError(`${path}: ${info.size} bytes, too large for a result file (at most ${maxResultBytes})`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** A version 2 result from a parsed file (version 1 checked against its own schema and migrated, migrate.ts). */
function resultOf(path: string, value: unknown): RunResult {
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version === schemaVersion) {
    const problem = resultProblem(value);
    if (problem) throw new UsageError(`${path}: damaged result file: ${problem}`);
    return value as RunResult;
  }
  if (version === 1) {
    const v1Problem = v1ResultProblem(value);
    if (v1Problem) throw new UsageError(`${path}: damaged result file (schema version 1): ${v1Problem}`);
    const migrated = migrateV1(value as ResultV1);
    const problem = resultProblem(migrated);
    if (problem) throw new UsageError(`${path}: a schema version 1 result that does not convert to version ${schemaVersion}: ${problem}`);
    return migrated;
  }
  throw new UsageError(`${path}: unknown result schema version ${JSON.stringify(version)} (this mqbench reads versions 1 and ${schemaVersion})`);
}

/**
 * Reads one result file, which is untrusted input: numbers finite and exact, the schema (version 1
 * migrated), then histograms decoded within bounds and consistent with the counts (trust.ts).
 */
export async function readResult(path: string): Promise<RunResult> {
  const text = await resultText(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not a result file (damaged or not JSON)`);
  }
  const inexact = inexactNumberProblem(value);
  if (inexact) throw new UsageError(`${path}: damaged result file: ${inexact}`);
  const result = resultOf(path, value);
  const untrusted = resultTrustProblem(result);
  if (untrusted) throw new UsageError(`${path}: damaged result file: ${untrusted}`);
  return result;
}

async function resultFilesIn(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or directory: ${path}`);
    if (info.isDirectory()) {
      const names = (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => e.name).sort();
      files.push(...names.map((n) => join(path, n)));
    } else if (info.isFile()) files.push(path);
    else throw new UsageError(`${path} is not a regular file`);
  }
  if (files.length === 0) throw new UsageError(`no result files in ${paths.join(', ')}`);
  return files;
}

/**
 * Files and directories (their *.json files, not recursive) -> results, in a stable order.
 * With `onSkip`, a damaged or foreign file is reported (one line) and skipped; without, it is an error.
 * Either way, no readable result at all is an error.
 */
export async function readResults(paths: readonly string[], onSkip?: (line: string) => void): Promise<RunResult[]> {
  const files = await resultFilesIn(paths);
  if (!onSkip) return Promise.all(files.map((file) => readResult(file)));
  const results: RunResult[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    try {
      results.push(await readResult(file));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      skipped.push(error.message);
    }
  }
  if (results.length === 0) throw new UsageError(skipped.length === 1 ? (skipped[0] as string) : `no readable result files (${skipped.length} skipped) in ${paths.join(', ')}`);
  for (const line of skipped) onSkip(`skipped ${line}`);
  if (skipped.length > 0) onSkip(`${plural(skipped.length, 'file')} skipped, ${results.length} read`);
  return results;
}
