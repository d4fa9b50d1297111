import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { schemaVersion, type RunResult } from './types.js';
import { resultProblem } from './validate.js';

/** `results/2026-11-23T20-41-07Z_rabbit_noack_ab12cd.json` */
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

export async function readResult(path: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not a result file (damaged or not JSON)`);
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== schemaVersion) {
    throw new UsageError(`${path}: unknown result schema version ${JSON.stringify(version)} (this mqbench reads version ${schemaVersion})`);
  }
  const problem = resultProblem(value);
  if (problem) throw new UsageError(`${path}: damaged result file: ${problem}`);
  const result = value as RunResult;
  // schema 1 files written before this count existed had none to report
  result.counts.receivedDespiteSendError ??= 0;
  for (const account of result.accounting) account.receivedDespiteSendError ??= 0;
  return result;
}

/** Files and directories (their *.json files, not recursive) -> results, in a stable order. */
export async function readResults(paths: readonly string[]): Promise<RunResult[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or directory: ${path}`);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => n.endsWith('.json')).sort();
      files.push(...names.map((n) => join(path, n)));
    } else files.push(path);
  }
  if (files.length === 0) throw new UsageError(`no result files in ${paths.join(', ')}`);
  return Promise.all(files.map(readResult));
}
