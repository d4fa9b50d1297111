/**
 * Where rabbit-cluster's nodes are: on loopback (the default: 127.0.0.1, AMQP 5701-5703, names
 * mqbench-c<i>@localhost), or each in a network namespace of its own (`brokers up rabbit-cluster
 * --netns`: node i at its namespace's address, AMQP 5672, distribution 25672, long names
 * mqbench-c<i>@<address>), so that a node can be partitioned. Which of the two is remembered in a
 * small file in the cluster's folder, read synchronously: the cluster's URL is a property, and the
 * run plan asks whether the cluster can be partitioned before anything connects. The same file keeps
 * the cluster's slot on this host (provision/checkouts.ts): slot 0 is the layout above; a second
 * checkout's cluster (slot s) has its ports 10 * s higher and its identity in its node and network names.
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { nodeNetwork, nodeOf, type NodeNetwork } from '../../provision/network/index.js';
import { kindFileOf } from '../../provision/cluster-kind.js';
import { networkNameOf, slotSuffix } from '../../provision/checkouts.js';
import { stateRoot } from '../../util/paths.js';
import type { ClusterUpOptions } from '../plugin.js';

export const clusterName = 'rabbit-cluster';
/** the cluster's HOME: its .erlang.cookie and kind.json (node data lives in each node's own folder, local.ts) */
export const clusterHome = join(stateRoot, clusterName);
export const nodeIndexes = [1, 2, 3] as const;

/** RabbitMQ's cluster_partition_handling values; ignore is RabbitMQ's own default. */
export const partitionHandlings = ['ignore', 'pause_minority', 'autoheal'] as const;
export type PartitionHandling = (typeof partitionHandlings)[number];

/** What kind.json holds; a cluster folder without it is a loopback cluster (as every cluster before --netns). */
export interface ClusterKind {
  netns: boolean;
  partitionHandling: PartitionHandling;
  /** the cluster's slot on this host (provision/checkouts.ts); a folder from before slots is slot 0 */
  slot: number;
}

const kindFile = kindFileOf<ClusterKind>(clusterHome, { netns: false, partitionHandling: 'ignore', slot: 0 });
/** The kind of the cluster whose folder exists, else undefined. */
export const rememberedKind = (): ClusterKind | undefined => kindFile.remembered();
export const rememberKind = (kind: ClusterKind): Promise<void> => kindFile.remember(kind);
export const isNetnsCluster = (): boolean => kindFile.isNetns();

export function checkPartitionHandling(text: string): PartitionHandling {
  if ((partitionHandlings as readonly string[]).includes(text)) return text as PartitionHandling;
  throw new UsageError(`--partition-handling: must be ${partitionHandlings.join(', ')} (RabbitMQ's cluster_partition_handling), got "${text.slice(0, 40)}"`);
}

/**
 * The kind `brokers up` starts: as asked, or (nothing asked) as the cluster was started before.
 * A cluster whose folder exists keeps its kind: switching needs `brokers down` first (its nodes'
 * names, addresses and data differ).
 */
export function chosenKind(options: ClusterUpOptions): Omit<ClusterKind, 'slot'> {
  const before = rememberedKind();
  const netns = options.netns ?? before?.netns ?? false;
  if (options.partitionHandling !== undefined && !netns) {
    throw new UsageError('--partition-handling needs --netns: only a cluster whose nodes have networks of their own can be partitioned');
  }
  const partitionHandling = options.partitionHandling === undefined ? (before?.partitionHandling ?? 'ignore') : checkPartitionHandling(options.partitionHandling);
  const kind = { netns, partitionHandling };
  if (before && (before.netns !== kind.netns || before.partitionHandling !== kind.partitionHandling)) {
    const was = before.netns ? `with --netns --partition-handling ${before.partitionHandling}` : 'on loopback (without --netns)';
    throw new UsageError(`${clusterName} was started ${was}; to start it otherwise, first \`npx bench brokers down ${clusterName}\``);
  }
  return kind;
}

/** The slot of the cluster whose folder exists (0 when it is not up). */
export const currentSlot = (): number => rememberedKind()?.slot ?? 0;

/** The cluster's network (names and addresses only; provision/network). */
export const clusterNetwork = (slot: number = currentSlot()): NodeNetwork => nodeNetwork(networkNameOf(clusterName, slot), nodeIndexes.length);

/** Node `index`'s name without its host part: mqbench-c<i> in slot 0, mqbench-<instance>-c<i> in the others. */
export const nodeNameOf = (index: number, slot: number = currentSlot()): string => `mqbench${slotSuffix(slot)}-c${index}`;

export interface NodeLayout {
  index: number;
  /** the Erlang node name, e.g. mqbench-c2@localhost or mqbench-c2@10.213.42.12 */
  erlangNode: string;
  address: string;
  port: number;
  distPort: number;
  /** the namespace it runs in (netns clusters only) */
  network?: { namespace: string; address: string };
}

/** Node `index` of a loopback or a netns cluster in `slot`. */
export function nodeLayout(index: number, netns: boolean, slot: number): NodeLayout {
  const name = nodeNameOf(index, slot);
  if (!netns) return { index, erlangNode: `${name}@localhost`, address: '127.0.0.1', port: 5700 + 10 * slot + index, distPort: 25700 + 10 * slot + index };
  const node = nodeOf(clusterNetwork(slot), index);
  // each node has its own address, so every node keeps RabbitMQ's standard ports
  return { index, erlangNode: `${name}@${node.address}`, address: node.address, port: 5672, distPort: 25672, network: { namespace: node.namespace, address: node.address } };
}

/** Node `index` of the cluster as it is now (loopback slot 0 when it is not up). */
export const currentLayout = (index: number): NodeLayout => nodeLayout(index, isNetnsCluster(), currentSlot());

export const amqpUrlOf = (layout: NodeLayout): string => `amqp://guest:guest@${layout.address}:${layout.port}`;

export function clusterUrlOf(netns: boolean, slot: number = currentSlot()): string {
  return nodeIndexes.map((index) => amqpUrlOf(nodeLayout(index, netns, slot))).join(',');
}
