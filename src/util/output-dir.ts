import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Checks, before a run starts, that results can be written where asked: a folder (created if missing)
 * that this process may write into. A finished measurement must never be lost to a typo in --out.
 */
export async function requireWritableFolder(dir: string, option = '--out'): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UsageError(`${option}: ${dir} is not a folder`);
  if (!info) {
    await makeFolders(dir).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`${option}: cannot create ${dir} (${error.code ?? 'error'})`);
    });
  }
  await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${option}: cannot write into ${dir} (${error.code ?? 'error'})`);
  });
}

/**
 * mkdir -p one level at a time: Node 20's recursive mkdir never returns under /proc (it retries the
 * ENOENT the kernel gives there), so a typo like --out /proc/x would hang the run before it starts.
 */
async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); !(await stat(d).catch(() => undefined)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) await mkdir(d);
}

/** Refuses what is not a regular file (a FIFO would block the read forever, a device is no input). */
export async function requireRegularFile(path: string, what: string): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${what}: cannot read ${path} (${error.code ?? 'error'})`);
  });
  if (!info.isFile()) throw new UsageError(`${what}: ${path} is not a regular file`);
}
