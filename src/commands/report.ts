import { appendFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { defaultChartOptions, type ChartOptions } from '../report/axis-scale.js';
import { judge, pairingNotes, type Thresholds, type Verdict } from '../report/check.js';
import { compareSets, renderCompare, type CompareRules } from '../report/compare.js';
import { renderHtmlReport, renderMarkdownReport } from '../report/document.js';
import { gateCases, renderCheckMarkdown } from '../report/gate-cases.js';
import { groupResults } from '../report/groups.js';
import { renderJUnit } from '../report/junit.js';
import { ombPeriodSeconds, toOmbResult } from '../report/omb.js';
import { readResults } from '../results/store.js';
import type { RunResult } from '../results/types.js';
import { writeFileAtomic, writeFilesAtomic } from '../util/atomic-write.js';
import { requireWritableFolder } from '../util/output-dir.js';
import type { CheckOutputs } from './report-options.js';
import { expandInputs, setName } from './result-sets.js';
import { plural } from '../util/plural.js';

const warn = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Where `--out` puts the pair: `x`, `x.html` or `x.md` name <x>.md and <x>.html; a folder (a trailing
 * slash, or one that exists) gets report.md and report.html in it, never names starting with a dot.
 */
export async function reportBase(out: string): Promise<string> {
  const base = out.replace(/\.(md|html)$/i, '');
  const isFolder = base === '' || base.endsWith('/') || base.endsWith(sep) || (await stat(base).catch(() => undefined))?.isDirectory() === true;
  return isFolder ? join(base, 'report') : base;
}

async function resultsOf(inputs: readonly string[]): Promise<RunResult[]> {
  return readResults(await expandInputs(inputs), warn);
}

/** Each file's folder can be written (created if missing), or one line naming --out, exit 2: before any work. */
async function requireOutFolders(paths: readonly string[]): Promise<void> {
  for (const folder of new Set(paths.map((p) => dirname(p)))) await requireWritableFolder(folder);
}

/** `bench report <files|dirs> --out reports/<name>`: writes <name>.md and <name>.html, as a set. */
export async function reportCommand(inputs: string[], out: string, title: string | undefined, json = false, charts: ChartOptions = defaultChartOptions): Promise<string> {
  const results = await resultsOf(inputs);
  const base = await reportBase(out);
  const heading = title ?? `mqbench report: ${basename(base)}`;
  const mdPath = `${base}.md`;
  const htmlPath = `${base}.html`;
  await requireOutFolders([mdPath]);
  await writeFilesAtomic([
    { path: mdPath, content: renderMarkdownReport(results, heading) },
    { path: htmlPath, content: renderHtmlReport(results, heading, charts) },
  ]);
  if (json) return `${JSON.stringify({ runs: results.length, markdown: mdPath, html: htmlPath })}\n`;
  return `report of ${plural(results.length, 'run')}: ${mdPath}, ${htmlPath}\n`;
}

/** Where `--format omb` puts each run: `x.json` (one run only) or a folder of `<broker>-<run id>.json`. */
function ombPaths(results: readonly RunResult[], out: string): string[] {
  if (/\.json$/i.test(out)) {
    if (results.length !== 1) throw new UsageError(`--out ${out}: one OMB file holds one run, and ${results.length} were given (name a folder instead)`);
    return [out];
  }
  return results.map((r) => join(out, `${r.workload.broker}-${r.id}.json`.replace(/[^A-Za-z0-9._-]/g, '_')));
}

/** `bench report --format omb`: each run as OpenMessaging Benchmark's result JSON (src/report/omb.ts), written as a set. */
export async function ombReportCommand(inputs: string[], out: string, json = false): Promise<string> {
  const results = await resultsOf(inputs);
  const paths = ombPaths(results, out);
  await requireOutFolders(paths);
  await writeFilesAtomic(results.map((r, i) => ({ path: paths[i] as string, content: `${JSON.stringify(toOmbResult(r), null, 2)}\n` })));
  if (json) return `${JSON.stringify({ runs: results.length, omb: paths, periodSeconds: ombPeriodSeconds })}\n`;
  return `${plural(results.length, 'run')} as OpenMessaging Benchmark results (rates per ${ombPeriodSeconds} s period): ${paths.join(', ')}\n`;
}

/** `bench compare --baseline <files|dirs|globs> --candidate <...>` (or `compare A B`). */
export async function compareCommand(baseline: string[], candidate: string[], rules: CompareRules, json: boolean): Promise<string> {
  const comparison = compareSets(groupResults(await resultsOf(baseline)), groupResults(await resultsOf(candidate)), rules, {
    baseline: setName(baseline),
    candidate: setName(candidate),
  });
  return json ? `${JSON.stringify(comparison, null, 2)}\n` : renderCompare(comparison);
}

function thresholdsLine(thresholds: Thresholds, rules: CompareRules): string {
  return (
    `thresholds: p99 +${thresholds.maxP99IncreasePct}% at most, throughput -${thresholds.maxThroughputDropPct}% at most (medians; failed only when significant: ` +
    `Mann-Whitney p <= ${rules.alpha}, at least ${rules.minRepeats} runs a side), lost <= ${thresholds.maxLost}, send errors <= ${thresholds.maxSendErrors}`
  );
}

function checkText(verdict: Verdict, baselineName: string, thresholds: Thresholds, rules: CompareRules): string {
  const lines = [
    thresholdsLine(thresholds, rules),
    ...pairingNotes(verdict),
    ...verdict.passed.map((p) => `ok         ${p}`),
    ...verdict.notCalled.map((p) => `not called ${p}`),
    ...verdict.regressions.map((r) => `REGRESSED  ${r}`),
    verdict.regressions.length > 0
      ? `${plural(verdict.regressions.length, 'regression')} against ${baselineName}`
      : `no regression against ${baselineName} (${plural(verdict.passed.length, 'workload')} checked${verdict.notCalled.length > 0 ? `, ${verdict.notCalled.length} with too few repeats to call` : ''})`,
  ];
  return `${lines.join('\n')}\n`;
}

interface CheckRun {
  verdict: Verdict;
  name: string;
  text: string;
  startedAt: Date;
  thresholds: Thresholds;
  rules: CompareRules;
}

/** `--junit FILE` (written atomically) and GitHub's job summary (appended to, as GitHub asks); a path that cannot be written is one line, exit 2. */
async function writeCheckOutputs(run: CheckRun, outputs: CheckOutputs): Promise<void> {
  const cases = gateCases(run.verdict, run.thresholds, run.rules);
  const failed = run.verdict.regressions.length;
  if (outputs.junit !== undefined) {
    const properties = { ...run.thresholds, ...run.rules };
    const seconds = (Date.now() - run.startedAt.getTime()) / 1000;
    const xml = renderJUnit({ name: run.name, startedAt: run.startedAt, hostname: hostname(), seconds, properties, cases, text: run.text });
    await writeFileAtomic(outputs.junit, xml).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--junit ${outputs.junit}: cannot write it (${error.code ?? error.message})`);
    });
  }
  if (outputs.stepSummary !== undefined) {
    const heading = `${run.name}: ${failed > 0 ? `${plural(failed, 'regression')}` : 'no regression'}`;
    await appendFile(outputs.stepSummary, renderCheckMarkdown(cases, heading, thresholdsLine(run.thresholds, run.rules))).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`GITHUB_STEP_SUMMARY ${outputs.stepSummary}: cannot append to it (${error.code ?? error.message})`);
    });
  }
}

/**
 * `bench check --baseline <...> --candidate <...>`: the text (or one JSON document) and whether anything
 * regressed; with `outputs`, the JUnit file and the job summary too.
 */
export async function checkCommand(
  baseline: string[],
  candidate: string[],
  thresholds: Thresholds,
  rules: CompareRules,
  json: boolean,
  outputs: CheckOutputs = {},
): Promise<{ text: string; failed: boolean }> {
  const startedAt = new Date();
  const verdict = judge(groupResults(await resultsOf(baseline)), groupResults(await resultsOf(candidate)), thresholds, rules);
  const failed = verdict.regressions.length > 0;
  const text = json
    ? `${JSON.stringify({ passed: !failed, thresholds, rules, workloads: verdict.workloads }, null, 2)}\n`
    : checkText(verdict, setName(baseline), thresholds, rules);
  const name = `bench check: ${setName(baseline)} vs ${setName(candidate)}`;
  await writeCheckOutputs({ verdict, name, text, startedAt, thresholds, rules }, outputs);
  return { text, failed };
}

/** `bench trend <results...> --out reports/trend.html`: throughput and p99 over commits, what check would fail marked. */
export async function trendCommand(inputs: string[], out: string, thresholds: Thresholds, rules: CompareRules, json: boolean): Promise<string> {
  const { trendSeries, renderTrendText } = await import('../report/trend.js');
  const { renderTrendHtml } = await import('../report/trend-document.js');
  const series = trendSeries(await resultsOf(inputs), thresholds, rules);
  const path = /\.html$/i.test(out) ? out : `${(await reportBase(out))}.html`;
  await requireOutFolders([path]);
  await writeFilesAtomic([{ path, content: renderTrendHtml(series, 'mqbench trend') }]);
  if (json) return `${JSON.stringify({ html: path, thresholds, rules, series }, null, 2)}\n`;
  return `${renderTrendText(series)}trend: ${path}\n`;
}
