import { describe, expect, test } from 'vitest';
import { findPlugin } from '../../src/drivers/index.js';
import { resolveWorkload } from '../../src/plan/workload.js';
import { checkSplit, podShare } from '../../src/k8s/split.js';
import { parseOptions } from '../../src/options.js';
import { allOptionRows } from '../../src/drivers/index.js';
import { findScenario } from '../../src/scenarios/index.js';

function workloadOf(scenario: string, options: Record<string, string>) {
  const plugin = findPlugin('memory');
  return resolveWorkload(plugin, findScenario(scenario), parseOptions(allOptionRows(), options, ['memory']));
}

describe('a workload split over the pods of an Indexed Job', () => {
  test.each([1, 2, 3, 4])('%i pod(s): every producer once, every partition and consumer once, each pod consuming all of its own partitions', (pods) => {
    const workload = workloadOf('fanout', { producers: '5', partitions: '4', consumers: '6', subscriptions: '2' });
    const shares = Array.from({ length: pods }, (_, i) => podShare(workload, pods, i));
    const producers = shares.flatMap((s) => s.assignment.producers.map((p) => p.id)).sort((a, b) => a - b);
    expect(producers).toEqual([0, 1, 2, 3, 4]);
    expect(shares.reduce((n, s) => n + s.workload.partitions, 0)).toBe(4);
    expect(shares.reduce((n, s) => n + s.workload.consumers, 0)).toBe(6);
    for (const share of shares) {
      // the pod's producers send into its own topology (share.workload.partitions partitions);
      // for every subscription its consumers read every one of those partitions: nothing is received elsewhere
      for (let sub = 0; sub < workload.subscriptions; sub++) {
        const read = new Set(share.assignment.consumers.filter((c) => c.subscription === sub).flatMap((c) => c.partitions));
        expect([...read].sort()).toEqual(Array.from({ length: share.workload.partitions }, (_, p) => p));
      }
      expect(share.workload.producers).toBe(workload.producers); // run-wide ids and schedule
    }
    expect(shares.map((s) => s.consumerOffset)).toEqual(shares.map((_, i) => shares.slice(0, i).reduce((n, s) => n + s.workload.consumers, 0)));
  });

  test('the closed-loop window is shared out; an open-loop rate stays the run-wide schedule', () => {
    const closed = workloadOf('noack', { producers: '3', partitions: '3', consumers: '3', inflight: '1000' });
    expect([0, 1, 2].map((i) => podShare(closed, 3, i).workload.inflight)).toEqual([334, 333, 333]);
    const open = workloadOf('noack', { producers: '2', partitions: '2', consumers: '2', rate: '1000' });
    expect(podShare(open, 2, 1).workload.rate).toBe(1000);
    expect(podShare(open, 2, 1).assignment.producers).toEqual([{ id: 1 }]);
  });

  test('a fixed message count keeps each producer its quota', () => {
    const counted = workloadOf('noack', { producers: '2', partitions: '2', consumers: '2', messages: '11' });
    expect([0, 1].map((i) => podShare(counted, 2, i).assignment.producers)).toEqual([[{ id: 0, quota: 6 }], [{ id: 1, quota: 5 }]]);
  });

  test('more pods than producers, partitions, consumers or in-flight messages is refused with what to change', () => {
    const workload = workloadOf('noack', { producers: '2', partitions: '4', consumers: '4' });
    expect(() => checkSplit(workload, 3)).toThrow(
      '--pods 3: more pods than producers (2); each pod runs its own producers, partitions and their consumers, so raise --producers to at least 3 or lower --pods',
    );
    expect(() => checkSplit(workloadOf('noack', { producers: '4', partitions: '2', consumers: '4' }), 3)).toThrow(/more pods than partitions \(2\).*raise --partitions/);
    expect(() => checkSplit(workloadOf('noack', { producers: '4', partitions: '4', consumers: '1' }), 2)).toThrow(/more pods than consumers per subscription \(1\).*raise --consumers/);
    expect(() => checkSplit(workloadOf('noack', { producers: '4', partitions: '4', consumers: '4', inflight: '1' }), 2)).toThrow(/more pods than messages in flight \(1\)/);
    expect(() => podShare(workload, 2, 2)).toThrow('--index: must be a whole number from 0 to 1, got 2');
  });
});
