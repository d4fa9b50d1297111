/**
 * One run from its plan to its result: the broker found or started, the driver connected, the run
 * mode chosen (in this process, worker processes, or failover), the engine's lifecycle run, the
 * result built (secrets removed), the driver closed. Called by `bench run` and its siblings
 * (commands/), calibrate and the library (runBenchmark); prints nothing.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { findPlugin, loadExternalPlugins } from '../drivers/index.js';
import type { BrokerPlugin, ProvidedBroker } from '../drivers/plugin.js';
import type { Driver, DriverInfo, DriverOptions } from '../drivers/types.js';
import { executorFor } from '../engine/executors/index.js';
import { failoverMode } from '../engine/failover-run.js';
import { inProcessMode } from '../engine/in-process.js';
import type { Measurement } from '../engine/merge.js';
import { inPhase } from '../engine/phases.js';
import { buildAbortedResult, buildErroredResult, buildResult, brokerRecordOf, type RunIdentity } from '../engine/result.js';
import { stopReasonOf } from '../engine/stall.js';
import { runWorkload, topologyOf, type Progress, type RunHooks, type RunMode } from '../engine/run.js';
import { workerPoolMode } from '../engine/workers.js';
import { BrokerUnreachableError, MqbenchError, PhaseAbortedError, RunAbortedError, UsageError } from '../errors.js';
import { failoverPlanOf, provideFailoverEndpoint } from '../faults/failover-endpoint.js';
import { planRun, type GivenOptions, type RunPlan } from '../plan/index.js';
import { describeEnvironment } from '../results/environment.js';
import type { BrokerRecord, RunResult } from '../results/types.js';
import { withTimeout } from '../util/clock.js';
import { redactSecretsIn, redactUrl } from '../util/redact.js';
import { BrokerCostSampler, brokerCostSource, type CostSource } from './broker-sampler.js';

/** What a caller watches and controls while a run goes. */
export interface RunHandlers {
  /** abort the run early: producers stop, a short drain, an aborted result */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** hello-world: the text each consumer received */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** provisioning messages ("starting a local Kafka ...") and warnings; default: silent */
  log?: (line: string) => void;
  /** the run's id (8 hex digits), when the caller needs it before the run; default: a random one */
  runId?: string;
  /** the broker did not answer the teardown: it is frozen or gone (a caller's after-run look at it would wait too) */
  onBrokerSilent?: () => void;
}

/** The library's request: a broker, a scenario and run options by their flag names. */
export interface BenchmarkOptions extends RunHandlers {
  broker: string;
  scenario: string;
  /**
   * Run options by their flag names, as on the command line or in a workload file, e.g.
   * { rate: 2000, duration: '10s', size: '1KiB' } plus the broker plug-in's own (`bench run --help`).
   */
  options?: GivenOptions;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Runs one workload on one broker and returns its result, printing nothing (the library API).
 * Throws UsageError (bad input) or BrokerUnreachableError before anything runs; once connected,
 * every outcome is a RunResult: completed, completed-with-errors, aborted or errored.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<RunResult> {
  // MQBENCH_PLUGINS reaches the library as it reaches the CLI (each module loads once)
  await loadExternalPlugins();
  return runPlan(planRun({ ...options.options, broker: options.broker, scenario: options.scenario }), options);
}

/** Runs a plan (planRuns made it); as runBenchmark. */
export async function runPlan(plan: RunPlan, handlers: RunHandlers = {}): Promise<RunResult> {
  const plugin = findPlugin(plan.broker);
  const provided = await provide(plugin, plan, handlers.log ?? (() => undefined));
  const costSource = await brokerCostSource(plugin, provided.url, plan.brokerPids);
  const driverOptions = driverOptionsOf(plugin, plan, provided);
  const driver = plugin.create(driverOptions);
  const silence = { unanswered: false };
  try {
    await connectBounded(driver, plan, handlers);
    const run: ConnectedRun = { driver, plugin, plan, driverOptions, handlers, secrets: [plan.endpoint.url, provided.url], silence };
    return await measure(run, costSource);
  } finally {
    // a broker that did not answer the teardown will not answer a polite close either
    const closeMs = silence.unanswered ? 1000 : 5000;
    await withTimeout(driver.close(), closeMs, () => new Error('close timed out')).catch(() => undefined);
    if (provided.release) await withTimeout(provided.release(), 15_000, () => new Error('release timed out')).catch(() => undefined);
  }
}

/**
 * Connects within the driver's own timeout plus 5 s (a client library that never gives up must not
 * hold the run), or until interrupted. No result before a connection: unreachable is exit 3, an interrupt exit 4.
 */
async function connectBounded(driver: Driver, plan: RunPlan, handlers: RunHandlers): Promise<void> {
  const interrupted = (): string | undefined => (handlers.signal?.aborted ? stopReasonOf(handlers.signal) : undefined);
  try {
    await inPhase('connect', driver.connect(), (plan.connectTimeoutMs + 5000) * 1000, interrupted);
  } catch (error) {
    if (!(error instanceof PhaseAbortedError)) throw error;
    if (error.reason === 'interrupted') throw new RunAbortedError('interrupted while connecting: nothing was measured, no result');
    throw new BrokerUnreachableError(`${plan.broker} at ${redactUrl(plan.endpoint.url)}: ${error.reason}`);
  }
}

/** The failover scenario's cluster, else the plug-in's endpoint: named as is, the default one found or started. */
function provide(plugin: BrokerPlugin, plan: RunPlan, log: (line: string) => void): Promise<ProvidedBroker> {
  if (plan.fault) return provideFailoverEndpoint(plugin, plan.endpoint, log);
  if (plugin.provide) return plugin.provide(plan.endpoint, plan.provision, log);
  return Promise.resolve({ url: plan.endpoint.url });
}

function driverOptionsOf(plugin: BrokerPlugin, plan: RunPlan, provided: ProvidedBroker): DriverOptions {
  const brokerVersion = provided.version ?? (plan.brokerVersion ? `${plan.brokerVersion} (as given by --broker-version)` : undefined);
  return {
    url: provided.url,
    settings: plan.workload.driver,
    connectTimeoutMs: plan.connectTimeoutMs,
    ...(brokerVersion ? { brokerVersion } : {}),
    ...(plugin.startHint ? { startHint: plugin.startHint(plan.endpoint.named) } : {}),
  };
}

interface ConnectedRun {
  driver: Driver;
  plugin: BrokerPlugin;
  plan: RunPlan;
  driverOptions: DriverOptions;
  handlers: RunHandlers;
  /** the URLs as given and as provided: removed from any error text */
  secrets: string[];
  /** set when the teardown got no answer: closing then waits briefly */
  silence: { unanswered: boolean };
}

/** A worker process for --workers N (run/worker-process.ts), with the IPC channel the pool talks over. */
function forkWorker() {
  const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
  return fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function modeOf(run: ConnectedRun, hooks: RunHooks): RunMode<Measurement> {
  const { plan, plugin } = run;
  if (plan.workers > 1) {
    const pool = { workers: plan.workers, broker: plugin.name, driverOptions: run.driverOptions, privateBroker: plugin.inProcess === true, fork: forkWorker };
    return workerPoolMode(plan.workload, pool, hooks);
  }
  if (plan.fault) return failoverMode(plan.workload, failoverPlanOf(plugin, plan.endpoint, plan.fault), hooks);
  return inProcessMode(plan.workload, hooks);
}

/** After connecting: the run, and a result whatever happens. */
async function measure(run: ConnectedRun, costSource: CostSource): Promise<RunResult> {
  const { plan, handlers } = run;
  const executor = executorFor(plan.workload);
  const startedAt = new Date();
  const id = handlers.runId ?? newRunId();
  const identity = (broker: BrokerRecord): RunIdentity => ({ id, startedAt, finishedAt: new Date(), broker, workload: plan.workload, environment: describeEnvironment(), loop: executor.loop, executor: executor.description });
  let info: DriverInfo | undefined;
  // broker cost: the sampler learns the run's start from the progress ticks, so they always run
  const sampler = 'processes' in costSource ? new BrokerCostSampler(costSource.processes, plan.workload) : undefined;
  const hooks: RunHooks = {
    onProgress: (progress) => {
      sampler?.onProgress(progress);
      handlers.onProgress?.(progress);
    },
    ...(handlers.onMessageText ? { onMessageText: handlers.onMessageText } : {}),
    ...(handlers.signal ? { signal: handlers.signal } : {}),
    ...(handlers.log ? { onWarning: handlers.log } : {}),
    onSetUp: (setUp) => (info = setUp),
    onTeardownUnanswered: () => {
      run.silence.unanswered = true;
      handlers.onBrokerSilent?.();
    },
  };
  try {
    const { foreignMessages: _foreign, ...measured } = await runWorkload(run.driver, topologyOf(plan.workload, id), modeOf(run, hooks), hooks, plan.workload.stallTimeoutUs);
    const error = measured.error === undefined ? {} : { error: redactSecretsIn(measured.error, run.secrets) };
    const brokerCost = sampler ? await sampler.finish(measured.counts.sent, measured.throughput.sendWindowUs, measured.timeline) : { measured: false as const, reason: 'reason' in costSource ? costSource.reason : 'not sampled' };
    return { ...buildResult(identity(await brokerRecord(run, info)), { ...measured, ...error }), brokerCost };
  } catch (error) {
    sampler?.stop();
    if (error instanceof UsageError) throw error;
    if (error instanceof PhaseAbortedError) {
      if (error.reason === 'interrupted') handlers.log?.(`interrupted during ${error.phase}: nothing was measured`);
      else handlers.log?.(`bench: ${redactSecretsIn(error.reason, run.secrets)}`);
      return buildAbortedResult(identity(await brokerRecord(run, info)), redactSecretsIn(error.reason, run.secrets));
    }
    const message = error instanceof Error ? error.message : String(error);
    const prefix = error instanceof MqbenchError ? '' : 'run failed: ';
    return buildErroredResult(identity(await brokerRecord(run, info)), redactSecretsIn(`${prefix}${message}`, run.secrets));
  }
}

/** What the driver says about itself; a driver that cannot say (broker gone) still gets a record. */
async function brokerRecord(run: ConnectedRun, known: DriverInfo | undefined): Promise<BrokerRecord> {
  const info = known ?? (await withTimeout(run.driver.info(), 5000, () => new Error('no answer')).catch(() => undefined));
  return brokerRecordOf(info, { name: run.driver.name, version: run.driverOptions.brokerVersion ?? 'unknown', url: redactUrl(run.driverOptions.url) });
}
