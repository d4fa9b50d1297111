import { assignPartitions } from '../drivers/partition.js';
import type { Assignment } from './participant.js';
import { splitEvenly } from './schedule.js';
import type { Workload } from '../results/types.js';

/**
 * Spreads a workload's producers and consumers over `participants` processes.
 * `privateBroker`: each participant has its own in-process broker (memory driver), so each one
 * must run every consumer of the topology for its own producers.
 */
export function planAssignments(workload: Workload, participants: number, privateBroker: boolean): Assignment[] {
  const plans: Assignment[] = Array.from({ length: participants }, () => ({ producers: [], consumers: [] }));
  const quotas = workload.messages !== null ? splitEvenly(workload.messages, workload.producers) : undefined;
  for (let id = 0; id < workload.producers; id++) {
    const quota = quotas?.[id];
    plans[id % participants]?.producers.push(quota === undefined ? { id } : { id, quota });
  }
  // consumers are dealt on from where the producers stopped: one producer and one consumer over two
  // workers run in two processes, not both in the first while the second idles
  let k = workload.producers;
  for (let subscription = 0; subscription < workload.subscriptions; subscription++) {
    for (let consumer = 0; consumer < workload.consumers; consumer++) {
      const spec = { subscription, consumer, partitions: assignPartitions(workload.partitions, workload.consumers, consumer) };
      if (privateBroker) for (const plan of plans) plan.consumers.push({ ...spec, partitions: [...spec.partitions] });
      else plans[k++ % participants]?.consumers.push(spec);
    }
  }
  return plans;
}

/** Closed-loop messages in flight over the whole run, from summed counters. */
export function inFlightFrom(sentAll: number, receivedAll: number, errorsAll: number, subscriptions: number): number {
  return sentAll - Math.floor(receivedAll / subscriptions) - errorsAll;
}

/** Draining is over when no send is outstanding and every subscription has every expected message. */
export function everythingArrived(expected: number, outstanding: number, uniqueBySubscription: readonly number[], subscriptions: number): boolean {
  if (outstanding > 0) return false;
  for (let s = 0; s < subscriptions; s++) if ((uniqueBySubscription[s] ?? 0) < expected) return false;
  return true;
}
