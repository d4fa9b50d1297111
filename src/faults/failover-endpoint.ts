/** The failover scenario's endpoint: refused when mqbench cannot fault it honestly, else found or started. */
import type { BrokerPlugin, EndpointChoice, LocalCluster, ProvidedBroker } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';
import { lingeringPartitions } from '../provision/network/index.js';
import type { FaultPlan } from './plan.js';

/** A failover run's fault: the plan, and the cluster it acts on (undefined: a user command plan). */
export interface FailoverPlan {
  plan: FaultPlan;
  cluster: LocalCluster | undefined;
}

/**
 * Refuses, before anything connects, a failover run mqbench cannot do honestly: killing nodes of a
 * cluster it did not start (a URL the user gave needs --fault-cmd), or a broker without a local cluster.
 */
export function checkFailoverEndpoint(plugin: BrokerPlugin, endpoint: EndpointChoice, plan: FaultPlan): void {
  const option = plugin.endpoint?.option ?? 'url';
  if (endpoint.named && plan.kind !== 'command') {
    const verb = plan.kind === 'partition' ? 'partitions' : 'kills';
    throw new UsageError(`--fault ${plan.kind}: mqbench never ${verb} what it did not start; on the cluster you named (--${option} or its environment variable) inject the fault with --fault-cmd (and --restore-cmd)`);
  }
  if (!endpoint.named && !plugin.cluster) {
    throw new UsageError(`${plugin.name} has no local cluster for the failover scenario; name your cluster's nodes with --${option} and inject the fault with --fault-cmd`);
  }
  if (plan.kind === 'partition' && plugin.cluster) checkPartitionable(plugin.cluster);
}

/** A partition needs nodes on networks of their own: a cluster that can have them, brought up that way. */
function checkPartitionable(cluster: LocalCluster): void {
  if (!cluster.partitionNode || !cluster.partitionable) {
    throw new UsageError(`--fault partition: ${cluster.name} cannot be partitioned (its nodes have no networks of their own); use --fault kill, stop or restart`);
  }
  if (!cluster.partitionable()) {
    throw new UsageError(`--fault partition: ${cluster.name} is not up on per-node networks; bring it up with \`npx bench brokers up ${cluster.name} --netns\` (after \`npx bench brokers down ${cluster.name}\` if it runs on loopback)`);
  }
}

/**
 * The failover run's endpoint: the nodes the user named as they are, else mqbench's local cluster,
 * started when it is not up (and any node a previous run left stopped started again).
 */
export async function provideFailoverEndpoint(plugin: BrokerPlugin, endpoint: EndpointChoice, log: (line: string) => void): Promise<ProvidedBroker> {
  const cluster = plugin.cluster;
  if (endpoint.named || !cluster) return { url: endpoint.url };
  await refuseLingeringPartition(cluster);
  const nodes = await cluster.nodes();
  if (!nodes || nodes.every((node) => !node.running)) {
    log(`starting the local ${cluster.name} (three nodes) for the failover scenario`);
    log(await cluster.up(log));
  } else {
    for (const node of nodes.filter((n) => !n.running)) {
      log(`starting node ${node.name} of ${cluster.name}, left stopped`);
      await cluster.startNode(node.index, log);
    }
  }
  return { url: cluster.url };
}

/**
 * A node still cut off by a run that ended before its heal (SIGKILL) would make every figure of this
 * run wrong: refused, with the command that heals it.
 */
async function refuseLingeringPartition(cluster: LocalCluster): Promise<void> {
  if (!cluster.partitionable?.()) return;
  const left = await lingeringPartitions(cluster.name);
  if (left.length === 0) return;
  throw new UsageError(`${cluster.name} is still partitioned (${left.join(', ')}): a run ended before its heal; \`npx bench clean\` heals it`);
}

/** The fault plan as the engine takes it: the cluster only when mqbench started it. */
export function failoverPlanOf(plugin: BrokerPlugin, endpoint: EndpointChoice, plan: FaultPlan): FailoverPlan {
  return { plan, cluster: endpoint.named ? undefined : plugin.cluster };
}
