import { randomBytes } from 'node:crypto';
import { findDriver } from '../drivers/index.js';
import type { Driver } from '../drivers/types.js';
import { runWorkload, type Progress } from '../engine/run.js';
import { resolveWorkload, type WorkloadOverrides } from '../engine/workload.js';
import { ExitCode, MqbenchError } from '../errors.js';
import { renderSummary } from '../report/summary.js';
import { describeEnvironment } from '../results/environment.js';
import { writeResult } from '../results/store.js';
import { schemaVersion, type RunResult } from '../results/types.js';
import { findScenario } from '../scenarios/index.js';
import { formatCount } from '../report/format.js';
import { redactSecretsIn } from '../util/redact.js';
import { ensureBroker, kafkaEndpoint, rabbitEndpoint } from './endpoints.js';

export interface RunOptions extends WorkloadOverrides {
  broker: string;
  scenario: string;
  out: string;
  json: boolean;
  progress: boolean;
  rabbitUrl?: string;
  kafkaUrl?: string;
  connectTimeout: number;
}

export interface RunOutcome {
  exitCode: number;
  result: RunResult | undefined;
  path: string | undefined;
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
  const brokerVersion = await ensureBroker(entry.name, endpoint, log);
  const driver: Driver = entry.create({
    url: endpoint.url,
    settings: workload.driver,
    connectTimeoutMs: options.connectTimeout,
    ...(brokerVersion ? { brokerVersion } : {}),
  });
  await driver.connect();

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
    const measurement = await runWorkload(driver, workload, id, {
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
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${renderSummary(result)}result: ${path}\n`);
    return { exitCode: result.status === 'completed' ? ExitCode.ok : ExitCode.aborted, result, path };
  } catch (error) {
    if (error instanceof MqbenchError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new MqbenchError(`run failed: ${redactSecretsIn(message, secrets)}`, ExitCode.aborted);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await driver.close().catch(() => undefined);
  }
}
