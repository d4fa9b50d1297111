/**
 * What a partition test needs besides the broker: whether this machine can make namespaces and
 * partitions, and a prober in the root namespace (where the load generator runs) that tells whether
 * a node's port can be reached while a run partitions it. Broker-agnostic; not a test file, so that
 * test files can share it without running each other's tests.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

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
