/**
 * Follows text files that another process appends to (a broker's own log), line by line, from their
 * size when the tail starts. Polled, not watched: fs.watch misses appends on some file systems, and
 * a read every 250 ms of what was appended costs nothing beside a benchmark run.
 */
import { open, stat } from 'node:fs/promises';

const pollMs = 250;
/** at most this much is read per file per poll, so a log flood cannot stall the run's event loop */
const maxChunkBytes = 256 * 1024;

interface Followed {
  path: string;
  offset: number;
  /** the last line's start when it had no newline yet */
  pending: string;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

async function readNew(file: Followed): Promise<string[]> {
  const size = await sizeOf(file.path);
  // a file that shrank was rotated or truncated: read it again from its start
  if (size < file.offset) file.offset = 0;
  if (size === file.offset) return [];
  const handle = await open(file.path, 'r');
  try {
    const length = Math.min(size - file.offset, maxChunkBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, file.offset);
    file.offset += bytesRead;
    const lines = (file.pending + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
    file.pending = lines.pop() ?? '';
    return lines;
  } finally {
    await handle.close();
  }
}

/**
 * Calls `onLine(line, index)` for every line appended to `paths[index]` from now on, until the returned
 * stop function is called (which reads what was appended up to then first).
 */
export async function tailFiles(paths: readonly string[], onLine: (line: string, index: number) => void): Promise<() => Promise<void>> {
  const files: Followed[] = await Promise.all(paths.map(async (path) => ({ path, offset: await sizeOf(path), pending: '' })));
  const poll = async (): Promise<void> => {
    for (const [index, file] of files.entries()) for (const line of await readNew(file).catch(() => [])) onLine(line, index);
  };
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, pollMs);
  return async () => {
    clearInterval(timer);
    await polling;
    await poll();
  };
}
