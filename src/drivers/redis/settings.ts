import type { OptionRow, OptionValues } from '../../options.js';
import type { DeliveryMode } from '../../results/types.js';
import type { BrokerSettings } from '../plugin.js';
import type { DriverSettings } from '../types.js';

/** Redis's rows of the options table. */
export const redisOptions: readonly OptionRow[] = [
  { name: 'redis-count', kind: 'whole', default: 500, min: 1, max: 100_000, broker: 'redis', describe: 'most entries one XREADGROUP returns (COUNT); in ack delivery one XACK acknowledges them' },
  // a consumer that is closed is unblocked at once (CLIENT UNBLOCK): this only bounds an idle read
  { name: 'redis-block', kind: 'whole', default: 1000, min: 1, max: 60_000, broker: 'redis', describe: 'ms a consumer\'s XREADGROUP waits on the server for new entries (BLOCK)' },
];

/** What the Redis driver reads. */
export interface RedisSettings {
  delivery: DeliveryMode;
  count: number;
  blockMs: number;
}

const defaultOf = (name: string): number => Number(redisOptions.find((r) => r.name === name)?.default);

/**
 * The user's values with defaults. Nothing here can contradict the delivery mode (both knobs matter
 * in both), so nothing is refused beyond the table's own limits.
 */
export function redisSettings(values: OptionValues, _delivery: DeliveryMode): BrokerSettings {
  const count = Number(values['redis-count'] ?? defaultOf('redis-count'));
  const blockMs = Number(values['redis-block'] ?? defaultOf('redis-block'));
  return { count, blockMs };
}

/** The driver's typed view of its settings (defaults for what a caller left out). */
export function redisSettingsOf(settings: DriverSettings): RedisSettings {
  return {
    delivery: settings.delivery,
    count: Number(settings.count ?? defaultOf('redis-count')),
    blockMs: Number(settings.blockMs ?? defaultOf('redis-block')),
  };
}

/** How each scenario maps onto Redis Streams: `bench list --verbose` and the README table. */
export const redisMapping: Readonly<Record<string, string>> = {
  'hello-world': 'stream <run>.hello; XADD (the reply is the acknowledgement); one consumer group read with XREADGROUP NOACK',
  noack: 'one stream; XADD (its reply is all Redis offers a producer, so send still waits for it); consumer group read with XREADGROUP NOACK (nothing pending, no XACK)',
  ack: 'one stream; XADD reply as the acknowledgement; consumer group, XREADGROUP (COUNT --redis-count, BLOCK --redis-block) then one XACK per batch after processing',
  fanout: 'one stream, K consumer groups (each group gets every entry)',
  partitioned: 'P streams <stream>.p<0..P-1>, chosen by key hash; per subscription one group on each, one consumer per stream',
  backlog: 'as ack: the consumer group is created at setup from id 0, so the stream keeps what producers send until consumers read it',
};
