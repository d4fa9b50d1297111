import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { repoRoot } from '../util/paths.js';
import type { Environment } from './types.js';

const packageVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

function gitCommit(): string {
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
