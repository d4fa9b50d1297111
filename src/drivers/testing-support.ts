/** What the plug-ins' contract probes (<name>/testing.ts) share: nothing of any driver. */
import { readFileSync } from 'node:fs';
import { sleepMs } from '../util/clock.js';

/** The installed package's version, read from its package.json (its "exports" may hide it from require()). */
export function installedVersion(pkg: string): string {
  return (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}

/** Messages a client receives until none has come for `quietMs`. */
export async function countUntilQuiet(count: () => number, quietMs: number): Promise<number> {
  let last = -1;
  while (last !== count()) {
    last = count();
    await sleepMs(quietMs);
  }
  return last;
}
