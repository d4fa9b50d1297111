import { rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeFolders } from './make-folders.js';

const tempOf = (path: string): string => `${path}.${process.pid}.${Date.now()}.tmp`;

/** Writes a file so that readers see the old content or the new one, never half of it. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await writeFilesAtomic([{ path, content }]);
}

/**
 * Writes several files as a set: every content goes to a temporary file first, and only when all are
 * written are they renamed into place; if a rename fails, the ones already in place are removed, so a
 * reader never finds one file of the set without the others (a report's .md without its .html).
 */
export async function writeFilesAtomic(files: readonly { path: string; content: string }[]): Promise<void> {
  const temps = files.map((f) => ({ ...f, temp: tempOf(f.path) }));
  try {
    for (const f of temps) {
      // not mkdir's recursive option: it never returns under /proc (see make-folders.ts)
      await makeFolders(dirname(f.path));
      await writeFile(f.temp, f.content, { flag: 'wx' });
    }
    const placed: string[] = [];
    try {
      for (const f of temps) {
        await rename(f.temp, f.path);
        placed.push(f.path);
      }
    } catch (error) {
      await Promise.all(placed.map((p) => unlink(p).catch(() => undefined)));
      throw error;
    }
  } finally {
    await Promise.all(temps.map((f) => unlink(f.temp).catch(() => undefined)));
  }
}
