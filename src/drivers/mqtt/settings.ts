import { UsageError } from '../../errors.js';
import type { OptionRow, OptionValues } from '../../options.js';
import type { DeliveryMode } from '../../results/types.js';
import type { BrokerSettings } from '../plugin.js';
import type { DriverSettings } from '../types.js';

/** The MQTT endpoint used when none is named. */
export const defaultMqttUrl = 'mqtt://127.0.0.1:1883';

/** MQTT's rows of the options table. */
export const mqttOptions: readonly OptionRow[] = [
  { name: 'mqtt-protocol', kind: 'choice', choices: ['5', '4'], default: '5', broker: 'mqtt', describe: 'MQTT protocol level: 5 (MQTT 5.0) or 4 (MQTT 3.1.1)' },
  { name: 'mqtt-qos', kind: 'choice', choices: ['0', '1'], broker: 'mqtt', describe: 'QoS of publishes and subscriptions (default: 1 in ack delivery, else 0)' },
];

/** What the MQTT driver reads. */
export interface MqttSettings {
  delivery: DeliveryMode;
  protocolVersion: 4 | 5;
  qos: 0 | 1;
}

const protocolOf = (value: unknown): 4 | 5 => (String(value ?? '5') === '4' ? 4 : 5);
const qosOf = (value: unknown, delivery: DeliveryMode): 0 | 1 => (value === undefined ? (delivery === 'ack' ? 1 : 0) : String(value) === '1' ? 1 : 0);

/** The user's values with the delivery mode's defaults; contradictions refused with one line. */
export function mqttSettings(values: OptionValues, delivery: DeliveryMode): BrokerSettings {
  const qos = qosOf(values['mqtt-qos'], delivery);
  if (delivery === 'ack' && qos === 0) throw new UsageError('--mqtt-qos 0 contradicts the ack (at-least-once) delivery mode: QoS 0 has no PUBACK');
  return { protocolVersion: protocolOf(values['mqtt-protocol']), qos };
}

/** The driver's typed view of its settings. */
export function mqttSettingsOf(settings: DriverSettings): MqttSettings {
  return { delivery: settings.delivery, protocolVersion: protocolOf(settings.protocolVersion), qos: qosOf(settings.qos, settings.delivery) };
}

/**
 * At-least-once, the closed loop keeps 500 in flight, not mqbench's 1,000: Mosquitto queues at most
 * max_queued_messages (default 1,000) per subscriber beyond its 20 in flight and drops QoS 1 messages
 * above that, so a default ack run lost 21-249 of ~100,000 messages (issue 30). At most once (QoS 0),
 * losing is the delivery's contract: mqbench's default stays.
 */
export function mqttDefaultInflight(delivery: DeliveryMode): number | undefined {
  return delivery === 'ack' ? 500 : undefined;
}

/** How each scenario maps onto MQTT: `bench list --verbose` and the README table. */
export const mqttMapping: Readonly<Record<string, string>> = {
  'hello-world': 'topic `<prefix>/hello/0`, QoS 0, one subscriber (clean session)',
  noack: 'one topic; publish and subscribe at QoS 0 (no PUBACK: send resolves once the client has written it)',
  ack:
    "one topic; QoS 1: send resolves on the PUBACK, the subscriber PUBACKs after processing; clean sessions (nothing persists after the run). Mosquitto queues at most max_queued_messages (default 1000) per subscriber and drops QoS 1 messages above it (its log: 'Outgoing messages are being dropped'): mqbench counts them lost: the default --inflight here is 500, below it; a larger --inflight needs max_queued_messages raised",
  fanout: 'one topic, K subscriber connections (each gets every message)',
  partitioned:
    'P topics `<prefix>/<stream>/<p>`, key hash in the client, one subscriber per topic; more consumers than partitions share a topic through an MQTT 5 shared subscription `$share/<group>/<topic>` (Mosquitto 2 also accepts it from 3.1.1 clients)',
};
