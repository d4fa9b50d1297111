/**
 * Partitioning a node of a cluster network and healing it: the rulesets of rules.ts loaded with
 * `nft -f -` inside the node's namespace. nftables rather than link state because all three modes
 * need the same mechanism (`peers` and `clients` cut only some traffic, which a link cannot), because
 * drops look like a real partition to both sides (a link set down makes the node's own connects fail
 * at once with "network unreachable" and removes its routes), and because the rules vanish with the
 * namespace, so a SIGKILLed run cannot leave a partition behind on the host.
 */
import { UsageError } from '../../errors.js';
import { ownClaim } from '../checkouts.js';
import { checkPartitionSupport, NetworkCommandError, run } from './commands.js';
import { nodeNetwork, nodeOf, type NodeNetwork } from './plan.js';
import { leftoverNetworks } from './leftovers.js';
import { healRuleset, nftTable, partitionRuleset, type PartitionMode } from './rules.js';

async function loadRuleset(net: NodeNetwork, index: number, ruleset: string, what: string): Promise<void> {
  const node = nodeOf(net, index);
  try {
    await run('ip', ['netns', 'exec', node.namespace, 'nft', '-f', '-'], ruleset);
  } catch (error) {
    if (error instanceof NetworkCommandError && /no such file|cannot open/i.test(error.stderr)) {
      throw new UsageError(`cannot ${what} node ${index} of ${net.cluster}: its namespace ${node.namespace} does not exist (is the network up?)`);
    }
    throw error;
  }
}

/** Cuts node `index` off as `mode` says, in both directions; replaces any partition the node had. */
export async function partition(net: NodeNetwork, index: number, mode: PartitionMode): Promise<void> {
  const ruleset = partitionRuleset(net, index, mode);
  await checkPartitionSupport();
  await loadRuleset(net, index, ruleset, `partition (${mode})`);
}

/** Removes node `index`'s partition, if it has one. */
export async function heal(net: NodeNetwork, index: number): Promise<void> {
  await checkPartitionSupport();
  await loadRuleset(net, index, healRuleset(), 'heal');
}

/** Whether `namespace` holds a partition table: a run that ended (SIGKILL) before its heal left it. */
async function holdsPartition(namespace: string): Promise<boolean> {
  try {
    await run('ip', ['netns', 'exec', namespace, 'nft', 'list', 'table', 'inet', nftTable]);
    return true;
  } catch {
    // no such table, or no nft at all: no partition mqbench could have made
    return false;
  }
}

/** Those of `namespaces` that are partitioned now. */
export async function partitionedAmong(namespaces: readonly string[]): Promise<string[]> {
  const held = await Promise.all(namespaces.map(holdsPartition));
  return namespaces.filter((_, k) => held[k]);
}

/**
 * The namespaces of `cluster` (every mqbench cluster when undefined) that are partitioned now: of this
 * checkout's network of it (its slot on the host names it, ../checkouts.ts), never another checkout's.
 */
export async function lingeringPartitions(cluster?: string): Promise<string[]> {
  const network = cluster === undefined ? undefined : ((await ownClaim(cluster))?.network ?? cluster);
  return partitionedAmong((await leftoverNetworks(network)).namespaces);
}

/** Heals a partition by its namespace (bench clean: no cluster state needed). */
export async function healNamespace(namespace: string): Promise<void> {
  await run('ip', ['netns', 'exec', namespace, 'nft', '-f', '-'], healRuleset());
}

/**
 * A cluster's `partitionNode` and `healNode` (drivers/plugin.ts LocalCluster) for a cluster of
 * `nodeCount` nodes that runs in namespaces when `inNamespaces()` says so; on loopback both refuse.
 * `network` is the cluster's network name, or a function giving it as it is now.
 */
export function clusterPartitioner(network: string | (() => string), nodeCount: number, inNamespaces: () => boolean) {
  const networkFor = (what: string, index: number): NodeNetwork => {
    // a function: the network's name follows the cluster's slot on this host (provision/checkouts.ts)
    const cluster = typeof network === 'string' ? network : network();
    if (!Number.isInteger(index) || index < 1 || index > nodeCount) throw new RangeError(`${cluster} has nodes 1..${nodeCount}, not ${index}`);
    if (!inNamespaces()) throw new Error(`cannot ${what} node ${index}: ${cluster} runs on loopback; bring it up with \`npx bench brokers up ${cluster} --netns\``);
    return nodeNetwork(cluster, nodeCount);
  };
  return {
    partitionNode: (index: number, how: PartitionMode): Promise<void> => partition(networkFor('partition', index), index, how),
    healNode: (index: number): Promise<void> => heal(networkFor('heal', index), index),
  };
}
