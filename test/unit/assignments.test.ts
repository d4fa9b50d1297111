import { describe, expect, test } from 'vitest';
import { everythingArrived, inFlightFrom, planAssignments } from '../../src/engine/assignments.js';
import { planRun } from '../../src/plan/index.js';

describe('planAssignments', () => {
  test('producers and consumers are dealt round-robin over workers', () => {
    const w = planRun({ partitions: 4, producers: 3, broker: 'rabbit', scenario: 'partitioned' }).workload;
    const plans = planAssignments(w, 2, false);
    expect(plans.map((p) => p.producers.map((x) => x.id))).toEqual([[0, 2], [1]]);
    // dealt on after the three producers: the fourth deal goes to worker 1
    expect(plans.map((p) => p.consumers.map((c) => c.partitions))).toEqual([[[1], [3]], [[0], [2]]]);
  });

  test('one producer and one consumer over two workers: one each', () => {
    const w = planRun({ broker: 'rabbit', scenario: 'noack' }).workload;
    const plans = planAssignments(w, 2, false);
    expect(plans.map((p) => [p.producers.length, p.consumers.length])).toEqual([[1, 0], [0, 1]]);
  });

  test('a private (memory) broker per worker: every worker runs every consumer', () => {
    const w = planRun({ subscriptions: 2, producers: 2, broker: 'memory', scenario: 'fanout' }).workload;
    const plans = planAssignments(w, 2, true);
    for (const plan of plans) expect(plan.consumers.map((c) => c.subscription)).toEqual([0, 1]);
  });

  test('a fixed message count is split over producers', () => {
    const w = planRun({ messages: 10, producers: 3, broker: 'rabbit', scenario: 'noack' }).workload;
    expect(planAssignments(w, 1, false)[0]?.producers.map((p) => p.quota)).toEqual([4, 3, 3]);
  });
});

describe('window and drain arithmetic', () => {
  test('in flight = sent - received per subscription - failed sends', () => {
    expect(inFlightFrom(1000, 2 * 900, 10, 2)).toBe(90);
  });

  test('draining ends only when nothing is outstanding and every subscription has everything', () => {
    expect(everythingArrived(100, 0, [100, 100], 2)).toBe(true);
    expect(everythingArrived(100, 1, [100, 100], 2)).toBe(false);
    expect(everythingArrived(100, 0, [100, 99], 2)).toBe(false);
    expect(everythingArrived(100, 0, [100], 2)).toBe(false);
  });
});
