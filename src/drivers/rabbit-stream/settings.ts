import { UsageError } from '../../errors.js';
import type { OptionRow, OptionValues } from '../../options.js';
import type { DeliveryMode } from '../../results/types.js';
import type { BrokerSettings } from '../plugin.js';
import type { DriverSettings } from '../types.js';

/** The stream plug-in's rows of the options table. */
export const streamOptions: readonly OptionRow[] = [
  // the client's own default: it sends a publish frame when this many messages wait, or on the next tick
  { name: 'stream-batch', kind: 'whole', default: 100, min: 1, max: 10_000, broker: 'rabbit-stream', describe: 'most messages per publish frame' },
  { name: 'stream-credits', kind: 'whole', default: 10, min: 1, max: 1000, broker: 'rabbit-stream', describe: 'chunks each consumer has in flight (credits; one more is asked as each arrives)' },
  { name: 'stream-store-interval', kind: 'whole', default: 1000, min: 10, max: 600_000, broker: 'rabbit-stream', describe: 'ack delivery: ms between storeOffset calls (offset tracking; never per message)' },
];

/** What the stream driver reads. */
export interface StreamSettings {
  delivery: DeliveryMode;
  batch: number;
  credits: number;
  storeIntervalMs: number;
}

const defaultOf = (name: string): number => Number(streamOptions.find((r) => r.name === name)?.default);

/**
 * A stream has no competing consumers (single active consumer is a standby, not a share of the load):
 * more consumers than partitions in one subscription would each read everything.
 */
function checkConsumers(values: OptionValues): void {
  const consumers = values.consumers;
  if (consumers === undefined) return;
  const partitions = values.partitions ?? 1;
  if (Number(consumers) > Number(partitions)) {
    throw new UsageError(`rabbit-stream: --consumers (${String(consumers)}) must not exceed --partitions (${String(partitions)}): a stream has no competing consumers, each would read every message`);
  }
}

/** The user's values with the delivery mode's defaults; contradictions refused with one line. */
export function streamSettings(values: OptionValues, delivery: DeliveryMode): BrokerSettings {
  checkConsumers(values);
  if (delivery === 'noack' && values['stream-store-interval'] !== undefined) {
    throw new UsageError('--stream-store-interval has no meaning in noack delivery: offsets are tracked only in ack delivery');
  }
  return {
    batch: Number(values['stream-batch'] ?? defaultOf('stream-batch')),
    credits: Number(values['stream-credits'] ?? defaultOf('stream-credits')),
    storeIntervalMs: Number(values['stream-store-interval'] ?? defaultOf('stream-store-interval')),
  };
}

/** The driver's typed view of its settings. */
export function streamSettingsOf(settings: DriverSettings): StreamSettings {
  return {
    delivery: settings.delivery,
    batch: Number(settings.batch ?? defaultOf('stream-batch')),
    credits: Number(settings.credits ?? defaultOf('stream-credits')),
    storeIntervalMs: Number(settings.storeIntervalMs ?? defaultOf('stream-store-interval')),
  };
}

/** How each scenario maps onto RabbitMQ streams: `bench list --verbose` and the README table. */
export const streamMapping: Readonly<Record<string, string>> = {
  'hello-world': 'stream `<prefix>.hello`, one consumer from offset first',
  noack: 'one stream; send resolves once the client has queued the message (publish confirms not awaited); consumer without offset tracking',
  ack: `one stream; send resolves on the publish confirm; a named consumer stores its offset every --stream-store-interval ms (never per message)`,
  fanout: 'one stream, K consumers each reading it from offset first (a stream is not consumed away: every consumer sees every message)',
  partitioned:
    'P streams `<prefix>.<stream>.p<n>`, key hash in the client, one consumer per stream; no more consumers than partitions (super streams need RabbitMQ 3.11+, so mqbench routes over P streams itself, as a super stream does by hash)',
  backlog: 'as ack: the stream keeps what producers send; consumers attach later and read it from offset first',
};
