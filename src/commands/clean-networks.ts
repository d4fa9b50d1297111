/**
 * `bench clean`'s part for per-node networks (provision/network): the namespaces, links and rules
 * mqbench made and a SIGKILLed run or a failed `brokers up --netns` left behind, and any process
 * still inside them (a node, its epmd). The network of a cluster that is up (its state says so) is
 * in use, like a queue with a consumer: kept unless --force.
 */
import { plugins } from '../drivers/index.js';
import { otherCheckoutsClaims, ownClaim } from '../provision/checkouts.js';
import { healNamespace, leftoverNetworks, NetworkCommandError, partitionedAmong, removeLeftovers, type NetworkLeftovers } from '../provision/network/index.js';
import { clusterOfNamespace } from '../provision/network/plan.js';

export interface NetworkCleanOutcome {
  /** one line per cluster network found */
  lines: string[];
  error?: string;
}

/**
 * The networks of this checkout's clusters whose nodes run in their namespaces now (`brokers up
 * <cluster> --netns`, not brought down), by network name: a cluster's slot on this host names it.
 */
async function clustersInUse(): Promise<Set<string>> {
  const inUse = plugins.flatMap((p) => (p.cluster?.partitionable?.() ? [p.cluster.name] : []));
  return new Set(await Promise.all(inUse.map(async (name) => (await ownClaim(name))?.network ?? name)));
}

/** Other checkouts' cluster networks (provision/checkouts.ts), by network name: their checkout. */
async function othersNetworks(): Promise<Map<string, string>> {
  return new Map((await otherCheckoutsClaims()).flatMap((claim) => (claim.netns ? [[claim.network, claim.checkout] as const] : [])));
}

function describe(cluster: string, found: NetworkLeftovers, action: string): string {
  const pids = found.processes.flatMap((entry) => entry.pids);
  const processes = pids.length > 0 ? `, processes ${pids.join(', ')}` : '';
  return `network ${cluster}: ${found.namespaces.length} namespaces, ${found.links.length} links, ${found.rules.length} rules${processes}  ${action}`;
}

/** A cluster that is up keeps its network, but not a partition a killed run left in it. */
async function healLeft(cluster: string, found: NetworkLeftovers, dryRun: boolean): Promise<string[]> {
  const left = await partitionedAmong(found.namespaces);
  if (!dryRun) for (const namespace of left) await healNamespace(namespace);
  return left.map((namespace) => `network ${cluster}: partition left in ${namespace}  ${dryRun ? 'would heal' : 'healed'}`);
}

/** Lists (and, unless `dryRun`, removes) the networks; never throws: a failure is the outcome's error. */
export async function cleanNetworks(options: { dryRun: boolean; force: boolean }): Promise<NetworkCleanOutcome> {
  try {
    const all = await leftoverNetworks();
    const clusters = [...new Set(all.namespaces.map((namespace) => clusterOfNamespace(namespace) ?? namespace))];
    const [inUse, others] = await Promise.all([clustersInUse(), othersNetworks()]);
    const lines: string[] = [];
    for (const cluster of clusters) {
      const found = await leftoverNetworks(cluster);
      // --force too: it deletes what this checkout's runs use, never another checkout's
      if (others.has(cluster)) lines.push(describe(cluster, found, `another checkout's (${others.get(cluster)}): left alone`));
      else if (inUse.has(cluster) && !options.force) lines.push(describe(cluster, found, 'in use: kept (its cluster is up; `bench brokers down` removes it)'), ...(await healLeft(cluster, found, options.dryRun)));
      else if (options.dryRun) lines.push(describe(cluster, found, 'would delete'));
      else lines.push(describe(cluster, await removeLeftovers({ cluster, killProcesses: true }), 'deleted'));
    }
    // links and rules whose namespaces are gone name no cluster (only a tag): removed when nothing is in use
    const orphans = !options.dryRun && clusters.every((c) => !inUse.has(c) && !others.has(c)) && (await leftoverNetworks()).links.length > 0;
    if (orphans) lines.push(describe('(no namespace)', await removeLeftovers({ killProcesses: true }), 'deleted'));
    return { lines };
  } catch (error) {
    // a host without iproute2 has no mqbench network to clean
    if (error instanceof NetworkCommandError && error.code === 'ENOENT') return { lines: [] };
    return { lines: [], error: `networks: ${error instanceof Error ? error.message : String(error)}` };
  }
}
