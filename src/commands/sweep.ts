/**
 * `bench sweep --broker a,b --scenario partitioned --vary partitions=1,2,4,8 [--repeat N]`:
 * one result file per run (the `bench run` path), a sweep file tying them together, and a report
 * with one curve per broker per metric against the varied value.
 */
import { relative } from 'node:path';
import { allOptionRows } from '../drivers/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { sweepProblem, type SweepDocument, type SweepRun } from '../results/sweep.js';
import { orderDescription, parseVary, runOrder } from '../sweep/order.js';
import { pointOf, type SweepRunResult } from '../sweep/points.js';
import type { RunPlan } from '../plan/index.js';
import { stopOnSignals, type Quit } from './interrupts.js';
import { interrupted, newRunId, planPoint, runPlanned, stampOf, targetOf, writeDocument, writeReport, type GivenOptions } from './sweep-runs.js';
import { requireWritableFolder } from '../util/output-dir.js';

export interface SweepCommandOptions {
  vary: string | undefined;
  out: string;
  /** report path without extension; default reports/sweep-<id> */
  report: string | undefined;
  json: boolean;
  progress: boolean;
  quit: Quit;
}

export interface SweepOutcome {
  exitCode: number;
  document: SweepDocument;
  sweepFile: string;
  reportFiles: string[];
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The plan of one broker at one value. */
function planOf(plans: readonly RunPlan[][], valueIndex: number, broker: string): RunPlan {
  const plan = plans[valueIndex]?.find((p) => p.broker === broker);
  if (!plan) throw new Error(`no plan for ${broker} at value ${valueIndex}`);
  return plan;
}

interface PointsToRun {
  plans: RunPlan[][];
  plan: ReturnType<typeof runOrder>;
  vary: ReturnType<typeof parseVary>;
  scenario: string;
  repeats: number;
  output: SweepCommandOptions;
  /** a signal came: no further run starts */
  stopped: AbortSignal;
}

/** The sweep's runs in order, up to the end or an interrupt (then `complete` is false and the exit code at least 4). */
async function runPoints(points: PointsToRun): Promise<{ worst: number; complete: boolean; done: SweepRunResult[] }> {
  const { plans, plan, vary, output, repeats } = points;
  const done: SweepRunResult[] = [];
  let worst: number = ExitCode.ok;
  for (const [index, planned] of plan.entries()) {
    if (points.stopped.aborted) break;
    log(`== sweep ${index + 1}/${plan.length}: ${planned.broker} / ${points.scenario}, ${vary.option}=${planned.value.raw}${repeats > 1 ? ` (repeat ${planned.repeat} of ${repeats})` : ''}`);
    const outcome = await runPlanned(planOf(plans, vary.values.indexOf(planned.value), planned.broker), output.out, output.progress, output.quit);
    const run: SweepRun = { file: relative(output.out, outcome.path) || outcome.path, id: outcome.result.id, repeat: planned.repeat, status: outcome.result.status };
    done.push({ broker: planned.broker, value: planned.value, run, result: outcome.result });
    worst = Math.max(worst, outcome.exitCode);
    if (interrupted(outcome)) return { worst, complete: false, done };
  }
  if (points.stopped.aborted) return { worst: Math.max(worst, ExitCode.aborted), complete: false, done };
  return { worst, complete: true, done };
}

export async function sweepCommand(given: GivenOptions, output: SweepCommandOptions): Promise<SweepOutcome> {
  const target = targetOf(given);
  if (output.vary === undefined) throw new UsageError('--vary is required, e.g. --vary partitions=1,2,4,8');
  const vary = parseVary(output.vary, allOptionRows(), target.brokers);
  if (target.options[vary.option] !== undefined) throw new UsageError(`--${vary.option} and --vary ${vary.option} both given: give the values in --vary only`);
  const { repeat: _repeat, ...options } = target.options;
  // every point planned (and so checked) before the first run: a bad value must not cost the runs before it
  const plans = vary.values.map((value) => planPoint(target, { [vary.option]: value.raw }));
  const repeats = plans[0]?.[0]?.repeat ?? 1;
  await requireWritableFolder(output.out);

  const id = newRunId();
  const createdAt = new Date();
  const plan = runOrder(target.brokers, vary.values, repeats);
  // over the whole sweep, between runs too: a signal stops it, and what it has is written
  const scope = stopOnSignals(log, output.quit, 'stopping the sweep: the sweep file and report are written with the runs done');
  let ran: { worst: number; complete: boolean; done: SweepRunResult[] };
  try {
    ran = await runPoints({ plans, plan, vary, scenario: target.scenario, repeats, output, stopped: scope.signal });
  } catch (error) {
    scope.release();
    throw error;
  }
  const { worst, complete, done } = ran;
  const document: SweepDocument = {
    kind: 'mqbench-sweep',
    version: 1,
    id,
    createdAt: createdAt.toISOString(),
    scenario: target.scenario,
    brokers: target.brokers,
    vary: { option: vary.option, values: vary.values.map((v) => v.raw) },
    repeats,
    order: orderDescription,
    options,
    complete,
    points: vary.values.flatMap((value) => target.brokers.map((broker) => pointOf(broker, value, done))),
  };
  const name = `${stampOf(createdAt)}_sweep_${target.scenario}_${vary.option}_${id}`;
  const sweepFile = await writeDocument(output.out, 'sweeps', name, document, sweepProblem(document));
  const { renderSweepHtml, renderSweepMarkdown } = await import('../report/sweep.js');
  const title = `mqbench sweep: ${target.scenario}, ${vary.option} = ${vary.values.map((v) => v.raw).join(', ')} (${target.brokers.join(', ')})`;
  const reportFiles = await writeReport(output.report ?? `reports/sweep-${id}`, renderSweepMarkdown(document, title), renderSweepHtml(document, title));
  // held until the files are written: a signal while they are written must not lose them (a second quits)
  scope.release();
  return { exitCode: worst, document, sweepFile, reportFiles };
}
