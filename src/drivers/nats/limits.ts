/**
 * The JetStream limits a run's settings can go past, said before the run starts
 * (BrokerPlugin.limitWarnings).
 */
import type { Workload } from '../../results/types.js';
import { natsSettingsOf } from './settings.js';

/**
 * A durable consumer holds at most max_ack_pending messages unacknowledged (docs.nats.io, JetStream
 * consumers: MaxAckPending); the server delivers no more until acks come back. A closed loop's window
 * above it is not what the run measures: the rest wait on the server. Each partition has its own
 * consumer (filter subject), so a partitioned window is shared by that many; nothing is lost either way.
 */
export function natsLimitWarnings(workload: Workload): string[] {
  if (workload.driver.delivery !== 'ack' || workload.rate !== 'max') return [];
  const { maxAckPending } = natsSettingsOf(workload.driver);
  if (workload.inflight <= maxAckPending * workload.partitions) return [];
  const perConsumer = workload.partitions > 1 ? ` x ${workload.partitions} partitions' consumers` : '';
  return [
    `--inflight ${workload.inflight} is above JetStream's max ack pending (--nats-max-ack-pending ${maxAckPending}${perConsumer}; docs.nats.io, JetStream consumers, MaxAckPending): ` +
      `the server delivers no more unacknowledged messages to a consumer, so the rest of the window waits on the server and the run measures a smaller window; raise --nats-max-ack-pending to match`,
  ];
}
