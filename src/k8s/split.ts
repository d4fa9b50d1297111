import { assignPartitions } from '../drivers/partition.js';
import type { Assignment } from '../engine/participant.js';
import { splitEvenly } from '../engine/schedule.js';
import { UsageError } from '../errors.js';
import type { Workload } from '../results/types.js';

/**
 * One pod's share of a workload. Each pod runs a self-contained slice: its producers, its own
 * partitions (a topology of its own on the broker) and the consumers of those partitions, so every
 * message a pod sends is received in the same pod and end-to-end latency is only ever the difference
 * of two readings of one host's clock.
 */
export interface PodShare {
  index: number;
  pods: number;
  /** the slice this pod runs: the run's workload with this pod's partitions, consumers and in-flight window */
  workload: Workload;
  /** producer ids are the run's (the open-loop schedule and the accounting use them); consumers are the slice's */
  assignment: Assignment;
  /** the run-wide number of this pod's first consumer (per subscription) and first partition */
  consumerOffset: number;
  partitionOffset: number;
}

/** Closed loop (a rate of "max" or a message count): the in-flight window is the run's, shared out. */
const closedLoopWindow = (workload: Workload): boolean => workload.rate === 'max' || workload.messages !== null;

/** Refuses a pod count the workload cannot be split over, with one line saying what to change. */
export function checkSplit(workload: Workload, pods: number): void {
  if (!Number.isInteger(pods) || pods < 1) throw new UsageError(`--pods: must be a whole number greater than zero, got ${String(pods)}`);
  const needs: [string, number, string][] = [
    ['producers', workload.producers, '--producers'],
    ['partitions', workload.partitions, '--partitions'],
    ['consumers per subscription', workload.consumers, '--consumers'],
  ];
  if (closedLoopWindow(workload)) needs.push(['messages in flight', workload.inflight, '--inflight']);
  for (const [what, count, flag] of needs) {
    if (pods > count) {
      throw new UsageError(
        `--pods ${pods}: more pods than ${what} (${count}); each pod runs its own producers, partitions and their consumers, so raise ${flag} to at least ${pods} or lower --pods`,
      );
    }
  }
}

const offsetOf = (parts: readonly number[], index: number): number => parts.slice(0, index).reduce((n, p) => n + p, 0);

/** Pod `index` of `pods`: producers index, index+pods, ...; an even share of partitions, consumers and the window. */
export function podShare(workload: Workload, pods: number, index: number): PodShare {
  checkSplit(workload, pods);
  if (!Number.isInteger(index) || index < 0 || index >= pods) throw new UsageError(`--index: must be a whole number from 0 to ${pods - 1}, got ${String(index)}`);
  const partitions = splitEvenly(workload.partitions, pods);
  const consumers = splitEvenly(workload.consumers, pods);
  const myPartitions = partitions[index] ?? 1;
  const myConsumers = consumers[index] ?? 1;
  const slice: Workload = {
    ...workload,
    partitions: myPartitions,
    consumers: myConsumers,
    // the closed-loop window is over the whole run: each pod keeps its share of it in flight
    inflight: closedLoopWindow(workload) ? (splitEvenly(workload.inflight, pods)[index] ?? 1) : workload.inflight,
  };
  const quotas = workload.messages !== null ? splitEvenly(workload.messages, workload.producers) : undefined;
  const assignment: Assignment = { producers: [], consumers: [] };
  for (let id = index; id < workload.producers; id += pods) {
    const quota = quotas?.[id];
    assignment.producers.push(quota === undefined ? { id } : { id, quota });
  }
  for (let subscription = 0; subscription < workload.subscriptions; subscription++) {
    for (let consumer = 0; consumer < myConsumers; consumer++) {
      assignment.consumers.push({ subscription, consumer, partitions: assignPartitions(myPartitions, myConsumers, consumer) });
    }
  }
  return { index, pods, workload: slice, assignment, consumerOffset: offsetOf(consumers, index), partitionOffset: offsetOf(partitions, index) };
}
