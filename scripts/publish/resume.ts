/**
 * `npm run publish-results -- --resume <folder>`: a sitting that stopped part way (a crash, a signal)
 * continues where it stopped, on the machine and at the commit that began it, and nowhere else: what
 * it measured stays, no (cell, round) it has a record of runs again, and what the interrupted run
 * left (its result was written after the manifest's last record) is set aside, kept but out of the tables.
 */
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { isPidAlive } from '../../src/provision/probe.js';
import { hasUncommittedChanges } from '../../src/results/environment.js';
import type { Environment } from '../../src/results/types.js';
import { machineOf, setAsideName } from './load.js';
import { manifestName, type Sitting } from './sitting.js';

/** The sitting in `folder`, if `here` may continue it; otherwise one line saying why not. */
export async function sittingToResume(folder: string, here: Environment): Promise<Sitting> {
  const sitting = await readManifest(folder);
  // a run whose publish-results died may still be going, and would write into the folder later
  const going = [...new Set([...recordedAlive(sitting), ...(await processesWriting(folder))])];
  if (going.length > 0) throw new UsageError(`--resume: a run of this sitting is still going (pid ${going.join(', ')}): wait for it to end, then resume`);
  if (sitting.finishedAt) throw new UsageError(`--resume: the sitting in ${folder} finished at ${sitting.finishedAt}: nothing to continue (--from-results writes its documents)`);
  const began = sitting.environment;
  if (machineOf(here) !== machineOf(began)) throw new UsageError(`--resume: ${folder} was measured on ${machineOf(began)}, this machine is ${machineOf(here)}: one sitting, one machine`);
  // uncommitted changes are not known by name: the code that would continue it may not be the code that began it
  if (hasUncommittedChanges(began.gitCommit)) throw new UsageError(`--resume: ${folder} was begun on uncommitted changes (${began.gitCommit}): it cannot be continued, only measured again`);
  if (here.gitCommit !== began.gitCommit) throw new UsageError(`--resume: ${folder} was measured at ${began.gitCommit}, this checkout is at ${here.gitCommit}: one sitting, one commit`);
  return sitting;
}

/** The sitting's publish-results and bench, as its manifest last recorded them, if they still live. */
function recordedAlive(sitting: Sitting): number[] {
  const pids = [sitting.running?.publisher, sitting.running?.run].filter((pid): pid is number => pid !== undefined && pid !== process.pid);
  return pids.filter(isPidAlive);
}

/** Processes writing into `folder` (a sitting's `bench` has `--out <folder>/...`); none where /proc is not readable. */
async function processesWriting(folder: string): Promise<number[]> {
  const inside = (path: string | undefined): boolean => path !== undefined && resolve(path).startsWith(`${resolve(folder)}/`);
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  const found: number[] = [];
  for (const pid of pids) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.some((a, i) => a === '--out' && inside(args[i + 1]))) found.push(Number(pid));
  }
  return found;
}

async function readManifest(folder: string): Promise<Sitting> {
  try {
    const sitting = JSON.parse(await readFile(join(folder, manifestName), 'utf8')) as Sitting;
    if (sitting.kind === 'mqbench-publish-sitting' && Array.isArray(sitting.runs)) return sitting;
  } catch {
    // missing, unreadable or not JSON: said below
  }
  throw new UsageError(`--resume: ${folder} has no readable ${manifestName}: not a sitting publish-results began`);
}

/**
 * Moves every result file under runs/ and calibration/ written after the sitting's last recorded run
 * (or its start) to set-aside/, keeping its path: an interrupted run's. Returns the moved paths, relative.
 */
export async function setAsideUnrecorded(folder: string, sitting: Sitting): Promise<string[]> {
  const lastRecordMs = Math.max(Date.parse(sitting.startedAt), ...sitting.runs.map((r) => Date.parse(r.finishedAt)));
  const moved: string[] = [];
  for (const file of await filesUnder(folder, ['runs', 'calibration'])) {
    // the records are whole milliseconds
    if (Math.floor((await stat(file)).mtimeMs) <= lastRecordMs) continue;
    const path = relative(folder, file);
    await mkdir(dirname(join(folder, setAsideName, path)), { recursive: true });
    await rename(file, join(folder, setAsideName, path));
    moved.push(path);
  }
  return moved;
}

async function filesUnder(folder: string, tops: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const top of tops) {
    const entries = await readdir(join(folder, top), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isFile()) files.push(join(e.parentPath, e.name));
  }
  return files;
}
