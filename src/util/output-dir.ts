import { constants } from 'node:fs';
import { access, lstat, readlink, stat } from 'node:fs/promises';
import { makeFolders } from './make-folders.js';
import { UsageError } from '../errors.js';

/**
 * Checks, before a run starts, that results can be written where asked: a folder (created if missing)
 * that this process may write into. A finished measurement must never be lost to a typo in --out.
 */
export async function requireWritableFolder(dir: string, option = '--out'): Promise<void> {
  if (dir.trim() === '') throw new UsageError(`${option}: must name a folder, got ""`);
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) await createMissing(dir, option, info);
  else if (!info.isDirectory()) throw new UsageError(`${option}: ${dir} is not a folder`);
  await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${option}: cannot write into ${dir} (${error.code ?? 'error'})`);
  });
}

/** A folder stat() did not find: created when it is missing, else the cause named (a symbolic link loop is not "exists"). */
async function createMissing(dir: string, option: string, error: NodeJS.ErrnoException): Promise<void> {
  if (error.code === 'ELOOP') throw new UsageError(`${option}: ${dir} is a loop of symbolic links (ELOOP)`);
  if (error.code === 'ENOTDIR') throw new UsageError(`${option}: a part of ${dir} is a file, not a folder (ENOTDIR)`);
  if (error.code !== 'ENOENT') throw new UsageError(`${option}: cannot use ${dir} (${error.code ?? 'error'})`);
  const link = await lstat(dir).catch(() => undefined);
  if (link?.isSymbolicLink()) throw new UsageError(`${option}: ${dir} is a symbolic link to ${await readlink(dir)}, which does not exist`);
  await makeFolders(dir).catch((cause: NodeJS.ErrnoException) => {
    throw new UsageError(`${option}: cannot create ${dir} (${cause.code ?? 'error'})`);
  });
}

/** Refuses what is not a regular file (a FIFO would block the read forever, a device is no input). */
export async function requireRegularFile(path: string, what: string): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${what}: cannot read ${path} (${error.code ?? 'error'})`);
  });
  if (!info.isFile()) throw new UsageError(`${what}: ${path} is not a regular file`);
}
