import { randomBytes } from 'node:crypto';
import { allOptionRows, findPlugin } from './drivers/index.js';
import type { BrokerPlugin, EndpointChoice, ProvisionMode } from './drivers/plugin.js';
import type { Driver, DriverInfo, DriverOptions } from './drivers/types.js';
import { executorFor } from './engine/executors/index.js';
import { runWorkload, type Progress } from './engine/run.js';
import { resolveWorkload } from './engine/workload.js';
import { checkFailoverEndpoint, failoverPlanOf, provideFailoverEndpoint } from './engine/failover-endpoint.js';
import { faultPlanOf, withScenarioDefaults } from './engine/fault-options.js';
import type { FailoverPlan } from './engine/failover-run.js';
import type { FaultPlan } from './faults/index.js';
import { MqbenchError, UsageError } from './errors.js';
import { parseOptions, type OptionValues } from './options.js';
import { buildErroredResult, buildResult, type RunIdentity } from './results/build.js';
import { describeEnvironment } from './results/environment.js';
import type { BrokerRecord, RunResult, Workload } from './results/types.js';
import { findScenario } from './scenarios/index.js';
import { BrokerCostSampler, brokerCostSource, namedBrokerPids, type CostSource } from './metrics/broker-sampler.js';
import { withTimeout } from './util/clock.js';
import { redactSecretsIn, redactUrl } from './util/redact.js';

export interface BenchmarkOptions {
  broker: string;
  scenario: string;
  /**
   * Run options by their flag names, as on the command line or in a workload file, e.g.
   * { rate: 2000, duration: '10s', size: '1KiB' } plus the broker plug-in's own (`bench run --help`).
   */
  options?: Readonly<Record<string, string | number | boolean>>;
  /** abort the run early: producers stop, a short drain, an aborted result */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** hello-world: the text each consumer received */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** provisioning messages ("starting a local Kafka ...") and warnings; default: silent */
  log?: (line: string) => void;
  /** the run's id (8 hex digits), when the caller needs it before the run; default: a random one */
  runId?: string;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export interface BenchmarkPlan {
  plugin: BrokerPlugin;
  workload: Workload;
  values: OptionValues;
  /** the failover scenario's fault plan */
  fault?: FaultPlan;
}

/** Checks everything that can be checked before connecting; throws UsageError with one line. */
export function planBenchmark(options: BenchmarkOptions): BenchmarkPlan {
  const plugin = findPlugin(options.broker);
  const values = parseOptions(allOptionRows(), options.options ?? {}, [plugin.name]);
  const scenario = findScenario(options.scenario);
  const workload = resolveWorkload(plugin, scenario, values);
  const fault = faultPlanOf(scenario, withScenarioDefaults(scenario, values), workload.durationUs)?.plan;
  if (!fault) return { plugin, values, workload };
  checkFailoverEndpoint(plugin, endpointOf(plugin, values), fault);
  return { plugin, values, workload, fault };
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
  const problem = spec.problemWith?.(url);
  // the URL itself is never echoed: it may carry a password
  if (problem) throw new UsageError(`${source}: ${redactUrl(url).slice(0, 80)}: ${problem}`);
  return { url, named: true };
}

/**
 * Runs one workload on one broker and returns its result, printing nothing (the library API).
 * Throws UsageError (bad input) or BrokerUnreachableError before anything runs; once connected,
 * every outcome is a RunResult: completed, completed-with-errors, aborted or errored.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<RunResult> {
  const { plugin, workload, values, fault } = planBenchmark(options);
  const log = options.log ?? (() => undefined);
  const endpoint = endpointOf(plugin, values);
  const provision = (values.provision ?? 'auto') as ProvisionMode;
  const namedPids = namedBrokerPids(values['broker-pid']);
  const provided = fault
    ? await provideFailoverEndpoint(plugin, endpoint, log)
    : plugin.provide
      ? await plugin.provide(endpoint, provision, log)
      : { url: endpoint.url };
  const costSource = await brokerCostSource(plugin, provided.url, namedPids);
  const connectTimeoutMs = Number(values['connect-timeout'] ?? 5000);
  const driverOptions: DriverOptions = {
    url: provided.url,
    settings: workload.driver,
    connectTimeoutMs,
    ...(provided.version ? { brokerVersion: provided.version } : values['broker-version'] ? { brokerVersion: `${String(values['broker-version'])} (as given by --broker-version)` } : {}),
    ...(plugin.startHint ? { startHint: plugin.startHint(endpoint.named) } : {}),
  };
  const driver = plugin.create(driverOptions);
  try {
    await driver.connect();
    const failover = fault ? failoverPlanOf(plugin, endpoint, fault) : undefined;
    return await measure(driver, workload, driverOptions, options, Number(values.workers ?? 1), [endpoint.url, provided.url], costSource, failover);
  } finally {
    await withTimeout(driver.close(), 5000, () => new Error('close timed out')).catch(() => undefined);
    await provided.release?.().catch(() => undefined);
  }
}

/** After connecting: the run, and a result whatever happens. */
async function measure(
  driver: Driver,
  workload: Workload,
  driverOptions: DriverOptions,
  options: BenchmarkOptions,
  workers: number,
  secrets: string[],
  costSource: CostSource,
  failover?: FailoverPlan,
): Promise<RunResult> {
  const executor = executorFor(workload);
  const startedAt = new Date();
  const id = options.runId ?? newRunId();
  const identity = (broker: BrokerRecord): RunIdentity => ({
    id,
    startedAt,
    finishedAt: new Date(),
    broker,
    workload,
    environment: describeEnvironment(),
    loop: executor.loop,
    executor: executor.description,
  });
  let info: DriverInfo | undefined;
  // broker cost: the sampler learns the run's start from the progress ticks, so they always run
  const sampler = 'processes' in costSource ? new BrokerCostSampler(costSource.processes, workload) : undefined;
  try {
    const measurement = await runWorkload(driver, workload, { runId: id, workers, driverOptions, ...(failover ? { failover } : {}) }, {
      onProgress: (progress) => {
        sampler?.onProgress(progress);
        options.onProgress?.(progress);
      },
      ...(options.onMessageText ? { onMessageText: options.onMessageText } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { onWarning: options.log } : {}),
      onSetUp: (setUp) => {
        info = setUp;
      },
    });
    const { foreignMessages: _foreign, ...measured } = measurement;
    const error = measured.error === undefined ? {} : { error: redactSecretsIn(measured.error, secrets) };
    const brokerCost = sampler ? await sampler.finish(measured.counts.sent, measured.throughput.sendWindowUs, measured.timeline) : { measured: false as const, reason: 'reason' in costSource ? costSource.reason : 'not sampled' };
    return { ...buildResult(identity(await brokerRecord(driver, driverOptions, info)), { ...measured, ...error }), brokerCost };
  } catch (error) {
    sampler?.stop();
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const prefix = error instanceof MqbenchError ? '' : 'run failed: ';
    return buildErroredResult(identity(await brokerRecord(driver, driverOptions, info)), redactSecretsIn(`${prefix}${message}`, secrets));
  }
}

/** What the driver says about itself; a driver that cannot say (broker gone) still gets a record. */
async function brokerRecord(driver: Driver, driverOptions: DriverOptions, known: DriverInfo | undefined): Promise<BrokerRecord> {
  const info = known ?? (await withTimeout(driver.info(), 5000, () => new Error('no answer')).catch(() => undefined));
  if (!info) {
    return { name: driver.name, version: driverOptions.brokerVersion ?? 'unknown', url: redactUrl(driverOptions.url), client: { name: 'unknown', version: 'unknown' }, settings: {}, mapping: 'unknown (the driver did not answer)' };
  }
  return { name: info.broker, version: info.brokerVersion, url: info.url, client: info.client, settings: info.settings, mapping: info.mapping };
}
