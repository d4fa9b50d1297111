import { UsageError } from '../../errors.js';
import type { OptionRow, OptionValues } from '../../options.js';
import type { DeliveryMode } from '../../results/types.js';
import type { BrokerSettings } from '../plugin.js';
import type { DriverSettings } from '../types.js';

export const queueTypes = ['classic', 'classic-mirrored', 'quorum', 'stream'] as const;
export type QueueType = (typeof queueTypes)[number];

/** RabbitMQ's rows of the options table. */
export const rabbitOptions: readonly OptionRow[] = [
  { name: 'confirm', kind: 'boolean', broker: 'rabbit', describe: 'publisher confirms (default: on in ack delivery)' },
  { name: 'persistent', kind: 'boolean', default: false, broker: 'rabbit', describe: 'durable queues and persistent messages' },
  // AMQP 0-9-1 carries prefetch as an unsigned 16-bit count
  { name: 'prefetch', kind: 'whole', default: 1000, min: 1, max: 65_535, broker: 'rabbit', describe: 'consumer prefetch in ack delivery' },
  { name: 'multi-ack', kind: 'whole', default: 100, min: 1, max: 65_535, broker: 'rabbit', describe: 'ack every N messages at once (multiple=true)' },
  {
    name: 'queue-type',
    kind: 'choice',
    choices: queueTypes,
    broker: 'rabbit',
    describe: 'classic, classic-mirrored (needs an ha policy on queues matching ^mqbench-.*\\.ha$: mqbench\'s rabbit-cluster sets it), quorum or stream (default: quorum in failover, else classic)',
  },
];

/** What the RabbitMQ driver reads. */
export interface RabbitSettings {
  delivery: DeliveryMode;
  confirm: boolean;
  persistent: boolean;
  prefetch: number;
  multiAck: number;
  queueType: QueueType;
  /** failover: reconnect to the next listed node when the connection is lost */
  reconnect: boolean;
}

const whole = (values: OptionValues, name: string): number => {
  const row = rabbitOptions.find((r) => r.name === name);
  return Number(values[name] ?? row?.default);
};

/** amqplib allows 2047 channels on a connection; the driver opens one per consumer (and per producer). */
const maxChannels = 2000;

/** Consumers x subscriptions the user asked for, when they asked (scenario defaults are small). */
function channelsAsked(values: OptionValues): number {
  const consumers = Number(values.consumers ?? values.partitions ?? 1);
  return consumers * Number(values.subscriptions ?? 1) + Number(values.producers ?? 1);
}

/** The user's values with the delivery mode's defaults; contradictions refused with one line. */
export function rabbitSettings(values: OptionValues, delivery: DeliveryMode): BrokerSettings {
  const channels = channelsAsked(values);
  if (channels > maxChannels) {
    throw new UsageError(`RabbitMQ: ${channels.toLocaleString('en-US')} consumers and producers need as many AMQP channels; the client allows ${maxChannels.toLocaleString('en-US')} per connection (lower --partitions, --consumers or --subscriptions)`);
  }
  const prefetch = whole(values, 'prefetch');
  const multiAck = whole(values, 'multi-ack');
  if (delivery === 'ack' && multiAck > prefetch) {
    throw new UsageError(`--multi-ack (${multiAck}) must not exceed --prefetch (${prefetch}): the consumer would stall`);
  }
  const queueType = queueTypeOf(values);
  // replicated queues are durable by nature; their messages are kept on disk
  const replicated = queueType !== 'classic';
  if (replicated && values.persistent === false) throw new UsageError(`--persistent false contradicts --queue-type ${queueType} (always durable)`);
  if (queueType === 'stream' && delivery === 'noack') throw new UsageError('--queue-type stream needs ack delivery (RabbitMQ refuses noAck consumers on streams)');
  return {
    confirm: values.confirm === undefined ? delivery === 'ack' : values.confirm === true,
    persistent: values.persistent === true || replicated,
    prefetch,
    multiAck,
    // classic is what runs always had: their settings stay as they were
    ...(queueType === 'classic' ? {} : { queueType }),
  };
}

/** The user's queue type; a failover run (its fault options set) defaults to a quorum queue. */
function queueTypeOf(values: OptionValues): QueueType {
  if (values['queue-type'] !== undefined) return String(values['queue-type']) as QueueType;
  return values.fault !== undefined || values['fault-cmd'] !== undefined ? 'quorum' : 'classic';
}

/** The driver's typed view of its settings. */
export function rabbitSettingsOf(settings: DriverSettings): RabbitSettings {
  return {
    delivery: settings.delivery,
    confirm: settings.confirm === true,
    persistent: settings.persistent === true,
    prefetch: Number(settings.prefetch),
    multiAck: Number(settings.multiAck),
    queueType: (queueTypes as readonly string[]).includes(String(settings.queueType)) ? (settings.queueType as QueueType) : 'classic',
    reconnect: settings.reconnect === true,
  };
}

/** How each scenario maps onto RabbitMQ (AMQP 0-9-1): `bench list --verbose` and the README table. */
export const rabbitMapping: Readonly<Record<string, string>> = {
  'hello-world': "default exchange, queue `hello`, consumer with noAck (as the tutorial's no_ack=True)",
  noack: 'default exchange -> one transient queue; consume with noAck; no publisher confirms',
  ack: 'one queue; publisher confirms; manual ack with prefetch, multi-ack every N; --persistent for durable queue + persistent messages',
  fanout: 'fanout exchange -> K queues, one consumer each',
  partitioned: 'direct exchange -> P queues, routing key chosen by key hash; one consumer per queue',
  backlog: 'as ack: the queues are declared at setup and hold what producers send until the consumers subscribe',
  failover:
    'one quorum queue (--queue-type classic|classic-mirrored|stream) on the 3-node rabbit-cluster; confirms, manual ack; on connection loss the client reconnects to the next node, re-subscribes, and unconfirmed sends are resent',
};
