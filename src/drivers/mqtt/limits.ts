/**
 * The limits of Mosquitto (the MQTT broker mqbench runs and tests against) that a run's settings can
 * go past, said before the run starts (BrokerPlugin.limitWarnings).
 */
import type { Workload } from '../../results/types.js';

/**
 * mosquitto.conf(5): max_queued_messages, "the maximum number of QoS 1 or 2 messages to hold in the
 * queue (per client) above those messages that are currently in flight. Defaults to 1000"; past it
 * Mosquitto drops QoS 1 messages (its log: 'Outgoing messages are being dropped').
 */
export const mosquittoMaxQueued = 1000;

/**
 * A closed loop's window reaching the queue limit can fill a subscriber's queue: its PUBACKs reach the
 * broker a moment after the window has already refilled (a default window of 1,000 lost 94 of ~100,000
 * in 1 of 2 runs), so the warning comes at the limit, not only above it. An open loop (--rate N) bounds
 * the sends awaiting a PUBACK, not the subscriber's queue: nothing is known in advance there.
 */
export function mqttLimitWarnings(workload: Workload): string[] {
  if (Number(workload.driver.qos) !== 1 || workload.rate !== 'max' || workload.inflight < mosquittoMaxQueued) return [];
  return [
    `--inflight ${workload.inflight} is at or above Mosquitto's max_queued_messages (default ${mosquittoMaxQueued} QoS 1 messages queued per subscriber; mosquitto.conf(5)): ` +
      `past it Mosquitto drops QoS 1 messages and mqbench counts them lost; keep --inflight below ${mosquittoMaxQueued} (the default here is 500) or raise max_queued_messages on the broker`,
  ];
}
