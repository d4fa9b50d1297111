/**
 * Partitioning a node of a cluster network and healing it: the rulesets of rules.ts loaded with
 * `nft -f -` inside the node's namespace. nftables rather than link state because all three modes
 * need the same mechanism (`peers` and `clients` cut only some traffic, which a link cannot), because
 * drops look like a real partition to both sides (a link set down makes the node's own connects fail
 * at once with "network unreachable" and removes its routes), and because the rules vanish with the
 * namespace, so a SIGKILLed run cannot leave a partition behind on the host.
 */
import { UsageError } from '../../errors.js';
import { checkPartitionSupport, NetworkCommandError, run } from './commands.js';
import { nodeOf, type NodeNetwork } from './plan.js';
import { healRuleset, partitionRuleset, type PartitionMode } from './rules.js';

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
