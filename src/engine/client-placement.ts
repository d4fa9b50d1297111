/**
 * Where a failover run's clients connect (--clients), from the cluster's nodes: spread deals producers
 * and consumers over every node; failed-node puts them all on the node the fault will hit; survivors
 * on the others. Late joiners (--late-joiners) open on the nodes that survived, just after the fault.
 * A position is an index into the cluster's URL list (what a driver's placement names); the result
 * names nodes as `bench brokers status` numbers them.
 */
import type { ClusterNode } from '../drivers/plugin.js';
import type { Topology } from '../drivers/types.js';
import type { FailoverPlan } from '../faults/failover-endpoint.js';
import { targetNodeIndex, urlPositionOf } from '../faults/index.js';
import type { Workload } from '../results/types.js';
import type { ClientPlan } from './participant.js';

/** After the fault, late joiners wait this long: what a new instance started right after sees (the 50 ms). */
const lateJoinDelayMs = 50;

/** Which clients went where, and what the fault hit: what the population analysis needs. */
export interface Placement {
  plan: ClientPlan;
  /** position -> node number */
  nodeNumbers: readonly number[];
  /** the established producers (id, position) and consumers (positions), as they were handed out */
  producers: { id: number; position: number }[];
  consumers: number[];
  /** the late joiners' producer ids, once they were handed out */
  lateJoinerIds: number[];
  /** the fault's event named the node it hit: late joiners may open */
  faultHit(nodeNumber: number): void;
  /** the position of the node the fault hit, once known */
  failedPosition(): number | undefined;
}

/** Node numbers in the order of the cluster's URL list. */
function nodeNumbersOf(clusterUrl: string, nodes: readonly ClusterNode[]): number[] {
  const numbers: number[] = [];
  for (const node of nodes) numbers[urlPositionOf(clusterUrl, node)] = node.index;
  return numbers;
}

/** The positions clients are dealt over: every node, the target only, or every node but the target. */
async function positionsFor(mode: string, failover: FailoverPlan, topology: Topology, numbers: readonly number[], nodes: readonly ClusterNode[]): Promise<number[]> {
  const all = numbers.map((_, position) => position);
  const { plan, cluster } = failover;
  if (mode === 'spread' || plan.kind === 'command' || !cluster) return all;
  // asked once before the clients connect; the fault plan asks again when the window starts
  const leader = plan.target === 'leader' ? await cluster.leaderOf(topology) : undefined;
  const target = numbers.indexOf(targetNodeIndex(plan.target, cluster.url, nodes, leader));
  return mode === 'failed-node' ? [target] : all.filter((position) => position !== target);
}

/** The placement of a failover run's clients; undefined when they are not placed (no --clients in the fault record, no cluster). */
export async function placeClients(workload: Workload, failover: FailoverPlan, topology: Topology): Promise<Placement | undefined> {
  const mode = workload.fault?.clients;
  const cluster = failover.cluster;
  if (mode === undefined || !cluster) return undefined;
  const nodes = (await cluster.nodes()) ?? [];
  const nodeNumbers = nodeNumbersOf(cluster.url, nodes);
  const positions = await positionsFor(mode, failover, topology, nodeNumbers, nodes);
  const at = (i: number): number => positions[i % positions.length] ?? 0;
  const lateCount = workload.fault?.lateJoiners ?? 0;
  let failed: number | undefined;
  let openLateJoiners: (nodes: number[]) => void = () => undefined;
  const lateJoiners = new Promise<number[]>((resolve) => (openLateJoiners = resolve));
  const placement: Placement = {
    nodeNumbers,
    producers: [],
    consumers: [],
    lateJoinerIds: [],
    plan: {
      producerNode: (id) => {
        placement.producers.push({ id, position: at(id) });
        return at(id);
      },
      consumerNode: (index) => {
        placement.consumers.push(at(index));
        return at(index);
      },
      lateJoiners,
    },
    faultHit(nodeNumber) {
      if (failed !== undefined) return;
      failed = nodeNumbers.indexOf(nodeNumber);
      const survivors = nodeNumbers.map((_, position) => position).filter((position) => position !== failed);
      const lateNodes = Array.from({ length: lateCount }, (_, k) => survivors[k % survivors.length] ?? 0);
      placement.lateJoinerIds = lateNodes.map((_, k) => workload.producers + k);
      setTimeout(() => openLateJoiners(lateNodes), lateJoinDelayMs);
    },
    failedPosition: () => failed,
  };
  return placement;
}
