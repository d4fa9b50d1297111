/**
 * `bench find-rate --broker <one> --scenario ack --slo "p99<20ms"`: the highest open-loop rate the
 * broker sustains within the objective (search/rate-search.ts states the stopping rule). Every step
 * is a normal run with its own result file; a search file and a report tie them together.
 */
import { relative } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { rateSearchProblem, type RateSearchDocument, type RateSearchStep } from '../results/sweep.js';
import { searchRate, type SearchRules, type TryOutcome } from '../search/rate-search.js';
import { parseSlo, type Slo } from '../search/slo.js';
import { detailOf, judgeStep, marginOf, rateTolerance, type StepDetail } from '../search/step.js';
import { stopOnSignals, type Quit } from './interrupts.js';
import { interrupted, newRunId, planPoint, runPlanned, stampOf, targetOf, writeDocument, writeReport, type GivenOptions, type Target } from './sweep-runs.js';
import { requireWritableFolder } from '../util/output-dir.js';
import { decimalOf, decimalOnly, isOtherNotation } from '../util/number.js';
import { shown } from '../options.js';
import type { RunPlan } from '../plan/index.js';

export interface FindRateCommandOptions {
  slo: string | undefined;
  startRate: string | undefined;
  maxSteps: string | undefined;
  /** --confirm-runs (not --confirm: that is RabbitMQ's publisher confirms, on/off) */
  confirmRuns: string | undefined;
  /** percent */
  resolution: string | undefined;
  out: string;
  report: string | undefined;
  json: boolean;
  progress: boolean;
  quit: Quit;
}

export interface FindRateOutcome {
  exitCode: number;
  document: RateSearchDocument;
  searchFile: string;
  reportFiles: string[];
}

export const searchDefaults = { startRate: 1000, maxSteps: 16, resolutionPct: 5, minRate: 10, confirmations: 2 } as const;

/** A search rule's flag, read by the one number parser of every option (decimal only). */
function numberOption(name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, range: string): number {
  if (raw === undefined) return fallback;
  const n = decimalOf(raw);
  if (n === undefined || !check(n)) throw new UsageError(`--${name}: ${isOtherNotation(raw) ? decimalOnly : `must be ${range}`}, got ${shown(raw)}`);
  return n;
}

/** The search's rules from the flags: one line on bad input. */
export function searchRulesOf(output: Pick<FindRateCommandOptions, 'startRate' | 'maxSteps' | 'resolution'> & Partial<Pick<FindRateCommandOptions, 'confirmRuns'>>): SearchRules {
  return {
    startRate: numberOption('start-rate', output.startRate, searchDefaults.startRate, (n) => n >= searchDefaults.minRate && n <= 10_000_000, `a rate from ${searchDefaults.minRate} to 10,000,000 msg/s`),
    maxSteps: numberOption('max-steps', output.maxSteps, searchDefaults.maxSteps, (n) => Number.isInteger(n) && n >= 2 && n <= 50, 'a whole number from 2 to 50'),
    resolution: numberOption('resolution', output.resolution, searchDefaults.resolutionPct, (n) => n >= 0.1 && n <= 50, 'a percentage from 0.1 to 50') / 100,
    minRate: searchDefaults.minRate,
    confirmations: numberOption('confirm-runs', output.confirmRuns, searchDefaults.confirmations, (n) => Number.isInteger(n) && n >= 0 && n <= 10, 'a whole number from 0 to 10'),
  };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** One find-rate step as a normal run, its verdict, and what the search learns of interrupts and failures. */
class StepRunner {
  stopReason: string | undefined;
  worst: number = ExitCode.ok;

  constructor(private readonly context: { target: Target; broker: string; slo: Slo; output: FindRateCommandOptions; stopped: AbortSignal }) {
    context.stopped.addEventListener('abort', () => (this.stopReason = 'interrupted'), { once: true });
  }

  async run(rate: number): Promise<TryOutcome<StepDetail>> {
    const { target, broker, slo, output, stopped } = this.context;
    log(`== find-rate step: ${broker} / ${target.scenario} at ${rate} msg/s (${slo.text})`);
    const [plan] = planPoint(target, { rate });
    const run = await runPlanned(plan as RunPlan, output.out, output.progress, output.quit);
    if (interrupted(run)) this.stopReason = 'interrupted';
    if (run.result.status === 'errored') this.worst = Math.max(this.worst, run.exitCode);
    const detail = detailOf(run.result, relative(output.out, run.path) || run.path, slo);
    const verdict = judgeStep(rate, detail, slo);
    const cut = interrupted(run) || stopped.aborted;
    log(cut ? '   INTERRUPTED: not a verdict on this rate' : `   ${verdict.pass ? 'PASS' : 'FAIL'}${verdict.pass ? '' : `: ${verdict.reasons.join('; ')}`}`);
    return { verdict, detail, interrupted: cut };
  }
}

export async function findRateCommand(given: GivenOptions, output: FindRateCommandOptions): Promise<FindRateOutcome> {
  const target = targetOf(given);
  if (target.brokers.length !== 1) throw new UsageError('--broker: find-rate searches one broker at a time');
  const broker = target.brokers[0] as string;
  if (output.slo === undefined) throw new UsageError('--slo is required, e.g. --slo "p99<20ms"');
  const slo = parseSlo(output.slo);
  for (const refused of ['rate', 'repeat', 'messages']) {
    if (target.options[refused] !== undefined) throw new UsageError(`--${refused}: find-rate chooses the rate and runs each step once${refused === 'rate' ? ' (--start-rate sets the first step)' : ''}`);
  }
  const rules = searchRulesOf(output);
  planPoint(target, { rate: rules.startRate }); // checks the whole workload before the first step
  await requireWritableFolder(output.out);

  const id = newRunId();
  const createdAt = new Date();
  // over the whole search, between steps too: a signal stops it; an interrupted step is no verdict on its rate
  const scope = stopOnSignals(log, output.quit, 'stopping the search: the search file and report are written with the steps done');
  const runner = new StepRunner({ target, broker, slo, output, stopped: scope.signal });
  const outcome = await searchRate<StepDetail>(rules, (rate) => runner.run(rate), () => runner.stopReason);
  const { worst, stopReason } = runner;
  // the margin of the found rate is that of its worst run (confirmation runs included)
  const atFound = outcome.steps.filter((s) => s.verdict.pass && s.rate === outcome.foundRate);
  const found = atFound.sort((a, b) => b.detail.sloValueUs - a.detail.sloValueUs)[0];
  const steps: RateSearchStep[] = outcome.steps.map((s) => ({ rate: s.rate, phase: s.phase, pass: s.verdict.pass, reasons: s.verdict.reasons, ...s.detail }));
  const document: RateSearchDocument = {
    kind: 'mqbench-rate-search',
    version: 1,
    id,
    createdAt: createdAt.toISOString(),
    broker,
    scenario: target.scenario,
    slo: slo.text,
    sloThresholdUs: slo.thresholdUs,
    rules: { startRate: rules.startRate, resolution: rules.resolution, maxSteps: rules.maxSteps, confirmations: rules.confirmations, rateTolerance },
    options: target.options,
    foundRate: outcome.foundRate ?? null,
    highestPassedRate: outcome.highestPassedRate ?? null,
    failedRate: outcome.failedRate ?? null,
    stoppedBecause: outcome.stoppedBecause,
    margin: found ? marginOf(slo, found.detail.sloValueUs) : null,
    steps,
  };
  const searchFile = await writeDocument(output.out, 'searches', `${stampOf(createdAt)}_find-rate_${broker}_${target.scenario}_${id}`, document, rateSearchProblem(document));
  const { renderSearchHtml, renderSearchMarkdown } = await import('../report/sweep.js');
  const title = `mqbench find-rate: ${broker} / ${target.scenario}, ${slo.text}`;
  const reportFiles = await writeReport(output.report ?? `reports/find-rate-${id}`, renderSearchMarkdown(document, title), renderSearchHtml(document, title));
  // held until the files are written (a second signal quits at once)
  scope.release();
  const exitCode = stopReason === 'interrupted' ? ExitCode.aborted : document.foundRate === null ? ExitCode.checkFailed : worst;
  return { exitCode, document, searchFile, reportFiles };
}
