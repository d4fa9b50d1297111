import { randomBytes } from 'node:crypto';
import { kafkaEndpoint, provideBroker, rabbitEndpoint, type EndpointChoice, type ProvisionMode } from './commands/endpoints.js';
import { findDriver, type DriverEntry } from './drivers/index.js';
import type { Driver, DriverInfo, DriverOptions } from './drivers/types.js';
import { executorFor } from './engine/executors/index.js';
import { runWorkload, type Progress } from './engine/run.js';
import { resolveWorkload, type WorkloadOverrides } from './engine/workload.js';
import { MqbenchError, UsageError } from './errors.js';
import { buildErroredResult, buildResult, type RunIdentity } from './results/build.js';
import { describeEnvironment } from './results/environment.js';
import type { BrokerRecord, RunResult, Workload } from './results/types.js';
import { findScenario } from './scenarios/index.js';
import { withTimeout } from './util/clock.js';
import { redactSecretsIn, redactUrl } from './util/redact.js';

export interface BenchmarkOptions extends WorkloadOverrides {
  broker: string;
  scenario: string;
  /** the broker's URL; default: its default endpoint (or MQBENCH_RABBIT_URL / MQBENCH_KAFKA_URL) */
  url?: string;
  /** spread producers and consumers over N worker processes (default 1: in this process) */
  workers?: number;
  /** how a missing default broker is started (default auto) */
  provision?: ProvisionMode;
  /** ms to wait for the broker to answer (default 5000) */
  connectTimeoutMs?: number;
  /** abort the run early: producers stop, a short drain, an aborted result */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** hello-world: the text each consumer received */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** provisioning messages ("starting a local Kafka ...") and warnings; default: silent */
  log?: (line: string) => void;
}

function endpointFor(entry: DriverEntry, url: string | undefined): EndpointChoice {
  if (entry.name === 'rabbit') return rabbitEndpoint(url);
  if (entry.name === 'kafka') return kafkaEndpoint(url);
  return { url: url ?? entry.defaultUrl ?? `${entry.name}://`, named: url !== undefined };
}

function startHint(entry: DriverEntry, named: boolean): string {
  if (entry.name === 'rabbit') {
    return named
      ? 'is a broker running there? a local one starts with `rabbitmq-server -detached`; the URL came from --rabbit-url or MQBENCH_RABBIT_URL'
      : 'start it with `rabbitmq-server -detached` or `npx bench brokers up rabbit`, or pass --rabbit-url';
  }
  if (entry.name === 'kafka') {
    return named
      ? 'is a broker running there? a local one starts with `npx bench brokers up kafka`; the address came from --kafka-url or MQBENCH_KAFKA_URL'
      : 'start one with `npx bench brokers up kafka`, or pass --kafka-url';
  }
  return 'an in-process broker needs nothing started';
}

/** Checks everything that can be checked before connecting; throws UsageError with one line. */
export function planBenchmark(options: BenchmarkOptions): { entry: DriverEntry; workload: Workload } {
  const entry = findDriver(options.broker);
  const workload = resolveWorkload(entry.name, findScenario(options.scenario), options);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers <= 0) throw new UsageError(`--workers: must be a whole number greater than zero, got "${String(options.workers)}"`);
  return { entry, workload };
}

/**
 * Runs one workload on one broker and returns its result, printing nothing (the library API).
 * Throws UsageError (bad input) or BrokerUnreachableError before anything runs; once connected,
 * every outcome is a RunResult: completed, completed-with-errors, aborted or errored.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<RunResult> {
  const { entry, workload } = planBenchmark(options);
  const log = options.log ?? (() => undefined);
  const endpoint = endpointFor(entry, options.url);
  const provided = await provideBroker(entry.name, endpoint, options.provision ?? 'auto', log);
  const driverOptions: DriverOptions = {
    url: provided.url,
    settings: workload.driver,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    ...(provided.version ? { brokerVersion: provided.version } : {}),
    startHint: startHint(entry, endpoint.named),
  };
  const driver = entry.create(driverOptions);
  try {
    await driver.connect();
    return await measure(driver, workload, driverOptions, options, [endpoint.url, provided.url]);
  } finally {
    await withTimeout(driver.close(), 5000, () => new Error('close timed out')).catch(() => undefined);
    await provided.release?.().catch(() => undefined);
  }
}

/** After connecting: the run, and a result whatever happens. */
async function measure(driver: Driver, workload: Workload, driverOptions: DriverOptions, options: BenchmarkOptions, secrets: string[]): Promise<RunResult> {
  const executor = executorFor(workload);
  const startedAt = new Date();
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
  const id = randomBytes(4).toString('hex');
  let info: DriverInfo | undefined;
  try {
    const measurement = await runWorkload(driver, workload, { runId: id, workers: options.workers ?? 1, driverOptions }, {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onMessageText ? { onMessageText: options.onMessageText } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { onWarning: options.log } : {}),
      onSetUp: (setUp) => {
        info = setUp;
      },
    });
    const { foreignMessages: _foreign, ...measured } = measurement;
    const error = measured.error === undefined ? {} : { error: redactSecretsIn(measured.error, secrets) };
    return buildResult(identity(await brokerRecord(driver, driverOptions, info)), { ...measured, ...error });
  } catch (error) {
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
