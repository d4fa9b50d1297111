/**
 * The last resort for a finished measurement whose --out folder cannot take it (a disk that filled
 * during the run, a folder made read-only or removed): a private temp folder (mkdtemp, mode 0700: no
 * other user can read or plant files there, unlike a fixed /tmp/mqbench-results), else stdout as JSON.
 * Said in one line; the caller exits non-zero, since the result is not where it was asked to be.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printable } from '../util/printable.js';
import { writeResult } from './store.js';
import type { RunResult } from './types.js';

export interface KeptResult {
  /** where the result file is; undefined when it went to stdout only */
  path: string | undefined;
  /** true when --out could not take it: the run's exit code is then non-zero */
  elsewhere: boolean;
}

export interface LastResortOptions {
  /** one line on stderr */
  log: (line: string) => void;
  /** writes the result document to stdout; absent when the caller prints it there anyway (--json) */
  stdout?: (text: string) => void;
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));

/** A fresh folder only this user can enter, written into; the folder is removed again if the write fails. */
async function writeIntoPrivateFolder(result: RunResult): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mqbench-result-'));
  try {
    return await writeResult(dir, result);
  } catch (error) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** Writes the result into `out`; if that fails, into a private temp folder; if that fails too, onto stdout. */
export async function writeResultOrLastResort(out: string, result: RunResult, options: LastResortOptions): Promise<KeptResult> {
  let asked: unknown;
  try {
    return { path: await writeResult(out, result), elsewhere: false };
  } catch (error) {
    // an invalid result is a bug, not a full disk: no other folder would take it
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    asked = error;
  }
  const into = `could not write the result into ${printable(out)} (${codeOf(asked)})`;
  try {
    const path = await writeIntoPrivateFolder(result);
    options.log(`bench: ${into}; it was kept in ${printable(path)} (a private folder: move it where it belongs)`);
    return { path, elsewhere: true };
  } catch (error) {
    options.log(`bench: ${into} nor into a private temp folder (${codeOf(error)}); the result is on stdout as JSON`);
    options.stdout?.(`${JSON.stringify(result, null, 2)}\n`);
    return { path: undefined, elsewhere: true };
  }
}
