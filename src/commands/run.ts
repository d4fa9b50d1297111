import { planBenchmark, runBenchmark, type BenchmarkOptions } from '../benchmark.js';
import { driverNames } from '../drivers/index.js';
import type { Progress } from '../engine/run.js';
import type { WorkloadOverrides } from '../engine/workload.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatCount } from '../report/format.js';
import { renderSummary } from '../report/summary.js';
import { writeResult } from '../results/store.js';
import type { RunResult } from '../results/types.js';
import { scenarioNames } from '../scenarios/index.js';
import type { ProvisionMode } from './endpoints.js';
import type { WorkloadFile } from './workload-file.js';

export interface RunOptions extends WorkloadOverrides {
  broker: string;
  scenario: string;
  out: string;
  json: boolean;
  progress: boolean;
  /** URL per broker name, from --rabbit-url, --kafka-url, --faulty-url */
  urls: Record<string, string>;
  connectTimeout: number;
  workers: number;
  provision?: ProvisionMode;
  /** print the summary (or JSON) on stdout; the harness prints its own table */
  print?: boolean;
}

export interface RunOutcome {
  exitCode: number;
  result: RunResult;
  path: string;
}

type CommonOptions = Pick<RunOptions, 'out' | 'json' | 'progress' | 'connectTimeout' | 'urls' | 'provision'>;

/** Runs a workload (from flags and/or a workload file) on each named broker, `repeat` times. Returns the worst exit code. */
export async function runMany(
  raw: WorkloadFile,
  common: CommonOptions,
): Promise<number> {
  if (raw.broker === undefined || String(raw.broker).trim() === '') {
    throw new UsageError(`--broker is required; valid brokers: ${driverNames.join(', ')}`);
  }
  if (raw.scenario === undefined || String(raw.scenario).trim() === '') {
    throw new UsageError(`--scenario is required; valid scenarios: ${scenarioNames.join(', ')}`);
  }
  const brokers = String(raw.broker).split(',').map((b) => b.trim());
  // validate everything before the first run starts: a typo in the second broker must not cost the first run
  const repeat = raw.repeat === undefined ? 1 : positiveWhole(raw.repeat, '--repeat');
  const workers = raw.workers === undefined ? 1 : positiveWhole(raw.workers, '--workers');
  for (const broker of brokers) planBenchmark({ ...overridesFrom(raw), broker, scenario: String(raw.scenario), workers });
  let worst = 0;
  for (let r = 1; r <= repeat; r++) {
    for (const broker of brokers) {
      if (repeat > 1 || brokers.length > 1) process.stderr.write(`== ${broker} / ${String(raw.scenario)}${repeat > 1 ? ` (repeat ${r} of ${repeat})` : ''}\n`);
      const outcome = await runCommand({ ...common, ...overridesFrom(raw), broker, scenario: String(raw.scenario), workers });
      worst = Math.max(worst, outcome.exitCode);
      if (outcome.result.status === 'aborted' && outcome.result.error === 'interrupted') return worst;
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
  if (raw['stall-timeout'] !== undefined) out.stallTimeout = String(raw['stall-timeout']);
  if (raw['max-outstanding'] !== undefined) out.maxOutstanding = num(raw['max-outstanding']);
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

function progressPrinter(label: string): (p: Progress) => void {
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const line = `${label} ${p.phase.padEnd(7)} ${(p.elapsedUs / 1_000_000).toFixed(0).padStart(4)}s  sent ${formatCount(p.sentPerSec).padStart(9)}/s  received ${formatCount(p.receivedPerSec).padStart(9)}/s`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
}

const exitCodeOf: Record<RunResult['status'], number> = {
  completed: ExitCode.ok,
  // the run went to its end, but not every send was confirmed: never a plain success
  'completed-with-errors': ExitCode.checkFailed,
  aborted: ExitCode.aborted,
  errored: ExitCode.aborted,
};

/** Ctrl-C / SIGTERM: the first stops the run in order (partial result), a second quits at once. */
function interruptHandler(log: (line: string) => void): { signal: AbortSignal; release: () => void } {
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
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** `bench run`: one workload on one broker, result written atomically, summary on stdout. */
export async function runCommand(options: RunOptions): Promise<RunOutcome> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const hello = options.scenario === 'hello-world';
  const url = options.urls[options.broker];
  const interrupts = interruptHandler(log);
  const benchmark: BenchmarkOptions = {
    ...options,
    ...(url !== undefined ? { url } : {}),
    connectTimeoutMs: options.connectTimeout,
    signal: interrupts.signal,
    log,
    ...(options.progress && !hello ? { onProgress: progressPrinter(`[${options.broker}/${options.scenario}]`) } : {}),
    ...(hello ? { onMessageText: (text: string, latencyUs: number) => void process.stdout.write(` [x] Received '${text}' (end-to-end ${formatCount(latencyUs)} us)\n`) } : {}),
  };
  if (hello) process.stdout.write(` [x] Sending 'Hello World!' on ${options.broker}\n`);
  let result: RunResult;
  try {
    result = await runBenchmark(benchmark);
  } finally {
    interrupts.release();
  }
  if (options.progress && process.stderr.isTTY && !hello) process.stderr.write('\n');
  const path = await writeResult(options.out, result);
  if (result.status === 'errored') log(`bench: ${result.error}`);
  if (options.print === false) {
    // the caller renders
  } else if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${renderSummary(result)}result: ${path}\n`);
  return { exitCode: exitCodeOf[result.status], result, path };
}
