import { UsageError } from '../../errors.js';
import type { OptionRow, OptionValues } from '../../options.js';
import type { DeliveryMode } from '../../results/types.js';
import type { BrokerSettings } from '../plugin.js';
import type { DriverSettings } from '../types.js';

export const kafkaClients = ['platformatic', 'kafkajs'] as const;
export type KafkaClient = (typeof kafkaClients)[number];

/** Kafka's rows of the options table. */
export const kafkaOptions: readonly OptionRow[] = [
  { name: 'kafka-client', kind: 'choice', choices: kafkaClients, default: 'platformatic', broker: 'kafka', describe: 'the Node client that measures: @platformatic/kafka or kafkajs' },
  { name: 'kafka-acks', kind: 'choice', choices: ['0', '1', 'all', '-1'], broker: 'kafka', describe: 'producer acks: 0, 1 or all (default: all in ack delivery, else 1)' },
  // the Java producer's default since Kafka 4.0 (KIP-1030); with 0, batches split over many partitions get tiny
  { name: 'linger', kind: 'whole', default: 5, min: 0, max: 60_000, broker: 'kafka', describe: 'ms to gather a batch before a produce request' },
  { name: 'batch-size', kind: 'whole', default: 1000, min: 1, max: 1_000_000, broker: 'kafka', describe: 'most messages per produce request' },
  // the broker refuses a record batch over message.max.bytes (1 MiB + 12 by default): 1000 messages of 4 KiB would be 4 MiB
  { name: 'batch-bytes', kind: 'size', default: 512 * 1024, min: 1024, max: 64 * 1024 * 1024, broker: 'kafka', describe: 'most bytes per produce request, counted as encoded (each record with its header, each batch with its 61-byte header: the broker refuses a record batch over message.max.bytes, 1 MiB by default)' },
];

export type KafkaAcks = 0 | 1 | -1;

/** What the Kafka drivers read. */
export interface KafkaSettings {
  delivery: DeliveryMode;
  client: KafkaClient;
  kafkaAcks: KafkaAcks;
  lingerMs: number;
  batchSize: number;
  batchBytes: number;
  /** failover: ride out a lost broker (retry, re-find leaders); topic RF=3, min.insync.replicas=2 on a 3+ broker cluster */
  reconnect: boolean;
}

function acksOf(value: string | number | boolean | undefined, delivery: DeliveryMode): KafkaAcks {
  if (value === undefined) return delivery === 'ack' ? -1 : 1;
  const text = String(value);
  return text === 'all' || text === '-1' ? -1 : text === '0' ? 0 : 1;
}

const defaultOf = (name: string): string | number | boolean | undefined => kafkaOptions.find((r) => r.name === name)?.default;

/** Kafka's default message.max.bytes (1 MiB + 12): the largest record batch a broker takes unless configured otherwise. */
export const defaultMessageMaxBytes = 1_048_588;
/** A record batch's header (61 bytes) and one record's framing besides its key (23 bytes at most), as shared.ts counts them. */
const oneRecordFramingBytes = 61 + 23;

/**
 * A message that alone makes a record batch over message.max.bytes would be refused by the broker
 * every time, and the run would report a produce error, not its cause: refused here, naming the limit.
 * A broker configured for more is declared by a --batch-bytes at least that large.
 */
function refuseOversizedMessage(values: OptionValues, batchBytes: number): void {
  const size = Number(values.size ?? 0);
  const batch = size + oneRecordFramingBytes;
  if (batch <= Math.max(batchBytes, defaultMessageMaxBytes)) return;
  const n = (bytes: number): string => bytes.toLocaleString('en-US');
  throw new UsageError(
    `--size: a message of ${n(size)} bytes makes a record batch of ${n(batch)} bytes, over Kafka's message.max.bytes (${n(defaultMessageMaxBytes)} bytes by default): the broker would refuse every message; lower --size, or, for a broker configured for more, give --batch-bytes of at least ${n(batch)}`,
  );
}

/** The user's values with the delivery mode's defaults; contradictions refused with one line. */
export function kafkaSettings(values: OptionValues, delivery: DeliveryMode): BrokerSettings {
  const kafkaAcks = acksOf(values['kafka-acks'], delivery);
  const batchBytes = Number(values['batch-bytes'] ?? defaultOf('batch-bytes'));
  refuseOversizedMessage(values, batchBytes);
  if (delivery === 'ack' && kafkaAcks === 0) throw new UsageError('--kafka-acks 0 contradicts the ack (at-least-once) delivery mode');
  const client = String(values['kafka-client'] ?? defaultOf('kafka-client'));
  // a failover run has its fault options set (from the scenario's defaults or the user)
  if (client === 'kafkajs' && (values.fault !== undefined || values['fault-cmd'] !== undefined)) {
    throw new UsageError('--kafka-client kafkajs: the failover scenario runs with @platformatic/kafka only (leave --kafka-client at platformatic)');
  }
  return {
    client,
    kafkaAcks,
    lingerMs: Number(values.linger ?? defaultOf('linger')),
    batchSize: Number(values['batch-size'] ?? defaultOf('batch-size')),
    batchBytes,
  };
}

/** The drivers' typed view of their settings. */
export function kafkaSettingsOf(settings: DriverSettings): KafkaSettings {
  const client = String(settings.client ?? defaultOf('kafka-client'));
  return {
    delivery: settings.delivery,
    client: (kafkaClients as readonly string[]).includes(client) ? (client as KafkaClient) : 'platformatic',
    kafkaAcks: acksOf(settings.kafkaAcks, settings.delivery),
    lingerMs: Number(settings.lingerMs ?? defaultOf('linger')),
    batchSize: Number(settings.batchSize ?? defaultOf('batch-size')),
    batchBytes: Number(settings.batchBytes ?? defaultOf('batch-bytes')),
    reconnect: settings.reconnect === true,
  };
}

/** How each scenario maps onto Kafka: `bench list --verbose` and the README table. */
export const kafkaMapping: Readonly<Record<string, string>> = {
  'hello-world': 'topic `hello`, 1 partition, acks=1, one consumer group',
  noack: 'topic with 1 partition; producer acks=1 (--kafka-acks 0|1); offsets committed periodically, never per batch',
  ack: 'topic with 1 partition; acks=all; the consumer commits processed offsets periodically (not per batch: Kafka 4.1 lingers 5 ms on each commit)',
  fanout: 'one topic, K consumer groups',
  partitioned: 'topic with P partitions (key hash by the client), one consumer group of P consumers',
  backlog: 'as ack: the topic keeps what producers send; the consumer group joins later and starts from the earliest offset',
  failover:
    'topic with 1 partition on the 3-node kafka-cluster, replication factor 3, min.insync.replicas=2, acks=all (--kafka-acks 1); clients retry across the leader change, unacknowledged sends are resent',
};
