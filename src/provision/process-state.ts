/**
 * Whether a node mqbench started is frozen. `--fault stop` SIGSTOPs every process of a node and
 * SIGCONTs them when the fault ends; a run killed in between (SIGKILL) leaves them stopped (state T in
 * /proc/<pid>/stat), their ports still accepting connections the node never answers, so a port probe
 * calls them running. `brokers status` says so, and `brokers up`, `brokers down` and `bench clean`
 * continue such a node.
 */
import { nodeProcessEntries, signalAll } from './processes.js';

/** The kernel's state letter for a process stopped by a signal ('t', stopped by a tracer, is a debugger's). */
const stoppedBySignal = 'T';

/** The processes of the node led by `leader` that are stopped (SIGSTOP); [] when none is (or the host has no /proc). */
export async function frozenProcesses(leader: number): Promise<number[]> {
  const entries = await nodeProcessEntries(leader).catch(() => []);
  return entries.filter((entry) => entry.state === stoppedBySignal).map((entry) => entry.pid);
}

/**
 * Continues (SIGCONT) every process of the node led by `leader` when one of them is stopped; resolves
 * to the stopped ones ([] when the node was not frozen, and then nothing is signalled).
 */
export async function resumeFrozen(leader: number): Promise<number[]> {
  const entries = await nodeProcessEntries(leader).catch(() => []);
  const frozen = entries.filter((entry) => entry.state === stoppedBySignal).map((entry) => entry.pid);
  if (frozen.length > 0) signalAll(entries.map((entry) => entry.pid), 'SIGCONT');
  return frozen;
}

/** `bench clean --dry-run`: one line per frozen node of a cluster. */
export function frozenNodeLines(cluster: string, nodes: readonly { index: number; pid: number | undefined; frozen: boolean }[]): string[] {
  return nodes.filter((node) => node.frozen).map((node) => `${cluster} node ${node.index}: stopped (SIGSTOP, pid ${node.pid ?? '?'})  would continue (SIGCONT)`);
}
