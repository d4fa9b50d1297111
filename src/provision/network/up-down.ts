/**
 * Bringing a cluster's network up and down (plan.ts names every part). Both are idempotent: up
 * creates what is missing and leaves what is there (a running cluster's network survives a second
 * `brokers up`), down removes whatever of the cluster's network exists.
 *
 * Besides the namespaces, bridge and veths, up adds one policy-routing rule in the root namespace:
 * packets arriving from the bridge that are not for the host itself are unreachable. The nodes'
 * default route points at the bridge, so without it a host that forwards (ip_forward=1) would route a
 * node's traffic for any other address out of the machine; with it a node reaches its peers, the
 * load generator and the host's own addresses, and nothing else.
 */
import { UsageError } from '../../errors.js';
import { checkNetworkSupport, ip, ipJson, NetworkCommandError } from './commands.js';
import { fencePriority, removeLeftovers, type NetworkLeftovers } from './leftovers.js';
import { nodeInterface, prefixesOverlap, type NodeAddress, type NodeNetwork } from './plan.js';

interface LinkRow {
  ifname: string;
  ifalias?: string;
}
interface AddressRow {
  ifname: string;
  addr_info?: { local?: string; prefixlen?: number }[];
}
interface RouteRow {
  dst?: string;
  dev?: string;
}

/** Written on the bridge: tells a bridge of this cluster from one of another whose name hashes alike. */
const aliasOf = (net: NodeNetwork): string => `mqbench ${net.cluster}`;

/** Refuses (before anything is created) a subnet or bridge name that something else on the host already uses. */
async function checkHostFree(net: NodeNetwork): Promise<void> {
  const [links, addresses, routes] = await Promise.all([ipJson<LinkRow>(['link', 'show']), ipJson<AddressRow>(['-4', 'addr', 'show']), ipJson<RouteRow>(['-4', 'route', 'show'])]);
  const bridge = links.find((link) => link.ifname === net.bridge);
  if (bridge && bridge.ifalias !== aliasOf(net)) {
    throw new UsageError(`network ${net.cluster}: interface ${net.bridge} already exists and is not this cluster's (${bridge.ifalias ?? 'no alias'}): \`bench clean\` removes it if it is a leftover, else choose another cluster name`);
  }
  for (const row of addresses) {
    if (row.ifname === net.bridge) continue;
    const clash = row.addr_info?.find((info) => info.local !== undefined && prefixesOverlap(`${info.local}/${info.prefixlen ?? 32}`, net.subnet));
    if (clash) throw new UsageError(`network ${net.cluster}: ${net.subnet} is already used on this host (${row.ifname} has ${clash.local}/${clash.prefixlen}, ${links.find((l) => l.ifname === row.ifname)?.ifalias ?? 'not mqbench'}); choose another cluster name`);
  }
  const route = routes.find((r) => r.dst !== undefined && r.dst !== 'default' && r.dev !== net.bridge && prefixesOverlap(r.dst, net.subnet));
  if (route) throw new UsageError(`network ${net.cluster}: the host already routes ${route.dst} (dev ${route.dev ?? '?'}), which overlaps ${net.subnet}`);
}

async function bridgeUp(net: NodeNetwork, exists: boolean): Promise<void> {
  if (!exists) {
    await ip(['link', 'add', net.bridge, 'type', 'bridge']);
    await ip(['link', 'set', 'dev', net.bridge, 'alias', aliasOf(net)]);
    // IPv4 only: no IPv6 link-local addresses, so no traffic a partition's IPv4 rules would miss
    await ip(['link', 'set', 'dev', net.bridge, 'addrgenmode', 'none']);
  }
  await ip(['addr', 'replace', `${net.gateway}/${net.prefixLength}`, 'dev', net.bridge]);
  await ip(['link', 'set', 'dev', net.bridge, 'up']);
  const rules = await ipJson<{ priority?: number; iif?: string }>(['rule', 'list']);
  if (!rules.some((rule) => rule.priority === fencePriority && rule.iif === net.bridge)) {
    await ip(['rule', 'add', 'iif', net.bridge, 'priority', String(fencePriority), 'unreachable']);
  }
}

/** One node: its namespace (lo up), its veth pair, its address and its default route. */
async function nodeUp(net: NodeNetwork, node: NodeAddress, namespaces: ReadonlySet<string>): Promise<void> {
  const ns = node.namespace;
  if (!namespaces.has(ns)) await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
  const inside = await ipJson<LinkRow>(['-n', ns, 'link', 'show']);
  if (!inside.some((link) => link.ifname === nodeInterface)) {
    // a host end without its namespace end (the namespace was recreated) is useless: start the pair again
    await ip(['link', 'delete', node.hostVeth]).catch(() => undefined);
    await ip(['link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', nodeInterface, 'netns', ns]);
    await ip(['link', 'set', 'dev', node.hostVeth, 'addrgenmode', 'none']);
    await ip(['-n', ns, 'link', 'set', 'dev', nodeInterface, 'addrgenmode', 'none']);
  }
  await ip(['link', 'set', 'dev', node.hostVeth, 'master', net.bridge, 'up']);
  await ip(['-n', ns, 'addr', 'replace', `${node.address}/${net.prefixLength}`, 'dev', nodeInterface]);
  await ip(['-n', ns, 'link', 'set', 'dev', nodeInterface, 'up']);
  await ip(['-n', ns, 'route', 'replace', 'default', 'via', net.gateway, 'dev', nodeInterface]);
}

/**
 * Creates what is missing of `net` (namespaces, bridge with the gateway address, veth pairs, node
 * addresses and routes, the fence rule). Without root or namespaces: a UsageError before anything is
 * created. A failure on a fresh network removes what this call made; an existing one is left as it was.
 */
export async function networkUp(net: NodeNetwork): Promise<void> {
  await checkNetworkSupport();
  await checkHostFree(net);
  const bridgeExisted = (await ipJson<LinkRow>(['link', 'show'])).some((link) => link.ifname === net.bridge);
  const namespaces = new Set((await ipJson<{ name: string }>(['netns', 'list'])).map((row) => row.name));
  try {
    await bridgeUp(net, bridgeExisted);
    for (const node of net.nodes) await nodeUp(net, node, namespaces);
  } catch (error) {
    if (!bridgeExisted) await networkDown(net).catch(() => undefined);
    if (error instanceof NetworkCommandError) throw new UsageError(`cannot set up the network of ${net.cluster}: ${error.message}`);
    throw error;
  }
}

/**
 * Removes every part of `net`'s cluster network that exists (namespaces of any node number included)
 * and returns what it found. Stop the nodes first: processes still inside are killed only with
 * `killProcesses`, otherwise they keep running with no network (their pids are in the answer).
 */
export function networkDown(net: NodeNetwork, options: { killProcesses?: boolean } = {}): Promise<NetworkLeftovers> {
  return removeLeftovers({ ...options, cluster: net.cluster });
}
