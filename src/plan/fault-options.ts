import { UsageError } from '../errors.js';
import type { FaultPlan } from '../faults/plan.js';
import type { PartitionMode } from '../provision/network/index.js';
import { type OptionValues } from '../options.js';
import type { GivenOptions } from './types.js';
import type { FaultRecord } from '../results/types.js';
import { plugins } from '../drivers/index.js';
import type { BrokerPlugin } from '../drivers/plugin.js';
import type { Scenario } from '../scenarios/index.js';

/** The options that mean something only in a scenario that injects a fault. */
export const faultOptionNames = ['fault', 'fault-target', 'fault-at', 'fault-for', 'fault-cmd', 'restore-cmd', 'clients', 'late-joiners', 'partition'] as const;

/** Extra time the stall watch allows beyond the fault (a node restart, an election, reconnects). */
export const stallMarginUs = 30_000_000;

/**
 * The options the user gave (raw, as written) with the scenario's defaults, also as written, for what
 * they did not give: the options table then parses both at once. In a scenario without a fault, a
 * fault option is refused with one line.
 */
export function withScenarioDefaults(scenario: Scenario, given: GivenOptions): GivenOptions {
  if (!scenario.failover) {
    const named = faultOptionNames.find((name) => given[name] !== undefined);
    if (named) throw new UsageError(`--${named} is a failover option; it has no meaning in the ${scenario.name} scenario (use --scenario failover)`);
  }
  const out: Record<string, string | number | boolean> = { ...given };
  // a user's fault command replaces the scenario's kill plan: its kill defaults do not apply
  const commandPlan = given['fault-cmd'] !== undefined;
  for (const [name, raw] of Object.entries(scenario.defaults ?? {})) {
    if (out[name] !== undefined || (commandPlan && (name === 'fault' || name === 'fault-target'))) continue;
    out[name] = raw;
  }
  return out;
}

type Target = 'leader' | 'connected' | { node: number };

/** leader | connected | node:N (N counts from 1, as the nodes are numbered in `bench brokers status`). */
export function parseFaultTarget(text: string): Target {
  const value = text.trim().toLowerCase();
  if (value === 'leader' || value === 'connected') return value;
  const match = /^node:(\d{1,2})$/.exec(value);
  if (match) return { node: Number(match[1]) };
  const shownText = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  throw new UsageError(`--fault-target: must be leader, connected or node:N (N from 1), got "${shownText}"`);
}

function targetText(target: Target): string {
  return typeof target === 'string' ? target : `node:${target.node}`;
}

/** Seconds as a flag value, rounded up to a whole second ("35s"). */
function wholeSeconds(us: number): string {
  return `${Math.max(1, Math.ceil(us / 1e6))}s`;
}

/**
 * What would fit, for a refused fault: a longer window with as long again as the fault after it
 * (at least 10 s to see the recovery), or the fault moved into this window (a quarter in, half of it long).
 */
function faultFitSuggestion(atUs: number, forUs: number, durationUs: number): string {
  const longer = wholeSeconds(atUs + forUs + Math.max(10e6, forUs));
  return `e.g. --duration ${longer}, or --fault-at ${wholeSeconds(durationUs / 4)} --fault-for ${wholeSeconds(durationUs / 2)}`;
}

/** The fault plan of a failover run and its record for the result; undefined for other scenarios. */
export function faultPlanOf(scenario: Scenario, values: OptionValues, durationUs: number): { plan: FaultPlan; record: FaultRecord } | undefined {
  if (!scenario.failover) return undefined;
  const atUs = Number(values['fault-at'] ?? 0);
  // never: the node stays down for the rest of the window (restored after the run, leaving nothing behind)
  const forUs = values['fault-for'] === 'never' ? null : Number(values['fault-for'] ?? 0);
  if (forUs === null && atUs >= durationUs) {
    throw new UsageError(`--fault-at (${atUs / 1e6} s) must fall within --duration (${durationUs / 1e6} s): the time after the fault must be measured; e.g. --fault-at ${wholeSeconds(durationUs / 2)}`);
  }
  if (forUs !== null && atUs + forUs > durationUs) {
    throw new UsageError(`--fault-at (${atUs / 1e6} s) + --fault-for (${forUs / 1e6} s) must end within --duration (${durationUs / 1e6} s): the recovery must be measured; ${faultFitSuggestion(atUs, forUs, durationUs)}`);
  }
  const faultCmd = values['fault-cmd'];
  const restoreCmd = values['restore-cmd'];
  if (faultCmd === undefined) {
    if (restoreCmd !== undefined) throw new UsageError('--restore-cmd needs --fault-cmd (the command that injects the fault)');
    return nodeFaultPlan(values, atUs, forUs);
  }
  for (const name of ['fault', 'fault-target', 'partition'] as const) {
    if (values[name] !== undefined) throw new UsageError(`--${name} cannot be combined with --fault-cmd: the command is the fault (mqbench kills only nodes it started)`);
  }
  const plan: FaultPlan = { kind: 'command', faultCmd: String(faultCmd), ...(restoreCmd === undefined ? {} : { restoreCmd: String(restoreCmd) }), atUs, forUs };
  // the command's text is never stored: it may carry a credential
  return { plan, record: { kind: 'command', target: 'command', atUs, forUs } };
}

/** A fault mqbench injects on a node of its own cluster: kill, stop, restart, or partition (with --partition's mode). */
function nodeFaultPlan(values: OptionValues, atUs: number, forUs: number | null): { plan: FaultPlan; record: FaultRecord } {
  const kind = String(values.fault ?? 'kill') as 'kill' | 'stop' | 'restart' | 'partition';
  const target = parseFaultTarget(String(values['fault-target'] ?? 'leader'));
  const timing = { target, atUs, forUs };
  if (kind !== 'partition') {
    if (values.partition !== undefined) throw new UsageError(`--partition says how a node is cut off: it needs --fault partition (the fault here is ${kind})`);
    return { plan: { kind, ...timing }, record: { kind, target: targetText(target), atUs, forUs } };
  }
  const mode = String(values.partition ?? 'isolate') as PartitionMode;
  return { plan: { kind, mode, ...timing }, record: { kind, partition: mode, target: targetText(target), atUs, forUs } };
}

/**
 * Where the clients connect (--clients) and how many join late (--late-joiners), added to the fault's
 * record. Only a plug-in whose clients stay on the node they connected to can place them; the others
 * run as before, with no populations, and refuse the options by name.
 */
export function withClientPlacement(plugin: BrokerPlugin, values: OptionValues, plan: FaultPlan, record: FaultRecord): FaultRecord {
  const clients = values.clients === undefined ? undefined : String(values.clients);
  const lateJoiners = Number(values['late-joiners'] ?? 0);
  if (!plugin.placesClients) {
    const named = clients !== undefined ? '--clients' : lateJoiners > 0 ? '--late-joiners' : undefined;
    if (named) throw new UsageError(`${named}: the ${plugin.name} plug-in cannot place its clients on chosen nodes; client populations are measured with plug-ins that can (${plugins.filter((p) => p.placesClients).map((p) => p.name).join(', ')})`);
    return record;
  }
  if (plan.kind === 'command') {
    // clients are placed by the node the fault hits: a user's command does not say which
    const named = clients !== undefined ? '--clients' : lateJoiners > 0 ? '--late-joiners' : undefined;
    if (named) throw new UsageError(`${named}: needs to know the node the fault hits, so a fault mqbench injects (--fault with --fault-target), not --fault-cmd`);
    return record;
  }
  return { ...record, clients: clients ?? 'spread', lateJoiners };
}

