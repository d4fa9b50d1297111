import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * mkdir -p one level at a time: Node 20's recursive mkdir never returns under /proc (it retries the
 * ENOENT the kernel gives there), so a typo like --out /proc/x would hang a command before it starts.
 */
export async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); !(await stat(d).catch(() => undefined)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) await mkdir(d);
}
