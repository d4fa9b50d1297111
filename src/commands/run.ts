/**
 * `bench run`: the plans made once from the options, each run (repeats, brokers) through the run
 * layer, its result written atomically, its summary (or JSON) printed. Also the one-run path that
 * sweep, find-rate, harness and the notes scripts share (runCommand). Returns exit codes; cli.ts exits.
 */
import { findPlugin } from '../drivers/index.js';
import { ExitCode } from '../errors.js';
import { planRun, planRuns, type GivenOptions, type RunPlan } from '../plan/index.js';
import { renderRunsSummary } from '../report/runs-summary.js';
import { exitCodeOfResult, renderSummary } from '../report/summary.js';
import { judgeThresholds, type Threshold, type ThresholdVerdict } from '../report/thresholds.js';
import { writeResultOrLastResort, type KeptResult } from '../results/last-resort.js';
import { csvPathOf, timelineCsv } from '../results/timeline-csv.js';
import type { RunResult } from '../results/types.js';
import { newRunId, runPlan, type RunHandlers } from '../run/benchmark.js';
import { serveLiveMetrics, type LiveMetrics, type RunLabels } from '../run/live-metrics.js';
import type { Progress } from '../engine/progress.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { withTimeout } from '../util/clock.js';
import { formatLatencyUs } from '../util/format.js';
import { nounFor, plural } from '../util/plural.js';
import { printable } from '../util/printable.js';
import { requireWritableFolder } from '../util/output-dir.js';
import { leftoversOf } from './clean.js';
import { runInterrupts, type Quit } from './interrupts.js';
import { progressDisplay } from './progress-display.js';

/** What `bench run` prints and where it writes, beside the run's own plan. */
export interface OutputOptions {
  out: string;
  json: boolean;
  progress: boolean;
  /** print the summary (or JSON) on stdout; the harness prints its own table */
  print?: boolean;
  /** ends the process at once (a second Ctrl-C): cli.ts's process.exit */
  quit: Quit;
  /** --metrics-port as given: live metrics served while the runs go (run/live-metrics.ts) */
  metricsPort?: string;
  /** the endpoint runMany serves them on */
  liveMetrics?: LiveMetrics;
  /** --threshold: conditions each run must meet (parsed before anything connects): a ✗ and exit 1 when missed */
  thresholds?: readonly Threshold[];
  /** --csv: the timeline, a row per second, beside each result JSON */
  csv?: boolean;
  /** --verbose: the summary says why broker cost was not measured */
  verbose?: boolean;
}

export interface RunOutcome {
  exitCode: number;
  result: RunResult;
  path: string;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Runs a workload (flags and/or a workload file, by option name) on each named broker, `repeat` times.
 * Everything is checked before the first run starts (planRuns): a typo for the second broker must
 * not cost the first run. Returns the worst exit code.
 */
export async function runMany(given: GivenOptions, output: OutputOptions): Promise<number> {
  const plans = planRuns(given);
  await requireWritableFolder(output.out);
  // said once, before the first run: a setting past a limit the broker documents (the plug-in's knowledge)
  for (const plan of plans) for (const warning of plan.warnings ?? []) log(`warning: ${plan.broker}: ${warning}`);
  // listening before anything connects: a port in use is one line, exit 2; closed whatever happens
  const liveMetrics = await serveLiveMetrics(output.metricsPort);
  try {
    return await runPlans(plans, { ...output, ...(liveMetrics ? { liveMetrics } : {}) });
  } finally {
    await liveMetrics?.close();
  }
}

/** runMany's runs, in order: each repeat of each plan. */
async function runPlans(plans: readonly RunPlan[], output: OutputOptions): Promise<number> {
  const repeat = plans[0]?.repeat ?? 1;
  // --json prints exactly one document: one result object for one run, one array for several
  const several = repeat > 1 || plans.length > 1;
  const collected: RunResult[] = [];
  let worst: number = ExitCode.ok;
  for (let r = 1; r <= repeat && !stoppedByUser(collected.at(-1)); r++) {
    for (const plan of plans) {
      if (several) log(`== ${plan.broker} / ${plan.scenario}${repeat > 1 ? ` (repeat ${r} of ${repeat})` : ''}`);
      const outcome = await runCommand(plan, { ...output, ...(output.json && several ? { print: false } : {}) });
      collected.push(outcome.result);
      worst = Math.max(worst, outcome.exitCode);
      if (stoppedByUser(outcome.result)) break;
    }
  }
  if (output.json && several && output.print !== false) process.stdout.write(`${JSON.stringify(collected, null, 2)}\n`);
  else if (several && output.print !== false) process.stdout.write(`\n${renderRunsSummary(collected, (r) => exitCodeOfResult(r, judgeThresholds(r, output.thresholds ?? [])) > 0)}`);
  return worst;
}

const stoppedByUser = (result: RunResult | undefined): boolean => result?.status === 'aborted' && result.error === 'interrupted';

/** One run from options (sweep, find-rate, harness and scripts): planned, then as `bench run`'s own. */
export function runOnce(given: GivenOptions, output: OutputOptions): Promise<RunOutcome> {
  return runCommand(planRun(given), output);
}

/**
 * Writes the result; if --out became unwritable during the run (disk full, read-only, removed), the
 * measurement is kept in a private temp folder or, failing that, on stdout (results/last-resort.ts).
 */
async function writeKeepingMeasurement(out: string, result: RunResult, json: boolean): Promise<KeptResult> {
  // with --json the document reaches stdout anyway (alone, or in the array of several runs)
  return writeResultOrLastResort(out, result, { log, ...(json ? {} : { stdout: (text: string) => void process.stdout.write(text) }) });
}

/** How long the after-run look for earlier runs' leftovers may take: a frozen broker must not hold the exit. */
const leftoverLookupMs = 10_000;

/**
 * Objects earlier runs left on this run's broker (looked up after the run, never failing it, bounded;
 * not after an aborted run, whose broker may be frozen or gone).
 */
async function earlierLeftovers(plan: RunPlan, result: RunResult): Promise<number> {
  if (result.status === 'aborted' || result.status === 'errored') return 0;
  const runId = result.id;
  try {
    const plugin = findPlugin(plan.broker);
    if (!plugin.clean) return 0;
    const list = await withTimeout(leftoversOf(plugin, plan.endpoint.url), leftoverLookupMs, () => new Error('no answer'));
    return list.filter((o) => !o.inUse && !o.name.startsWith(`mqbench-${runId}`)).length;
  } catch {
    return 0;
  }
}

/** --csv: the per-second CSV beside the result (atomic); never fails the run that was measured. */
async function writeTimelineCsv(result: RunResult, kept: KeptResult): Promise<void> {
  if (kept.path === undefined) return log('--csv: not written (the result itself went to stdout)');
  const path = csvPathOf(kept.path);
  await writeFileAtomic(path, timelineCsv(result)).then(
    () => log(`timeline CSV: ${printable(path)}`),
    (error: NodeJS.ErrnoException) => log(`--csv: cannot write ${printable(path)} (${error.code ?? error.message})`),
  );
}

/** With --json the summary is not printed: a missed threshold still says so, on stderr. */
function logMissedThresholds(verdicts: readonly ThresholdVerdict[]): void {
  for (const v of verdicts) if (!v.ok) log(`✗ ${v.text}`);
}

const liveLabelsOf = (plan: RunPlan, runId: string): RunLabels => ({ broker: plan.broker, scenario: plan.scenario, run_id: runId });

/** The run's handlers: interrupts, the progress display, hello-world's received text. */
function handlersOf(plan: RunPlan, output: OutputOptions, runId: string, signal: AbortSignal): { handlers: RunHandlers; stopDisplay: () => void } {
  const hello = plan.scenario === 'hello-world';
  const display = output.progress && !hello ? progressDisplay(`[${plan.broker}/${plan.scenario}]`) : undefined;
  const onMessageText = (text: string, latencyUs: number): void => void process.stdout.write(` [x] Received '${text}' (end-to-end ${formatLatencyUs(latencyUs)})\n`);
  const live = output.liveMetrics?.observe(liveLabelsOf(plan, runId));
  const onProgress = display || live ? (p: Progress): void => {
    display?.update(p);
    live?.(p);
  } : undefined;
  const handlers: RunHandlers = { runId, signal, log, ...(onProgress ? { onProgress } : {}), ...(hello ? { onMessageText } : {}) };
  return { handlers, stopDisplay: () => display?.stop() };
}

/** One planned run: result written atomically, summary on stdout. */
export async function runCommand(plan: RunPlan, output: OutputOptions): Promise<RunOutcome> {
  const interrupts = runInterrupts(log, output.quit);
  const runId = newRunId();
  const { handlers, stopDisplay } = handlersOf(plan, output, runId, interrupts.signal);
  let brokerSilent = false;
  handlers.onBrokerSilent = () => (brokerSilent = true);
  if (plan.scenario === 'hello-world') process.stdout.write(` [x] Sending 'Hello World!' on ${plan.broker}\n`);
  let result: RunResult;
  try {
    result = await runPlan(plan, handlers);
  } finally {
    interrupts.release();
    stopDisplay();
    output.liveMetrics?.endRun(liveLabelsOf(plan, runId));
  }
  const kept = await writeKeepingMeasurement(output.out, result, output.json);
  const path = kept.path ?? '-';
  if (output.csv === true) await writeTimelineCsv(result, kept);
  if (result.status === 'errored') log(`bench: ${result.error}`);
  // looked up after the run, not during it: listing may start a broker tool that would share the CPU
  // not of a broker that did not answer the teardown: the look would wait for it too
  const left = brokerSilent ? 0 : await earlierLeftovers(plan, result);
  if (left > 0) log(`warning: ${plural(left, 'mqbench-* object')} that earlier runs left ${nounFor(left, 'is', 'are')} on the ${plan.broker} broker (not in use): \`npx bench clean --broker ${plan.broker}\` removes ${nounFor(left, 'it', 'them')}`);
  // the exit code comes from the summary's own checks (report/summary.ts exitCodeOfResult): a ✗ is never exit 0
  const thresholds = judgeThresholds(result, output.thresholds ?? []);
  const exitCode = exitCodeOfResult(result, thresholds);
  if (output.json) logMissedThresholds(thresholds);
  const summary = (): string => `${renderSummary(result, { thresholds, verbose: output.verbose === true })}result: ${kept.path === undefined ? 'on stdout above' : printable(path)}\n`;
  if (output.print !== false) process.stdout.write(output.json ? `${JSON.stringify(result, null, 2)}\n` : summary());
  // a result kept elsewhere than --out is not a success: a script would not find it
  return { exitCode: kept.elsewhere ? Math.max(exitCode, ExitCode.aborted) : exitCode, result, path };
}
