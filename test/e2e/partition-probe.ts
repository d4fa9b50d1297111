/**
 * What a partition test needs besides the broker: whether this machine can make namespaces and
 * partitions, and a prober in the root namespace (where the load generator runs) that tells whether
 * a node's port can be reached while a run partitions it, and the partition run itself. Broker-agnostic; not a test file, so that
 * test files can share it without running each other's tests.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { bench } from '../helpers.js';

const execFileAsync = promisify(execFile);

/** Why per-node networks and partitions cannot be made here, or undefined. */
export async function networkToolsMissing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  try {
    await execFileAsync('nft', ['--version']);
    await execFileAsync('ip', ['netns', 'list']);
  } catch (error) {
    return `needs ip and nft: ${(error as Error).message}`;
  }
  return undefined;
}

/** A TCP connect from this (the root) namespace: true when it connected within 1 s. */
export function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Probes every node's `port` every 500 ms until `stop` aborts: how many connects failed, per node index. */
export function probeWhile(nodes: readonly { index: number; address: string }[], port: number, stop: AbortSignal): Promise<Map<number, number>> {
  const failures = new Map(nodes.map((n) => [n.index, 0]));
  return (async () => {
    while (!stop.aborted) {
      const results = await Promise.all(nodes.map((n) => connects(n.address, port)));
      results.forEach((ok, i) => {
        const index = nodes[i]?.index ?? i + 1;
        if (!ok) failures.set(index, (failures.get(index) ?? 0) + 1);
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return failures;
  })();
}

/** A run's failover summary lines, for the test's log. */
export const failoverSummaryOf = (stdout: string): string => stdout.split('\n').filter((line) => /^(STATUS|failover|  |messages)/.test(line) && !/[│├└┌]/.test(line)).join('\n');

/** What a partition run gave: the CLI's outcome, its one result file, and the probe's failed connects per node. */
export interface ProbedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  result: RunResult;
  failures: Map<number, number>;
}

/**
 * `bench run --scenario failover --fault partition` on `broker` (20 s window, the cut at 5 s for 8 s,
 * 500 msg/s, plus `args`), its result read from `dir`, with every node's `port` probed while it goes.
 */
export async function probedPartitionRun(options: { broker: string; nodes: readonly { index: number; address: string }[]; port: number; dir: string; env: NodeJS.ProcessEnv; timeoutMs: number; args: string[] }): Promise<ProbedRun> {
  const { broker, nodes, port, dir, env, timeoutMs, args } = options;
  const stop = new AbortController();
  const probing = probeWhile(nodes, port, stop.signal);
  const run = await bench(
    ['run', '--broker', broker, '--scenario', 'failover', '--fault', 'partition', '--rate', '500', '--duration', '20s', '--warmup', '1s', '--fault-at', '5s', '--fault-for', '8s', '--out', dir, '--no-progress', ...args],
    { timeoutMs, env },
  );
  stop.abort();
  const failures = await probing;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  expect(files, run.stderr).toHaveLength(1);
  return { ...run, result: await readResult(join(dir, files[0] as string)), failures };
}
