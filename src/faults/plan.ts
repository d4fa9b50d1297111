/**
 * A fault plan and its pure parts: when each step happens and which node it hits. Broker-agnostic:
 * a cluster is reached only through the LocalCluster interface (drivers/plugin.ts).
 */
import type { ClusterNode } from '../drivers/plugin.js';
import type { PartitionMode } from '../provision/network/index.js';

export type FaultTarget = 'leader' | 'connected' | { node: number };

/**
 * kill: SIGKILL the node's processes, restarted (startNode) after forUs. stop: SIGSTOP (frozen),
 * SIGCONT after forUs. restart: graceful stopNode, startNode after forUs. partition: the node cut off
 * as `mode` says (partitionNode, nodes on networks of their own), healed after forUs. command: the user's
 * --fault-cmd at atUs and --restore-cmd after forUs, for clusters mqbench did not start.
 * atUs counts from the start of the measured window (when runFaultPlan is called). forUs null: never
 * restored while the run goes; restored when the run ends (its signal aborts), so nothing is left behind.
 */
export type FaultPlan =
  | { kind: 'kill' | 'stop' | 'restart'; target: FaultTarget; atUs: number; forUs: number | null }
  | { kind: 'partition'; mode: PartitionMode; target: FaultTarget; atUs: number; forUs: number | null }
  | { kind: 'command'; faultCmd: string; restoreCmd?: string; atUs: number; forUs: number | null };

/** How long to wait from `elapsedUs` (since the plan started) until `atUs`; never negative. */
export function delayUntilMs(atUs: number, elapsedUs: number): number {
  return Math.max(0, (atUs - elapsedUs) / 1000);
}

/** When the restore is due: forUs after the fault really happened (it may have started late); never: not before the run ends. */
export function restoreAtUs(injectedAtUs: number, forUs: number | null): number {
  return forUs === null ? Number.POSITIVE_INFINITY : injectedAtUs + forUs;
}

/** The first address of a comma-separated URL list, credentials and scheme aside, as host:port. */
function hostPortOf(url: string): string {
  const first = url.split(',')[0]?.trim() ?? '';
  const withoutScheme = first.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const at = withoutScheme.lastIndexOf('@');
  return (at >= 0 ? withoutScheme.slice(at + 1) : withoutScheme).split('/')[0] ?? '';
}

/**
 * The node the clients are connected to: the drivers try a URL list in its order, so while the first
 * node is up they are connected to it. That is an assumption about the drivers, kept in this one place.
 */
export function connectedNodeIndex(clusterUrl: string, nodes: readonly ClusterNode[]): number {
  const first = hostPortOf(clusterUrl);
  const node = nodes.find((n) => hostPortOf(n.url) === first);
  if (!node) throw new Error(`no node of the cluster serves its first URL ${first}`);
  return node.index;
}

/** The node a kill/stop/restart hits; `leader` is asked of the broker by the caller (it needs I/O). */
export function targetNodeIndex(target: FaultTarget, clusterUrl: string, nodes: readonly ClusterNode[], leader: number | undefined): number {
  if (target === 'leader') {
    if (leader === undefined) throw new Error('the leader is not known');
    return leader;
  }
  if (target === 'connected') return connectedNodeIndex(clusterUrl, nodes);
  if (!nodes.some((n) => n.index === target.node)) {
    throw new Error(`node:${target.node} is not a node of the cluster (it has ${nodes.map((n) => n.index).join(', ')})`);
  }
  return target.node;
}

export function targetText(target: FaultTarget): string {
  return typeof target === 'string' ? target : `node:${target.node}`;
}

/** Where a node stands in the cluster's URL list (the order the drivers try; what a placement names). */
export function urlPositionOf(clusterUrl: string, node: ClusterNode): number {
  const position = clusterUrl.split(',').findIndex((url) => hostPortOf(url) === hostPortOf(node.url));
  if (position < 0) throw new Error(`node ${node.index} (${hostPortOf(node.url)}) is not in the cluster's URL list`);
  return position;
}
