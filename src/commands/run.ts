import { randomBytes } from 'node:crypto';
import { driverNames, findDriver } from '../drivers/index.js';
import type { Driver } from '../drivers/types.js';
import { runWorkload, type Progress } from '../engine/run.js';
import { resolveWorkload, type WorkloadOverrides } from '../engine/workload.js';
import { ExitCode, MqbenchError, UsageError } from '../errors.js';
import { renderSummary } from '../report/summary.js';
import { describeEnvironment } from '../results/environment.js';
import { writeResult } from '../results/store.js';
import { schemaVersion, type RunResult } from '../results/types.js';
import { findScenario, scenarioNames } from '../scenarios/index.js';
import type { WorkloadFile } from './workload-file.js';
import { formatCount } from '../report/format.js';
import { withTimeout } from '../util/clock.js';
import { redactSecretsIn } from '../util/redact.js';
import { kafkaEndpoint, provideBroker, rabbitEndpoint, type ProvisionMode } from './endpoints.js';

export interface RunOptions extends WorkloadOverrides {
  broker: string;
  scenario: string;
  out: string;
  json: boolean;
  progress: boolean;
  rabbitUrl?: string;
  kafkaUrl?: string;
  connectTimeout: number;
  workers: number;
  provision?: ProvisionMode;
  /** print the summary (or JSON) on stdout; the harness prints its own table */
  print?: boolean;
}

export interface RunOutcome {
  exitCode: number;
  result: RunResult | undefined;
  path: string | undefined;
}

/** Runs a workload (from flags and/or a workload file) on each named broker, `repeat` times. Returns the worst exit code. */
export async function runMany(
  raw: WorkloadFile,
  common: Pick<RunOptions, 'out' | 'json' | 'progress' | 'connectTimeout' | 'rabbitUrl' | 'kafkaUrl' | 'provision'>,
): Promise<number> {
  if (raw.broker === undefined || String(raw.broker).trim() === '') {
    throw new UsageError(`--broker is required; valid brokers: ${driverNames.join(', ')}`);
  }
  if (raw.scenario === undefined || String(raw.scenario).trim() === '') {
    throw new UsageError(`--scenario is required; valid scenarios: ${scenarioNames.join(', ')}`);
  }
  const brokers = String(raw.broker).split(',').map((b) => b.trim());
  // validate everything before the first run starts: a typo in the second broker must not cost the first run
  for (const broker of brokers) resolveWorkload(findDriver(broker).name, findScenario(String(raw.scenario)), overridesFrom(raw));
  const repeat = raw.repeat === undefined ? 1 : positiveWhole(raw.repeat, '--repeat');
  const workers = raw.workers === undefined ? 1 : positiveWhole(raw.workers, '--workers');
  let worst = 0;
  for (let r = 1; r <= repeat; r++) {
    for (const broker of brokers) {
      if (repeat > 1 || brokers.length > 1) process.stderr.write(`== ${broker} / ${String(raw.scenario)}${repeat > 1 ? ` (repeat ${r} of ${repeat})` : ''}\n`);
      const outcome = await runCommand({ ...common, ...overridesFrom(raw), broker, scenario: String(raw.scenario), workers });
      worst = Math.max(worst, outcome.exitCode);
      if (outcome.result && outcome.result.status !== 'completed' && outcome.result.error === 'interrupted') return worst;
    }
  }
  return worst;
}

function positiveWhole(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what}: must be a whole number greater than zero, got "${String(value)}"`);
  return n;
}

/** Workload-file / flag names -> the engine's overrides. */
function overridesFrom(raw: WorkloadFile): WorkloadOverrides {
  const out: WorkloadOverrides = {};
  const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
  if (raw.duration !== undefined) out.duration = String(raw.duration);
  if (raw.warmup !== undefined) out.warmup = String(raw.warmup);
  if (raw['drain-timeout'] !== undefined) out.drainTimeout = String(raw['drain-timeout']);
  if (raw.size !== undefined) out.size = num(raw.size);
  if (raw.rate !== undefined) out.rate = String(raw.rate);
  if (raw.inflight !== undefined) out.inflight = num(raw.inflight);
  if (raw.messages !== undefined) out.messages = num(raw.messages);
  if (raw.producers !== undefined) out.producers = num(raw.producers);
  if (raw.consumers !== undefined) out.consumers = num(raw.consumers);
  if (raw.partitions !== undefined) out.partitions = num(raw.partitions);
  if (raw.subscriptions !== undefined) out.subscriptions = num(raw.subscriptions);
  if (raw.delivery !== undefined) out.delivery = String(raw.delivery);
  if (raw.confirm !== undefined) out.confirm = Boolean(raw.confirm);
  if (raw.persistent !== undefined) out.persistent = Boolean(raw.persistent);
  if (raw.prefetch !== undefined) out.prefetch = num(raw.prefetch);
  if (raw['multi-ack'] !== undefined) out.multiAck = num(raw['multi-ack']);
  if (raw['kafka-acks'] !== undefined) out.kafkaAcks = String(raw['kafka-acks']);
  if (raw.linger !== undefined) out.linger = num(raw.linger);
  if (raw['batch-size'] !== undefined) out.batchSize = num(raw['batch-size']);
  return out;
}

function newRunId(): string {
  return randomBytes(4).toString('hex');
}

function progressPrinter(label: string): (p: Progress) => void {
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const line = `${label} ${p.phase.padEnd(7)} ${(p.elapsedUs / 1_000_000).toFixed(0).padStart(4)}s  sent ${formatCount(p.sentPerSec).padStart(9)}/s  received ${formatCount(p.receivedPerSec).padStart(9)}/s`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
}

/** `bench run`: one workload on one broker, result written atomically, summary on stdout. */
export async function runCommand(options: RunOptions): Promise<RunOutcome> {
  const entry = findDriver(options.broker);
  const scenario = findScenario(options.scenario);
  const workload = resolveWorkload(entry.name, scenario, options);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const endpoint =
    entry.name === 'rabbit' ? rabbitEndpoint(options.rabbitUrl) : entry.name === 'kafka' ? kafkaEndpoint(options.kafkaUrl) : { url: 'memory://', named: false };
  const secrets = [endpoint.url];
  const provided = await provideBroker(entry.name, endpoint, options.provision ?? 'auto', log);
  const brokerVersion = provided.version;
  const driverOptions = {
    url: provided.url,
    settings: workload.driver,
    connectTimeoutMs: options.connectTimeout,
    ...(brokerVersion ? { brokerVersion } : {}),
    startHint: endpoint.named
      ? entry.name === 'rabbit'
        ? 'is a broker running there? a local one starts with `rabbitmq-server -detached`; the URL came from --rabbit-url or MQBENCH_RABBIT_URL'
        : 'is a broker running there? a local one starts with `npx bench brokers up kafka`; the address came from --kafka-url or MQBENCH_KAFKA_URL'
      : entry.name === 'rabbit'
        ? 'start it with `rabbitmq-server -detached` or `npx bench brokers up rabbit`, or pass --rabbit-url'
        : 'start one with `npx bench brokers up kafka`, or pass --kafka-url',
  };
  const driver: Driver = entry.create(driverOptions);
  try {
    await driver.connect();
  } catch (error) {
    await provided.release?.().catch(() => undefined);
    throw error;
  }

  const id = newRunId();
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.aborted);
    log(`\n${signal}: stopping producers, draining briefly, writing a partial result (again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date();
  const hello = scenario.name === 'hello-world';
  if (hello) process.stdout.write(` [x] Sending 'Hello World!' to ${scenario.stream} on ${entry.name}\n`);
  try {
    const measurement = await runWorkload(driver, workload, { runId: id, workers: options.workers, driverOptions }, {
      ...(options.progress && !hello ? { onProgress: progressPrinter(`[${entry.name}/${scenario.name}]`) } : {}),
      ...(hello
        ? {
            onMessageText: (text: string, latencyUs: number) => {
              process.stdout.write(` [x] Received '${text}' (end-to-end ${formatCount(latencyUs)} us)\n`);
            },
          }
        : {}),
      signal: controller.signal,
    });
    if (options.progress && process.stderr.isTTY) process.stderr.write('\n');
    const base = {
      schemaVersion,
      id,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      broker: {
        name: measurement.info.broker,
        version: measurement.info.brokerVersion,
        url: measurement.info.url,
        client: measurement.info.client,
        settings: measurement.info.settings,
        mapping: measurement.info.mapping,
      },
      workload,
      environment: describeEnvironment(),
      loop: workload.rate === 'max' || workload.messages !== null ? ('closed-loop' as const) : ('open-loop' as const),
      counts: measurement.counts,
      accounting: measurement.accounts,
      consumers: measurement.perConsumer,
      throughput: measurement.throughput,
      latencyUs: measurement.latencyUs,
      timeline: measurement.timeline,
    };
    const result: RunResult =
      measurement.status === 'completed'
        ? { ...base, status: 'completed' }
        : { ...base, status: 'aborted', error: redactSecretsIn(measurement.error ?? 'aborted', secrets) };
    const path = await writeResult(options.out, result);
    if (options.print === false) {
      // the caller renders
    } else if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${renderSummary(result)}result: ${path}\n`);
    return { exitCode: result.status === 'completed' ? ExitCode.ok : ExitCode.aborted, result, path };
  } catch (error) {
    if (error instanceof MqbenchError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new MqbenchError(`run failed: ${redactSecretsIn(message, secrets)}`, ExitCode.aborted);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await withTimeout(driver.close(), 5000, () => new Error('close timed out')).catch(() => undefined);
    await provided.release?.().catch(() => undefined);
  }
}
