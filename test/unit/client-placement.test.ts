import { describe, expect, test } from 'vitest';
import type { ClusterNode, LocalCluster } from '../../src/drivers/plugin.js';
import { placeClients } from '../../src/engine/client-placement.js';
import type { FaultPlan } from '../../src/faults/plan.js';
import type { Workload } from '../../src/results/types.js';
import { planRun } from '../../src/plan/index.js';

// the cluster's URL list and its nodes in another order: positions follow the list, numbers the nodes
const url = 'amqp://127.0.0.1:5701,amqp://127.0.0.1:5702,amqp://127.0.0.1:5703';
const nodes: ClusterNode[] = [3, 1, 2].map((index) => ({ index, name: `n${index}`, pid: 100 + index, url: `amqp://127.0.0.1:570${index}`, running: true }));
/** Only what placement reads of a cluster: its nodes, its URL list and its leader (node 2). */
const cluster = { name: 'test-cluster', url, nodes: async () => nodes, leaderOf: async () => 2 } as unknown as LocalCluster;

function workloadWith(clients: string, lateJoiners: number): Workload {
  const { workload } = planRun({ broker: 'rabbit', scenario: 'failover', clients, 'late-joiners': lateJoiners });
  return workload;
}

const plan: FaultPlan = { kind: 'kill', target: 'leader', atUs: 5_000_000, forUs: 8_000_000 };
const topology = { prefix: 'mqbench-x', stream: 'failover', partitions: 1, subscriptions: 1 };

describe('client placement', () => {
  test('spread: producers and consumers dealt over every node, in the URL list\'s order', async () => {
    const placement = await placeClients(workloadWith('spread', 0), { plan, cluster }, topology);
    expect([0, 1, 2, 3].map((id) => placement?.plan.producerNode(id))).toEqual([0, 1, 2, 0]);
    expect(placement?.plan.consumerNode(1)).toBe(1);
    expect(placement?.nodeNumbers).toEqual([1, 2, 3]);
  });

  test('failed-node and survivors: around the node the fault will hit (the leader, node 2 = position 1)', async () => {
    const failed = await placeClients(workloadWith('failed-node', 0), { plan, cluster }, topology);
    expect([0, 1, 2].map((id) => failed?.plan.producerNode(id))).toEqual([1, 1, 1]);
    const survivors = await placeClients(workloadWith('survivors', 0), { plan, cluster }, topology);
    expect([0, 1, 2].map((id) => survivors?.plan.producerNode(id))).toEqual([0, 2, 0]);
    const onNode3 = await placeClients(workloadWith('failed-node', 0), { plan: { ...plan, target: { node: 3 } }, cluster }, topology);
    expect(onNode3?.plan.producerNode(0)).toBe(2);
  });

  test('late joiners: opened on the nodes that survived, once the fault named the node it hit', async () => {
    const placement = await placeClients(workloadWith('spread', 4), { plan, cluster }, topology);
    let opened: number[] | undefined;
    void placement?.plan.lateJoiners.then((late) => (opened = late));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(opened).toBeUndefined();
    placement?.faultHit(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(opened).toEqual([0, 2, 0, 2]);
    expect(placement?.failedPosition()).toBe(1);
    expect(placement?.lateJoinerIds).toEqual([3, 4, 5, 6]);
  });

  test('no placement without a cluster mqbench started, or for a plug-in that cannot place', async () => {
    expect(await placeClients(workloadWith('spread', 0), { plan, cluster: undefined }, topology)).toBeUndefined();
    const { workload } = planRun({ broker: 'kafka', scenario: 'failover' });
    expect(await placeClients(workload, { plan, cluster }, topology)).toBeUndefined();
  });
});
