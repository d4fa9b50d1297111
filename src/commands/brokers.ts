import { plugins } from '../drivers/index.js';
import type { BrokerPlugin, LocalBrokers, ProvisionMode } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The plug-ins mqbench can start locally (`bench brokers up|down|status [name|all]`). */
function targets(target: string | undefined): (BrokerPlugin & { local: LocalBrokers })[] {
  const startable = plugins.filter((p): p is BrokerPlugin & { local: LocalBrokers } => p.local !== undefined);
  const value = target ?? 'all';
  if (value === 'all') return startable;
  const one = startable.find((p) => p.name === value);
  if (!one) throw new UsageError(`unknown broker "${value}"; valid: ${[...startable.map((p) => p.name), 'all'].join(', ')}`);
  return [one];
}

export async function brokersCommand(action: string, target: string | undefined, mode: ProvisionMode): Promise<string> {
  if (!['up', 'down', 'status'].includes(action)) throw new UsageError(`unknown brokers action "${action}"; valid: up, down, status`);
  const lines: string[] = [];
  for (const { local } of targets(target)) {
    if (action === 'up') lines.push(await local.up(mode, log));
    else if (action === 'down') lines.push(await local.down(log));
    else lines.push(await local.status());
  }
  return `${lines.join('\n')}\n`;
}
