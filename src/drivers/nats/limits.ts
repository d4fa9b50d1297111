/**
 * The NATS limits (JetStream's and the server's) a run's settings can go past, said before the run
 * starts (BrokerPlugin.limitWarnings).
 */
import type { Workload } from '../../results/types.js';
import { natsSettingsOf } from './settings.js';

/**
 * A durable consumer holds at most max_ack_pending messages unacknowledged (docs.nats.io, JetStream
 * consumers: MaxAckPending); the server delivers no more until acks come back. A closed loop's window
 * above it is not what the run measures: the rest wait on the server. Each partition has its own
 * consumer (filter subject), so a partitioned window is shared by that many; nothing is lost either way.
 */
function ackPendingWarning(workload: Workload): string | undefined {
  if (workload.driver.delivery !== 'ack' || workload.rate !== 'max') return undefined;
  const { maxAckPending } = natsSettingsOf(workload.driver);
  if (workload.inflight <= maxAckPending * workload.partitions) return undefined;
  const perConsumer = workload.partitions > 1 ? ` x ${workload.partitions} partitions' consumers` : '';
  return (
    `--inflight ${workload.inflight} is above JetStream's max ack pending (--nats-max-ack-pending ${maxAckPending}${perConsumer}; docs.nats.io, JetStream consumers, MaxAckPending): ` +
    `the server delivers no more unacknowledged messages to a consumer, so the rest of the window waits on the server and the run measures a smaller window; raise --nats-max-ack-pending to match`
  );
}

/** nats-server's default max_payload (docs.nats.io, server configuration: 1MB): the largest message it takes. */
export const natsDefaultMaxPayload = 1024 * 1024;

/** A larger message is refused at every publish ('max_payload size exceeded': every send an error), core and JetStream alike. */
function payloadWarning(workload: Workload): string | undefined {
  if (workload.messageSize <= natsDefaultMaxPayload) return undefined;
  return (
    `--size ${workload.messageSize} is above nats-server's default max_payload (${natsDefaultMaxPayload} bytes; docs.nats.io, server configuration): ` +
    `a server at its default refuses every such publish ('max_payload size exceeded'); lower --size or raise max_payload on the server`
  );
}

/** One line per JetStream or server limit the run's settings go past. */
export function natsLimitWarnings(workload: Workload): string[] {
  return [ackPendingWarning(workload), payloadWarning(workload)].filter((line): line is string => line !== undefined);
}
