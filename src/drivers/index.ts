/**
 * The registry of broker plug-ins: the only file outside src/drivers/<name>/ that names a broker.
 * Adding a broker is a folder under src/drivers/ and one line here; a plug-in kept elsewhere is
 * registered at start-up from MQBENCH_PLUGINS (loadExternalPlugins).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

const registered: BrokerPlugin[] = [rabbitPlugin, kafkaPlugin, natsPlugin, redisPlugin, rabbitStreamPlugin, mqttPlugin, memoryPlugin, faultyPlugin];
const names: string[] = registered.map((p) => p.name);

/** Every registered plug-in; live: registerPlugin() adds to it. */
export const plugins: readonly BrokerPlugin[] = registered;

/** Their names, in the same order; live as `plugins` is. */
export const driverNames: readonly string[] = names;

/** Adds a plug-in kept outside src/drivers/ (its options, scenarios mapping and driver come with it). */
export function registerPlugin(plugin: BrokerPlugin): void {
  if (registered.includes(plugin)) return;
  const problem = problemOf(plugin);
  if (problem) throw new UsageError(`broker plug-in "${String(plugin.name)}": ${problem}`);
  registered.push(plugin);
  names.push(plugin.name);
}

/** Flags of the commands themselves (not run options): a plug-in option of one of these names would be shadowed or misread. */
const commandFlags = ['broker', 'scenario', 'workload', 'out', 'json', 'progress', 'quiet', 'verbose', 'help', 'version', 'report', 'vary', 'slo', 'start-rate', 'max-steps', 'resolution', 'pods', 'index', 'rounds', 'threshold', 'csv', 'metrics-port', 'confirm-runs'];

function problemOf(plugin: BrokerPlugin): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(plugin.name)) return 'its name must be lower-case letters, digits and dashes';
  if (names.includes(plugin.name)) return 'a broker of that name is registered already';
  const taken = new Set([...allOptionRows().map((row) => row.name), ...commandFlags]);
  const own = [...plugin.options, ...(plugin.endpoint ? [{ name: plugin.endpoint.option, broker: plugin.name }] : [])];
  const clash = own.find((row) => taken.has(row.name) || row.broker !== plugin.name);
  if (clash) return `its option --${clash.name} ${taken.has(clash.name) ? 'is taken already' : `must name broker "${plugin.name}"`}`;
  return undefined;
}

const loaded = new Set<string>();

/**
 * Registers the plug-ins of MQBENCH_PLUGINS (or of `list`): module paths, comma-separated, relative
 * to the working directory, each with a BrokerPlugin as its default export. Each module loads once.
 */
export async function loadExternalPlugins(list = process.env.MQBENCH_PLUGINS ?? ''): Promise<void> {
  for (const path of list.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const url = pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
    if (loaded.has(url)) continue;
    const module = (await import(url).catch((error: unknown) => {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      throw new UsageError(`MQBENCH_PLUGINS: cannot load ${path}: ${reason}`);
    })) as { default?: unknown };
    const plugin = module.default as Partial<BrokerPlugin> | undefined;
    if (typeof plugin?.name !== 'string' || typeof plugin.create !== 'function' || typeof plugin.settings !== 'function' || !Array.isArray(plugin.options) || typeof plugin.mapping !== 'object') {
      throw new UsageError(`MQBENCH_PLUGINS: ${path} has no broker plug-in as its default export (an object with name, options, mapping, settings and create)`);
    }
    const problem = registered.includes(plugin as BrokerPlugin) ? undefined : problemOf(plugin as BrokerPlugin);
    if (problem) throw new UsageError(`MQBENCH_PLUGINS: ${path}: broker plug-in "${plugin.name}": ${problem}`);
    registerPlugin(plugin as BrokerPlugin);
    loaded.add(url);
  }
}

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
