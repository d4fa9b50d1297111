/**
 * The nftables rulesets that partition a node (pure): one table, `inet mqbench`, inside the target
 * node's own namespace, so a partition touches nothing outside the cluster and disappears with the
 * namespace. Rules drop (never reject): the other side sees silence, as in a real partition, and an
 * established connection hangs until the heal instead of failing at once.
 *
 * Each ruleset replaces the table atomically (declare, delete, declare again, in one `nft -f`
 * transaction), so partitioning again with another mode, or healing twice, needs no prior state.
 */
import { UsageError } from '../../errors.js';
import { nodeInterface, nodeOf, type NodeNetwork } from './plan.js';

export const partitionModes = ['isolate', 'peers', 'clients'] as const;
/**
 * isolate: the node cut from every peer and every client. peers: cut from the other nodes, still
 * reachable from the load generator (split brain). clients: cut from the load generator, peers fine.
 */
export type PartitionMode = (typeof partitionModes)[number];

export const nftTable = 'mqbench';

/** Empties the slate whether or not the table exists (`delete` alone fails on a missing table). */
const resetTable = [`table inet ${nftTable}`, `delete table inet ${nftTable}`];

/** The input and output rules for one mode, as the node sees its traffic; `peers` are the other nodes' addresses. */
function modeRules(mode: PartitionMode, peers: readonly string[]): { input: string[]; output: string[] } {
  const onLink = `iifname "${nodeInterface}"`;
  const outLink = `oifname "${nodeInterface}"`;
  const set = `{ ${peers.join(', ')} }`;
  // a one-node network has no peers: nothing to cut (peers), everything is a client (clients)
  const hasPeers = peers.length > 0;
  switch (mode) {
    case 'isolate':
      // everything on the node's only link; loopback (the node talking to itself, its own epmd) stays
      return { input: [`${onLink} drop`], output: [`${outLink} drop`] };
    case 'peers':
      return hasPeers ? { input: [`${onLink} ip saddr ${set} drop`], output: [`${outLink} ip daddr ${set} drop`] } : { input: [], output: [] };
    case 'clients':
      // anything that is not a peer is a client: the bridge address and whatever lies beyond it
      return {
        input: [...(hasPeers ? [`${onLink} ip saddr ${set} accept`] : []), `${onLink} drop`],
        output: [...(hasPeers ? [`${outLink} ip daddr ${set} accept`] : []), `${outLink} drop`],
      };
  }
}

/** The ruleset (nft -f input) that cuts node `index` off as `mode` says. */
export function partitionRuleset(net: NodeNetwork, index: number, mode: PartitionMode): string {
  const self = nodeOf(net, index);
  const peers = net.nodes.filter((n) => n.index !== self.index).map((n) => n.address);
  const { input, output } = modeRules(mode, peers);
  const chain = (name: string, rules: string[]): string[] => [
    `  chain ${name} {`,
    `    type filter hook ${name} priority filter; policy accept;`,
    ...rules.map((rule) => `    ${rule}`),
    '  }',
  ];
  return [
    ...resetTable,
    `# mqbench: ${net.cluster} node ${index} partitioned (${mode})`,
    `table inet ${nftTable} {`,
    ...chain('input', input),
    ...chain('output', output),
    '}',
    '',
  ].join('\n');
}

/** The ruleset that heals: the table gone, whatever it held. */
export function healRuleset(): string {
  return [...resetTable, ''].join('\n');
}

/** A mode given as text (a flag's value), checked. */
export function checkPartitionMode(mode: string): PartitionMode {
  if ((partitionModes as readonly string[]).includes(mode)) return mode as PartitionMode;
  throw new UsageError(`partition mode "${mode}" is not one of ${partitionModes.join(', ')}`);
}
