/**
 * The registry of broker plug-ins: the only file outside src/drivers/<name>/ that names a broker.
 * Adding a broker is a folder under src/drivers/ and one line here.
 */
import { UsageError } from '../errors.js';
import { commonOptions, type OptionRow } from '../options.js';
import { faultyPlugin } from './faulty/index.js';
import { kafkaPlugin } from './kafka/index.js';
import { memoryPlugin } from './memory/index.js';
import { mqttPlugin } from './mqtt/index.js';
import { natsPlugin } from './nats/index.js';
import type { BrokerPlugin } from './plugin.js';
import { rabbitPlugin } from './rabbit/index.js';
import { rabbitStreamPlugin } from './rabbit-stream/index.js';
import { redisPlugin } from './redis/index.js';

export type { BrokerPlugin } from './plugin.js';

export const plugins: readonly BrokerPlugin[] = [rabbitPlugin, kafkaPlugin, natsPlugin, redisPlugin, rabbitStreamPlugin, mqttPlugin, memoryPlugin, faultyPlugin];

export const driverNames = plugins.map((p) => p.name);

export function findPlugin(name: string): BrokerPlugin {
  const plugin = plugins.find((p) => p.name === name);
  if (!plugin) throw new UsageError(`unknown broker "${name}"; valid brokers: ${driverNames.join(', ')}`);
  return plugin;
}

/** Every row of the options table: the common ones, then each plug-in's own. */
export function allOptionRows(): OptionRow[] {
  const urlRows: OptionRow[] = plugins.flatMap((p) =>
    p.endpoint ? [{ name: p.endpoint.option, kind: 'text' as const, broker: p.name, describe: p.endpoint.describe }] : [],
  );
  return [...commonOptions, ...plugins.flatMap((p) => p.options), ...urlRows];
}
