import { UsageError } from '../../errors.js';
import type { OptionRow, OptionValues } from '../../options.js';
import type { DeliveryMode } from '../../results/types.js';
import type { BrokerSettings } from '../plugin.js';
import type { DriverSettings } from '../types.js';

export const natsStorageTypes = ['file', 'memory'] as const;
export type NatsStorage = (typeof natsStorageTypes)[number];

/** NATS's rows of the options table. */
export const natsOptions: readonly OptionRow[] = [
  { name: 'nats-storage', kind: 'choice', choices: natsStorageTypes, default: 'file', broker: 'nats', describe: 'JetStream stream storage in ack delivery: file or memory' },
  // the server's own default is 1000 for a pull consumer; a window, not one message at a time
  { name: 'nats-max-ack-pending', kind: 'whole', default: 1000, min: 1, max: 1_000_000, broker: 'nats', describe: 'ack delivery: messages a JetStream consumer may hold unacknowledged' },
  { name: 'nats-pull-batch', kind: 'whole', default: 500, min: 1, max: 100_000, broker: 'nats', describe: 'ack delivery: messages each consume() pull asks the server for' },
];

/** What the NATS driver reads. */
export interface NatsSettings {
  delivery: DeliveryMode;
  storage: NatsStorage;
  maxAckPending: number;
  pullBatch: number;
}

const defaultOf = (name: string): string | number | boolean | undefined => natsOptions.find((r) => r.name === name)?.default;

/** The user's values with the delivery mode's defaults; contradictions refused with one line. */
export function natsSettings(values: OptionValues, delivery: DeliveryMode): BrokerSettings {
  if (delivery === 'noack') {
    // noack is core NATS: no stream, no consumer, so these knobs would silently do nothing
    const given = ['nats-storage', 'nats-max-ack-pending', 'nats-pull-batch'].filter((name) => values[name] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given[0] ?? ''} is a JetStream setting; noack delivery on NATS is core NATS publish/subscribe (no stream): use --delivery ack`);
  }
  const maxAckPending = Number(values['nats-max-ack-pending'] ?? defaultOf('nats-max-ack-pending'));
  const pullBatch = Number(values['nats-pull-batch'] ?? defaultOf('nats-pull-batch'));
  if (pullBatch > maxAckPending) {
    throw new UsageError(`--nats-pull-batch (${pullBatch}) must not exceed --nats-max-ack-pending (${maxAckPending}): the server would never fill a pull`);
  }
  return { storage: String(values['nats-storage'] ?? defaultOf('nats-storage')), maxAckPending, pullBatch };
}

/** The driver's typed view of its settings (defaults for what a caller left out). */
export function natsSettingsOf(settings: DriverSettings): NatsSettings {
  const storage = String(settings.storage ?? defaultOf('nats-storage'));
  return {
    delivery: settings.delivery,
    storage: (natsStorageTypes as readonly string[]).includes(storage) ? (storage as NatsStorage) : 'file',
    maxAckPending: Number(settings.maxAckPending ?? defaultOf('nats-max-ack-pending')),
    pullBatch: Number(settings.pullBatch ?? defaultOf('nats-pull-batch')),
  };
}

const coreNote = 'core NATS publish/subscribe (no persistence; send resolves after a flush round trip, not a broker ack)';

/** How each scenario maps onto NATS: `bench list --verbose` and the README table. */
export const natsMapping: Readonly<Record<string, string>> = {
  'hello-world': `${coreNote}: subject <run>.hello, one subscription`,
  noack: `${coreNote}: one subject, one subscription (a queue group when consumers compete)`,
  ack: 'JetStream stream (file storage; --nats-storage) per run; publish awaits the PubAck; durable pull consumer (consume()), AckPolicy explicit, ack after processing, --nats-max-ack-pending window',
  fanout: 'noack: K core subscriptions to one subject; ack: one JetStream stream, K durable consumers',
  partitioned: 'subjects <stream>.p<0..P-1> chosen by key hash; one subscription (noack) or one durable consumer with that filter subject (ack) per partition',
  backlog: 'as ack: the JetStream stream keeps what producers send; its durable consumers (DeliverPolicy.All) are made at setup and read only once the consumers attach',
};
