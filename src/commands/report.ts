import { stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { judge, type Thresholds, type Verdict } from '../report/check.js';
import { compareSets, renderCompare, type CompareRules } from '../report/compare.js';
import { renderHtmlReport, renderMarkdownReport } from '../report/document.js';
import { groupResults } from '../report/groups.js';
import { readResults } from '../results/store.js';
import type { RunResult } from '../results/types.js';
import { writeFilesAtomic } from '../util/atomic-write.js';
import { expandInputs, setName } from './result-sets.js';

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

/** `bench report <files|dirs> --out reports/<name>`: writes <name>.md and <name>.html, as a set. */
export async function reportCommand(inputs: string[], out: string, title: string | undefined, json = false): Promise<string> {
  const results = await resultsOf(inputs);
  const base = await reportBase(out);
  const heading = title ?? `mqbench report: ${basename(base)}`;
  const mdPath = `${base}.md`;
  const htmlPath = `${base}.html`;
  await writeFilesAtomic([
    { path: mdPath, content: renderMarkdownReport(results, heading) },
    { path: htmlPath, content: renderHtmlReport(results, heading) },
  ]);
  if (json) return `${JSON.stringify({ runs: results.length, markdown: mdPath, html: htmlPath })}\n`;
  return `report of ${results.length} run(s): ${mdPath}, ${htmlPath}\n`;
}

/** `bench compare --baseline <files|dirs|globs> --candidate <...>` (or `compare A B`). */
export async function compareCommand(baseline: string[], candidate: string[], rules: CompareRules, json: boolean): Promise<string> {
  const comparison = compareSets(groupResults(await resultsOf(baseline)), groupResults(await resultsOf(candidate)), rules, {
    baseline: setName(baseline),
    candidate: setName(candidate),
  });
  return json ? `${JSON.stringify(comparison, null, 2)}\n` : renderCompare(comparison);
}

function checkText(verdict: Verdict, baselineName: string, thresholds: Thresholds, rules: CompareRules): string {
  const lines = [
    `thresholds: p99 +${thresholds.maxP99IncreasePct}% at most, throughput -${thresholds.maxThroughputDropPct}% at most (medians; failed only when significant: ` +
      `Mann-Whitney p <= ${rules.alpha}, at least ${rules.minRepeats} runs a side), lost <= ${thresholds.maxLost}, send errors <= ${thresholds.maxSendErrors}`,
    ...verdict.passed.map((p) => `ok         ${p}`),
    ...verdict.notCalled.map((p) => `not called ${p}`),
    ...verdict.regressions.map((r) => `REGRESSED  ${r}`),
    verdict.regressions.length > 0
      ? `${verdict.regressions.length} regression(s) against ${baselineName}`
      : `no regression against ${baselineName} (${verdict.passed.length} workload(s) checked${verdict.notCalled.length > 0 ? `, ${verdict.notCalled.length} with too few repeats to call` : ''})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `bench check --baseline <...> --candidate <...>`: the text (or one JSON document) and whether anything regressed. */
export async function checkCommand(baseline: string[], candidate: string[], thresholds: Thresholds, rules: CompareRules, json: boolean): Promise<{ text: string; failed: boolean }> {
  const verdict = judge(groupResults(await resultsOf(baseline)), groupResults(await resultsOf(candidate)), thresholds, rules);
  const failed = verdict.regressions.length > 0;
  if (json) {
    const document = { passed: !failed, thresholds, rules, workloads: verdict.workloads };
    return { text: `${JSON.stringify(document, null, 2)}\n`, failed };
  }
  return { text: checkText(verdict, setName(baseline), thresholds, rules), failed };
}

/** `bench trend <results...> --out reports/trend.html`: throughput and p99 over commits, what check would fail marked. */
export async function trendCommand(inputs: string[], out: string, thresholds: Thresholds, rules: CompareRules, json: boolean): Promise<string> {
  const { trendSeries, renderTrendText } = await import('../report/trend.js');
  const { renderTrendHtml } = await import('../report/trend-document.js');
  const series = trendSeries(await resultsOf(inputs), thresholds, rules);
  const path = /\.html$/i.test(out) ? out : `${(await reportBase(out))}.html`;
  await writeFilesAtomic([{ path, content: renderTrendHtml(series, 'mqbench trend') }]);
  if (json) return `${JSON.stringify({ html: path, thresholds, rules, series }, null, 2)}\n`;
  return `${renderTrendText(series)}trend: ${path}\n`;
}
