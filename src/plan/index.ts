/**
 * The run plan, made once: the options a user gave (flags and a workload file, by option name) are
 * parsed once by the options table, then resolved in one chain, scenario -> plug-in -> workload ->
 * fault plan -> endpoint, into plain RunPlans. Every refusal of bad input (UsageError, exit 2) is
 * raised here, before anything connects. Called by every entry point (commands, calibrate, k8s
 * render, the library's runBenchmark); nothing below it parses options again.
 */
import { existsSync } from 'node:fs';
import { allOptionRows, driverNames, findPlugin } from '../drivers/index.js';
import type { BrokerPlugin } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';
import { checkFailoverEndpoint } from '../faults/failover-endpoint.js';
import { parsePidList } from '../metrics/broker-cost.js';
import { parseOptions, type OptionValues } from '../options.js';
import type { EndpointChoice, ProvisionMode } from '../provision/types.js';
import { findScenario, scenarioNames, type Scenario } from '../scenarios/index.js';
import { refuseBacklogWithout, withBacklog } from './backlog.js';
import { endpointUrlProblem, shownUrl } from './endpoint-url.js';
import { faultPlanOf, withClientPlacement, withScenarioDefaults } from './fault-options.js';
import type { GivenOptions, RunPlan } from './types.js';
import { required, resolveWorkload, withFault } from './workload.js';

export type { GivenOptions, RunPlan } from './types.js';

function requiredText(value: unknown, what: string, valid: readonly string[]): string {
  if (value === undefined || String(value).trim() === '') throw new UsageError(`--${what} is required; valid ${what}s: ${valid.join(', ')}`);
  return String(value);
}

/** What a run is aimed at: the brokers named (`--broker a,b`), the scenario, and the other run options as given. */
export interface Target {
  brokers: string[];
  scenario: string;
  /** the run options (flag name -> raw value), without broker and scenario */
  options: Record<string, string | number | boolean>;
}

/** The brokers and the scenario, each required (one line naming the valid ones), and the rest of the options. */
export function targetOf(given: GivenOptions): Target {
  const { broker, scenario, ...options } = given;
  const brokers = requiredText(broker, 'broker', driverNames).split(',').map((b) => b.trim());
  return { brokers, scenario: requiredText(scenario, 'scenario', scenarioNames), options };
}

/**
 * One plan per named broker (`--broker a,b` runs the same workload on each), every one checked
 * before the first runs: a typo for the second broker must not cost the first run.
 */
export function planRuns(given: GivenOptions): RunPlan[] {
  const { brokers, scenario: scenarioText, options } = targetOf(given);
  const plugins = brokers.map((name) => findPlugin(name));
  const scenario = findScenario(scenarioText);
  const values = parseOptions(allOptionRows(), withScenarioDefaults(scenario, options), brokers);
  return plugins.map((plugin) => planFor(plugin, scenario, ownValues(plugin, values)));
}

/** The plan of a run on exactly one broker (library, calibrate, k8s render). */
export function planRun(given: GivenOptions): RunPlan {
  const plans = planRuns(given);
  if (plans.length !== 1) throw new UsageError(`--broker: name one broker here, got ${plans.length}`);
  return plans[0] as RunPlan;
}

/** With several brokers, each run gets the common options and its own broker's (a plug-in's options only for its runs). */
function ownValues(plugin: BrokerPlugin, values: OptionValues): OptionValues {
  const foreign = new Set(allOptionRows().filter((row) => row.broker !== undefined && row.broker !== plugin.name).map((row) => row.name));
  return Object.fromEntries(Object.entries(values).filter(([name]) => !foreign.has(name)));
}

/** The chain for one broker: workload, fault plan, endpoint. */
function planFor(plugin: BrokerPlugin, scenario: Scenario, values: OptionValues): RunPlan {
  refuseBacklogWithout(plugin, scenario);
  const resolved = withBacklog(scenario, resolveWorkload(plugin, scenario, values), values);
  const fault = faultPlanOf(scenario, values, resolved.durationUs);
  const workload = fault ? withFault(resolved, withClientPlacement(plugin, values, fault.plan, fault.record), values) : resolved;
  const endpoint = endpointOf(plugin, values);
  if (fault) checkFailoverEndpoint(plugin, endpoint, fault.plan);
  const brokerPids = namedBrokerPids(values['broker-pid']);
  const warnings = plugin.limitWarnings?.(workload) ?? [];
  return {
    broker: plugin.name,
    scenario: scenario.name,
    workload,
    endpoint,
    provision: required<ProvisionMode>(values, 'provision'),
    connectTimeoutMs: required<number>(values, 'connect-timeout'),
    ...(values['broker-version'] !== undefined ? { brokerVersion: String(values['broker-version']) } : {}),
    ...(brokerPids ? { brokerPids } : {}),
    workers: required<number>(values, 'workers'),
    repeat: required<number>(values, 'repeat'),
    ...(fault ? { fault: fault.plan } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The endpoint a run on `plugin` uses: the URL option, else its environment variable, else the default. */
export function endpointOf(plugin: BrokerPlugin, values: OptionValues): EndpointChoice {
  const spec = plugin.endpoint;
  if (!spec) return { url: `${plugin.name}://`, named: false };
  const named = values[spec.option] ?? process.env[spec.env];
  if (named === undefined) return { url: spec.defaultUrl, named: false };
  const url = String(named).trim();
  const source = values[spec.option] !== undefined ? `--${spec.option}` : spec.env;
  if (url === '') throw new UsageError(`${source}: must not be empty`);
  const problem = endpointUrlProblem(url, spec.defaultUrl) ?? spec.problemWith?.(url);
  // the URL itself is never echoed: it may carry a password
  if (problem) throw new UsageError(`${source}: ${shownUrl(url)}: ${problem}`);
  return { url, named: true };
}

/** --broker-pid: whole numbers, each a live process on this host (one line otherwise). */
function namedBrokerPids(raw: string | number | boolean | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const pids = parsePidList(String(raw));
  if (!pids) throw new UsageError(`--broker-pid: must be process ids, comma-separated (e.g. 4242 or 4242,4343), got "${String(raw).slice(0, 40)}"`);
  const gone = pids.find((pid) => !existsSync(`/proc/${pid}/stat`));
  if (gone !== undefined) throw new UsageError(`--broker-pid: no process ${gone} on this host`);
  return pids;
}
