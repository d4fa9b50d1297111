/**
 * A cluster's private network, as names and addresses only (pure): one namespace per node, a bridge
 * in the root namespace (the load generator's side) and one veth pair per node joining them.
 *
 * Addresses come from 10.213.0.0/16, a range used for nothing else, one /24 per cluster: 10.213.<k>.0/24
 * with k derived from the cluster's name, so a cluster's addresses are known before it exists (its
 * start code can write them into broker configs) and stay the same across restarts. Two names may
 * hash to the same k (256 values): networkUp refuses the second one, naming the first.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';

/** The first two octets of every address mqbench gives a node network. */
export const addressRange = '10.213';
/** Node i gets .(10 + i): small numbers read well in logs, .2-.10 stay free. */
const hostOffset = 10;
/** Nodes 1..99 keep every interface name within 13 characters and every address within the /24. */
export const maxNodes = 99;
/** Inside its namespace a node's end of the veth is always called this (names are per namespace). */
export const nodeInterface = 'eth0';
/** Every mqbench interface in the root namespace: mqb + a 6-hex tag of the cluster + br or v<i>. */
export const linkPattern = /^mqb([0-9a-f]{6})(br|v\d{1,2})$/;
/** Every namespace mqbench creates (and nothing else starts with it). */
export const namespacePrefix = 'mqbench-';
/** A cluster name: lowercase letters, digits and inner hyphens; it ends up in namespace names. */
const clusterPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export interface NodeAddress {
  /** 1-based, as in node:N */
  index: number;
  /** e.g. mqbench-my-cluster-n1 */
  namespace: string;
  /** the veth end on the bridge, in the root namespace, e.g. mqb1a2b3cv1 */
  hostVeth: string;
  /** the node's address on the cluster's /24, e.g. 10.213.42.11 */
  address: string;
}

export interface NodeNetwork {
  cluster: string;
  /** 6 hex digits of the name's SHA-256: what ties interfaces (≤ 15 characters) to the cluster */
  tag: string;
  /** e.g. 10.213.42.0/24 */
  subnet: string;
  prefixLength: 24;
  /** the bridge in the root namespace, e.g. mqb1a2b3cbr */
  bridge: string;
  /** the bridge's address: where the load generator's connections come from, and the nodes' default route */
  gateway: string;
  nodes: NodeAddress[];
}

function hashOf(cluster: string): string {
  return createHash('sha256').update(cluster).digest('hex');
}

/** The one place a cluster name is checked: every other name is built from it. */
export function checkClusterName(cluster: string): void {
  if (!clusterPattern.test(cluster)) {
    throw new UsageError(`network cluster name "${cluster}" is not valid: use 1-40 lowercase letters, digits and inner hyphens`);
  }
}

/** The tag in a cluster's interface names. */
export function clusterTag(cluster: string): string {
  checkClusterName(cluster);
  return hashOf(cluster).slice(0, 6);
}

/** k in 10.213.k.0/24: from other bits of the hash than the tag, so the two do not collide together. */
export function subnetIndex(cluster: string): number {
  checkClusterName(cluster);
  return Number.parseInt(hashOf(cluster).slice(6, 8), 16);
}

export function namespaceOf(cluster: string, index: number): string {
  return `${namespacePrefix}${cluster}-n${index}`;
}

/** The names and addresses of a cluster's network of `nodes` nodes; bad input is a UsageError. */
export function nodeNetwork(cluster: string, nodes: number): NodeNetwork {
  checkClusterName(cluster);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > maxNodes) {
    throw new UsageError(`a node network has 1..${maxNodes} nodes, not ${nodes}`);
  }
  const tag = clusterTag(cluster);
  const base = `${addressRange}.${subnetIndex(cluster)}`;
  return {
    cluster,
    tag,
    subnet: `${base}.0/24`,
    prefixLength: 24,
    bridge: `mqb${tag}br`,
    gateway: `${base}.1`,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      index: i + 1,
      namespace: namespaceOf(cluster, i + 1),
      hostVeth: `mqb${tag}v${i + 1}`,
      address: `${base}.${hostOffset + i + 1}`,
    })),
  };
}

/** Node `index` of the network, or a UsageError naming the nodes it has. */
export function nodeOf(net: NodeNetwork, index: number): NodeAddress {
  const node = net.nodes.find((n) => n.index === index);
  if (!node) throw new UsageError(`node ${index} is not a node of network ${net.cluster} (it has 1..${net.nodes.length})`);
  return node;
}

/**
 * The command line that runs `command args` inside node `index`'s namespace (for spawn/execFile, no
 * shell): how a cluster's start code starts a broker on its node.
 */
export function inNamespace(net: NodeNetwork, index: number, command: string, args: readonly string[] = []): { file: string; args: string[] } {
  return { file: 'ip', args: ['netns', 'exec', nodeOf(net, index).namespace, command, ...args] };
}

/** "mqbench-my-cluster-n2" -> "my-cluster"; undefined for a name mqbench did not make. */
export function clusterOfNamespace(namespace: string): string | undefined {
  const match = /^mqbench-(.+)-n\d{1,2}$/.exec(namespace);
  return match?.[1] !== undefined && clusterPattern.test(match[1]) ? match[1] : undefined;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether two IPv4 prefixes ("a.b.c.d/n", or one address) share any address: how an address range already in use on the host is found. */
export function prefixesOverlap(a: string, b: string): boolean {
  const [addressA = '', lengthA = '32'] = a.split('/');
  const [addressB = '', lengthB = '32'] = b.split('/');
  const shorter = Math.min(Number(lengthA), Number(lengthB));
  const size = 2 ** (32 - shorter);
  return Math.floor(ipv4ToNumber(addressA) / size) === Math.floor(ipv4ToNumber(addressB) / size);
}
