import { plugins } from '../drivers/index.js';
import type { BrokerPlugin, ClusterUpOptions, LocalBrokers, LocalCluster, ProvisionMode } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';
import { otherCheckoutLine, otherCheckoutsClaims } from '../provision/checkouts.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The local 3-node clusters the plug-ins offer, by their own names (e.g. `bench brokers up <cluster>`). */
const clusters: LocalCluster[] = plugins.flatMap((p) => (p.cluster ? [p.cluster] : []));

/** The plug-ins mqbench can start locally (`bench brokers up|down|status [name|all]`). */
function targets(target: string | undefined): (BrokerPlugin & { local: LocalBrokers })[] {
  const startable = plugins.filter((p): p is BrokerPlugin & { local: LocalBrokers } => p.local !== undefined);
  const value = target ?? 'all';
  if (value === 'all') return startable;
  const one = startable.find((p) => p.name === value);
  if (!one) throw new UsageError(`unknown broker "${value}"; valid: ${[...startable.map((p) => p.name), ...clusters.map((c) => c.name), 'all'].join(', ')}`);
  return [one];
}

/** The flag each up option comes from, for the refusals. */
const upFlags: Record<keyof ClusterUpOptions, string> = { netns: '--netns', partitionHandling: '--partition-handling' };

/** Up options only for `up` of a cluster that understands them: one line otherwise. */
function checkUpOptions(action: string, cluster: LocalCluster | undefined, options: ClusterUpOptions): void {
  const given = (Object.keys(upFlags) as (keyof ClusterUpOptions)[]).filter((name) => options[name] !== undefined);
  const first = given[0];
  if (first === undefined) return;
  if (action !== 'up' || !cluster) throw new UsageError(`${upFlags[first]} is an option of \`brokers up <cluster>\` (${clusters.map((c) => c.name).join(', ')})`);
  const unknown = given.find((name) => !cluster.upOptions?.includes(name));
  if (unknown) throw new UsageError(`${upFlags[unknown]}: ${cluster.name} cannot be started that way (${clusters.filter((c) => c.upOptions?.includes(unknown)).map((c) => c.name).join(', ') || 'no cluster'} can)`);
}

/** One cluster by name; `all` reaches them for status and down only (starting six nodes is never implied). */
async function clusterCommand(action: string, cluster: LocalCluster, options: ClusterUpOptions = {}): Promise<string> {
  if (action === 'up') return cluster.up(log, options);
  if (action === 'down') return cluster.down(log);
  return cluster.status();
}

/** Other checkouts' clusters on this host (provision/checkouts.ts): listed, never touched. */
async function othersOf(cluster?: string): Promise<string[]> {
  return (await otherCheckoutsClaims(cluster)).map(otherCheckoutLine);
}

export async function brokersCommand(action: string, target: string | undefined, mode: ProvisionMode, upOptions: ClusterUpOptions = {}): Promise<string> {
  if (!['up', 'down', 'status'].includes(action)) throw new UsageError(`unknown brokers action "${action}"; valid: up, down, status`);
  const lines: string[] = [];
  const cluster = clusters.find((c) => c.name === target);
  checkUpOptions(action, cluster, upOptions);
  if (cluster) return `${[await clusterCommand(action, cluster, upOptions), ...(action === 'status' ? await othersOf(cluster.name) : [])].join('\n')}\n`;
  for (const { local } of targets(target)) {
    if (action === 'up') lines.push(await local.up(mode, log));
    else if (action === 'down') lines.push(await local.down(log));
    else lines.push(await local.status());
  }
  if ((target ?? 'all') === 'all' && action !== 'up') {
    for (const each of clusters) if ((await each.nodes()) !== undefined) lines.push(await clusterCommand(action, each));
    if (action === 'status') lines.push(...(await othersOf()));
  }
  return `${lines.join('\n')}\n`;
}
