/**
 * Where kafka-cluster's nodes are: on loopback (the default: 127.0.0.1, broker ports 9192-9194,
 * controller ports 9195-9197), or each in a network namespace of its own (`brokers up kafka-cluster
 * --netns`: node i at its namespace's address with Kafka's standard ports 9092 and 9093), so that a
 * node can be partitioned. Which of the two is remembered in kind.json in the cluster's folder, read
 * synchronously: the cluster's URL is a property, and the run plan asks whether the cluster can be
 * partitioned before anything connects. The same file keeps the cluster's slot on this host
 * (provision/checkouts.ts): slot 0 is the layout above; a second checkout's cluster (slot s) has its
 * loopback ports 10 * s higher and its identity in its network's name.
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { nodeNetwork, nodeOf, type NodeNetwork } from '../../provision/network/index.js';
import { kindFileOf } from '../../provision/cluster-kind.js';
import { networkNameOf } from '../../provision/checkouts.js';
import { stateRoot } from '../../util/paths.js';
import type { ClusterUpOptions } from '../plugin.js';
import { localKafkaHost } from './local.js';

export const clusterName = 'kafka-cluster';
/** the cluster's folder: cluster-id, kind.json, and each node's folder (node<i>) */
export const clusterHome = join(stateRoot, clusterName);
export const nodeIndexes = [1, 2, 3] as const;

/** What kind.json holds; a cluster folder without it is a loopback cluster (as every cluster before --netns). */
export interface ClusterKind {
  netns: boolean;
  /** the cluster's slot on this host (provision/checkouts.ts); a folder from before slots is slot 0 */
  slot: number;
}

const kindFile = kindFileOf<ClusterKind>(clusterHome, { netns: false, slot: 0 });
/** The kind of the cluster whose folder exists, else undefined. */
export const rememberedKind = (): ClusterKind | undefined => kindFile.remembered();
export const rememberKind = (kind: ClusterKind): Promise<void> => kindFile.remember(kind);
export const isNetnsCluster = (): boolean => kindFile.isNetns();

/**
 * The kind `brokers up` starts: as asked, or (nothing asked) as the cluster was started before. A
 * cluster whose folder exists keeps its kind: switching needs `brokers down` first (its nodes'
 * addresses are written into their data: the controller quorum's voters).
 */
export function chosenKind(options: ClusterUpOptions): Omit<ClusterKind, 'slot'> {
  const before = rememberedKind();
  const kind = { netns: options.netns ?? before?.netns ?? false };
  if (before && before.netns !== kind.netns) {
    const was = before.netns ? 'with --netns' : 'on loopback (without --netns)';
    throw new UsageError(`${clusterName} was started ${was}; to start it otherwise, first \`npx bench brokers down ${clusterName}\``);
  }
  return kind;
}

/** The slot of the cluster whose folder exists (0 when it is not up). */
export const currentSlot = (): number => rememberedKind()?.slot ?? 0;

/** The cluster's network (names and addresses only; provision/network). */
export const clusterNetwork = (slot: number = currentSlot()): NodeNetwork => nodeNetwork(networkNameOf(clusterName, slot), nodeIndexes.length);

export interface NodeLayout {
  index: number;
  /** where its broker and controller listen, and where the load generator reaches it */
  host: string;
  port: number;
  controllerPort: number;
  /** the namespace it runs in (netns clusters only) */
  namespace?: string;
}

/** Node `index` of a loopback or a netns cluster in `slot`. */
export function nodeLayout(index: number, netns: boolean, slot: number = currentSlot()): NodeLayout {
  if (!netns) return { index, host: localKafkaHost, port: 9191 + 10 * slot + index, controllerPort: 9194 + 10 * slot + index };
  const node = nodeOf(clusterNetwork(slot), index);
  // each node has its own address, so every node keeps Kafka's standard ports
  return { index, host: node.address, port: 9092, controllerPort: 9093, namespace: node.namespace };
}

/** Node `index` of the cluster as it is now (loopback slot 0 when it is not up). */
export const currentLayout = (index: number): NodeLayout => nodeLayout(index, isNetnsCluster(), currentSlot());

export const brokerAddressOf = (layout: NodeLayout): string => `${layout.host}:${layout.port}`;

/** Every node's broker address, comma-separated: the cluster's bootstrap list. */
export function clusterUrlOf(netns: boolean, slot: number = currentSlot()): string {
  return nodeIndexes.map((index) => brokerAddressOf(nodeLayout(index, netns, slot))).join(',');
}

/** controller.quorum.voters: every node is a voter, at its controller listener. */
export function quorumVotersOf(netns: boolean, slot: number = currentSlot()): string {
  return nodeIndexes.map((index) => {
    const layout = nodeLayout(index, netns, slot);
    return `${index}@${layout.host}:${layout.controllerPort}`;
  }).join(',');
}

/** A node's own folder (local.ts's instance name is relative to the state root). */
export const nodeInstanceName = (index: number): string => join(clusterName, `node${index}`);
export const nodeLogPath = (index: number): string => join(stateRoot, nodeInstanceName(index), 'broker.log');
