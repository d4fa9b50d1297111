import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { repoRoot } from '../util/paths.js';
import type { Environment } from './types.js';

const packageVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** HEAD's commit, with '-dirty' when tracked files have uncommitted changes; 'unknown' outside a git checkout. */
export function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}

/** The commit a gitCommit() value names, without its '-dirty' mark. */
export const baseCommit = (commit: string): string => commit.replace(/-dirty$/, '');

/** Whether a gitCommit() value was taken with uncommitted changes. */
export const hasUncommittedChanges = (commit: string): boolean => commit.endsWith('-dirty');

export function describeEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    mqbenchVersion: packageVersion,
    gitCommit: gitCommit(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: Math.max(1, cpus.length),
    memoryBytes: os.totalmem(),
    hostname: os.hostname(),
  };
}
