import { endpointOf, newRunId, planBenchmark, runBenchmark, type BenchmarkOptions } from '../benchmark.js';
import { leftoversOf } from './clean.js';
import { progressDisplay } from './progress-display.js';
import { allOptionRows, driverNames } from '../drivers/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { parseOptions } from '../options.js';
import { formatCount } from '../report/format.js';
import { renderSummary } from '../report/summary.js';
import { writeResult } from '../results/store.js';
import type { RunResult } from '../results/types.js';
import { scenarioNames } from '../scenarios/index.js';
import { requireWritableFolder } from '../util/output-dir.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `bench run` prints and where it writes, beside the run's own options. */
export interface OutputOptions {
  out: string;
  json: boolean;
  progress: boolean;
  /** print the summary (or JSON) on stdout; the harness prints its own table */
  print?: boolean;
}

export interface RunOptions extends OutputOptions {
  broker: string;
  scenario: string;
  /** run options by flag name (the options table), from flags and a workload file */
  options: Readonly<Record<string, string | number | boolean>>;
}

export interface RunOutcome {
  exitCode: number;
  result: RunResult;
  path: string;
}

function requiredText(value: unknown, what: string, valid: readonly string[]): string {
  if (value === undefined || String(value).trim() === '') throw new UsageError(`--${what} is required; valid ${what}s: ${valid.join(', ')}`);
  return String(value);
}

/**
 * Runs a workload (flags and/or a workload file, by option name) on each named broker, `repeat` times.
 * Everything is checked before the first run starts: a typo for the second broker must not cost the first run.
 * Returns the worst exit code.
 */
export async function runMany(given: Readonly<Record<string, string | number | boolean>>, output: OutputOptions): Promise<number> {
  const { broker: brokerList, scenario: scenarioName, ...options } = given;
  const brokers = requiredText(brokerList, 'broker', driverNames).split(',').map((b) => b.trim());
  const scenario = requiredText(scenarioName, 'scenario', scenarioNames);
  const values = parseOptions(allOptionRows(), options, brokers);
  for (const broker of brokers) planBenchmark({ broker, scenario, options: optionsFor(broker, options) });
  await requireWritableFolder(output.out);
  const repeat = Number(values.repeat ?? 1);
  // --json prints exactly one document: one result object for one run, one array for several
  const several = repeat > 1 || brokers.length > 1;
  const collected: RunResult[] = [];
  const printArray = () => {
    if (output.json && several && output.print !== false) process.stdout.write(`${JSON.stringify(collected, null, 2)}\n`);
  };
  let worst = 0;
  for (let r = 1; r <= repeat; r++) {
    for (const broker of brokers) {
      if (several) process.stderr.write(`== ${broker} / ${scenario}${repeat > 1 ? ` (repeat ${r} of ${repeat})` : ''}\n`);
      const outcome = await runCommand({ ...output, ...(output.json && several ? { print: false } : {}), broker, scenario, options: optionsFor(broker, options) });
      collected.push(outcome.result);
      worst = Math.max(worst, outcome.exitCode);
      if (outcome.result.status === 'aborted' && outcome.result.error === 'interrupted') {
        printArray();
        return worst;
      }
    }
  }
  printArray();
  return worst;
}

/** With several brokers, each run gets the common options and its own broker's (a plug-in's options only for its runs). */
function optionsFor(broker: string, options: Readonly<Record<string, string | number | boolean>>): Record<string, string | number | boolean> {
  const foreign = new Set(allOptionRows().filter((row) => row.broker !== undefined && row.broker !== broker).map((row) => row.name));
  return Object.fromEntries(Object.entries(options).filter(([name]) => !foreign.has(name)));
}


/**
 * Writes the result; if --out became unwritable during the run (disk full, read-only), the measurement
 * is kept in the system's temp folder and the user is told where.
 */
async function writeKeepingMeasurement(out: string, result: RunResult, log: (line: string) => void): Promise<string> {
  try {
    return await writeResult(out, result);
  } catch (error) {
    const fallback = await writeResult(join(tmpdir(), 'mqbench-results'), result);
    log(`warning: could not write into ${out} (${(error as NodeJS.ErrnoException).code ?? 'error'}); the result was kept in ${fallback}`);
    return fallback;
  }
}

/** Objects earlier runs left on this run's broker (looked up alongside the run, never failing it). */
async function earlierLeftovers(options: RunOptions, runId: string): Promise<number> {
  try {
    const { plugin, values } = planBenchmark(options);
    if (!plugin.clean) return 0;
    const list = await leftoversOf(plugin, endpointOf(plugin, values).url);
    return list.filter((o) => !o.inUse && !o.name.startsWith(`mqbench-${runId}`)).length;
  } catch {
    return 0;
  }
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
  // A client library that throws from one of its own callbacks (seen: a client's connection pool
  // during a failover) would kill the process with a stack trace and no result: stop the run in
  // order instead, with the error as its reason; a second one quits at once.
  let libraryErrors = 0;
  const onUncaught = (error: Error): void => {
    libraryErrors++;
    if (libraryErrors > 1) {
      log('bench: a client library threw again: quitting (exit 4)');
      process.exit(ExitCode.aborted);
    }
    log('\na client library threw an uncaught error: stopping the run and writing a partial result (the error is in it)');
    // the reason reaches the result through benchmark.ts, which removes the URLs' secrets from it
    controller.abort(`a client library failed: ${error.message.split('\n')[0] ?? String(error)}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onUncaught);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('uncaughtException', onUncaught);
    },
  };
}

/** `bench run`: one workload on one broker, result written atomically, summary on stdout. */
export async function runCommand(options: RunOptions): Promise<RunOutcome> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const hello = options.scenario === 'hello-world';
  const interrupts = interruptHandler(log);
  const runId = newRunId();
  const display = options.progress && !hello ? progressDisplay(`[${options.broker}/${options.scenario}]`) : undefined;
  const benchmark: BenchmarkOptions = {
    broker: options.broker,
    scenario: options.scenario,
    options: options.options,
    runId,
    signal: interrupts.signal,
    log,
    ...(display ? { onProgress: display.update } : {}),
    ...(hello ? { onMessageText: (text: string, latencyUs: number) => void process.stdout.write(` [x] Received '${text}' (end-to-end ${formatCount(latencyUs)} us)\n`) } : {}),
  };
  if (hello) process.stdout.write(` [x] Sending 'Hello World!' on ${options.broker}\n`);
  let result: RunResult;
  try {
    result = await runBenchmark(benchmark);
  } finally {
    interrupts.release();
    display?.stop();
  }
  const path = await writeKeepingMeasurement(options.out, result, log);
  if (result.status === 'errored') log(`bench: ${result.error}`);
  // looked up after the run, not during it: listing may start a broker tool that would share the CPU
  const left = await earlierLeftovers(options, runId);
  if (left > 0) log(`warning: ${left} mqbench-* object(s) that earlier runs left are on the ${options.broker} broker (not in use): \`npx bench clean --broker ${options.broker}\` removes them`);
  if (options.print === false) {
    // the caller renders
  } else if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${renderSummary(result)}result: ${path}\n`);
  return { exitCode: exitCodeOf[result.status], result, path };
}
