/**
 * Finding and removing mqbench's networks by their names alone, without any state file: namespaces
 * live on after the process that made them (SIGKILL included), and so do the bridge, the host ends
 * of the veth pairs and the fence rule, so whatever is on the host is what there is to remove.
 *
 * Where they belong (not wired here):
 * - `bench clean`: removeLeftovers({ killProcesses: true }) removes every mqbench network on the host;
 * - `bench brokers down <cluster>`: after its nodes are stopped, networkDown(net) (up-down.ts) or
 *   removeLeftovers({ cluster }) for that cluster's network only.
 */
import { UsageError } from '../../errors.js';
import { ip, ipIfPresent, ipJson } from './commands.js';
import { clusterOfNamespace, clusterTag, linkPattern, namespacePrefix } from './plan.js';

/** The priority of the rule that keeps a cluster's traffic from being routed beyond the host (up-down.ts). */
export const fencePriority = 21300;

export interface NetworkLeftovers {
  /** mqbench-* namespaces */
  namespaces: string[];
  /** bridges and host ends of veth pairs (mqb<tag>br, mqb<tag>v<i>) */
  links: string[];
  /** fence rules, by the bridge they name (`ip rule ... iif <bridge> unreachable`) */
  rules: string[];
  /** processes still running inside those namespaces (a broker not stopped) */
  processes: { namespace: string; pids: number[] }[];
}

interface LinkRow {
  ifname: string;
}
interface RuleRow {
  priority?: number;
  iif?: string;
}
interface NamespaceRow {
  name: string;
}

/** Whether an object named for `cluster`'s tag or namespace belongs to the selection. */
function selector(cluster: string | undefined): { namespace: (name: string) => boolean; link: (name: string) => boolean } {
  const tag = cluster === undefined ? undefined : clusterTag(cluster);
  return {
    namespace: (name) => name.startsWith(namespacePrefix) && (cluster === undefined || clusterOfNamespace(name) === cluster),
    link: (name) => {
      const match = linkPattern.exec(name);
      return match !== null && (tag === undefined || match[1] === tag);
    },
  };
}

async function pidsIn(namespace: string): Promise<number[]> {
  // listing pids needs root; without it there is nothing this process could remove anyway
  const text = await ip(['netns', 'pids', namespace]).catch(() => '');
  return text.split(/\s+/).filter((word) => /^\d+$/.test(word)).map(Number);
}

/**
 * Every mqbench network object on the host (or `cluster`'s only): in use or left behind alike, since
 * names cannot tell them apart; the caller decides (clean removes all, brokers down its cluster's).
 */
export async function leftoverNetworks(cluster?: string): Promise<NetworkLeftovers> {
  const select = selector(cluster);
  const [namespaceRows, linkRows, ruleRows] = await Promise.all([
    ipJson<NamespaceRow>(['netns', 'list']),
    ipJson<LinkRow>(['link', 'show']),
    ipJson<RuleRow>(['rule', 'list']),
  ]);
  const namespaces = namespaceRows.map((row) => row.name).filter(select.namespace).sort();
  const links = linkRows.map((row) => row.ifname).filter(select.link).sort();
  const rules = ruleRows
    .filter((row) => row.priority === fencePriority && row.iif !== undefined && select.link(row.iif))
    .map((row) => row.iif as string)
    .sort();
  const processes = (await Promise.all(namespaces.map(async (namespace) => ({ namespace, pids: await pidsIn(namespace) })))).filter((entry) => entry.pids.length > 0);
  return { namespaces, links, rules, processes };
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Removes what `found` lists, host veths first (each takes its namespace end with it), then namespaces, bridges, rules. */
async function removeFound(found: NetworkLeftovers, options: { killProcesses?: boolean } = {}): Promise<void> {
  if (options.killProcesses) killAll(found.processes.flatMap((entry) => entry.pids));
  const bridges = found.links.filter((name) => name.endsWith('br'));
  for (const veth of found.links.filter((name) => !name.endsWith('br'))) await ipIfPresent(['link', 'delete', veth]);
  for (const namespace of found.namespaces) await ipIfPresent(['netns', 'delete', namespace]);
  for (const bridge of bridges) await ipIfPresent(['link', 'delete', bridge]);
  for (const bridge of found.rules) await ipIfPresent(['rule', 'delete', 'priority', String(fencePriority), 'iif', bridge, 'unreachable']);
}

/**
 * Removes every mqbench network on the host (or `cluster`'s) and returns what it found. Processes
 * still inside a namespace are killed only with `killProcesses`; otherwise they keep running with
 * no network left (their pids are in the answer).
 */
export async function removeLeftovers(options: { cluster?: string; killProcesses?: boolean } = {}): Promise<NetworkLeftovers> {
  const found = await leftoverNetworks(options.cluster);
  const anything = found.namespaces.length + found.links.length + found.rules.length > 0;
  if (anything && process.getuid?.() !== 0) {
    throw new UsageError(`removing mqbench's network namespaces and links needs root: ${[...found.namespaces, ...found.links].join(', ')} left in place`);
  }
  await removeFound(found, options);
  return found;
}
