/**
 * `bench check`'s verdict as one case per workload and metric, each passed, failed or skipped with the
 * figures that decided it: what the JUnit file and the GitHub job summary show. Pure.
 */
import { formatCount } from '../util/format.js';
import { plural } from '../util/plural.js';
import { describeChange, gate, type CheckedWorkload, type Thresholds, type Verdict } from './check.js';
import type { CompareRules, MetricComparison } from './compare.js';

export type CaseStatus = 'passed' | 'failed' | 'skipped';

export interface GateCase {
  /** "<broker>: <workload label>", as the check's text names it */
  workload: string;
  /** received msg/s, end-to-end p99, lost messages, send errors, completed runs (or current runs, when none came) */
  metric: string;
  status: CaseStatus;
  /** one line: the medians, change, p and limit, or the count and its limit */
  figures: string;
}

function metricCase(workload: string, m: MetricComparison, t: Thresholds, rules: CompareRules): GateCase {
  const limit = gate(m.metric, t) ?? 0;
  const figures = describeChange(m, limit);
  if (m.verdict === 'worse') return { workload, metric: m.metric, status: 'failed', figures };
  if (m.verdict === 'not enough repeats to call') {
    const counts = `${m.baseline.n} vs ${plural(m.candidate.n, 'run')}, need ${rules.minRepeats} on each side`;
    return { workload, metric: m.metric, status: 'skipped', figures: `${figures.replace(/, p=[^)]*\)$/, ')')}: not enough repeats to call (${counts})` };
  }
  return { workload, metric: m.metric, status: 'passed', figures: `${figures}: ${m.verdict}` };
}

function countCase(workload: string, metric: string, value: number, limit: number, noun: string): GateCase {
  return { workload, metric, status: value > limit ? 'failed' : 'passed', figures: `${formatCount(value)} ${noun} (limit ${formatCount(limit)})` };
}

function casesOf(w: CheckedWorkload, t: Thresholds, rules: CompareRules): GateCase[] {
  const a = w.accounting;
  if (a === undefined) return [{ workload: w.name, metric: 'current runs', status: 'failed', figures: w.details.join('; ') || 'no current run of this workload' }];
  const completed: GateCase =
    a.notCompleted.length > 0
      ? { workload: w.name, metric: 'completed runs', status: 'failed', figures: `${a.notCompleted.length} of ${plural(a.runs, 'run')} did not complete (${a.notCompleted.join(', ')})` }
      : { workload: w.name, metric: 'completed runs', status: 'passed', figures: `${a.runs} of ${plural(a.runs, 'run')} completed` };
  return [
    ...w.metrics.map((m) => metricCase(w.name, m, t, rules)),
    countCase(w.name, 'lost messages', a.lost, t.maxLost, 'lost'),
    countCase(w.name, 'send errors', a.sendErrors, t.maxSendErrors, 'send errors'),
    completed,
  ];
}

/** Every workload's cases, in the verdict's order. */
export function gateCases(verdict: Verdict, t: Thresholds, rules: CompareRules): GateCase[] {
  return verdict.workloads.flatMap((w) => casesOf(w, t, rules));
}

const cell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const mark: Record<CaseStatus, string> = { passed: '✅ passed', failed: '❌ regressed', skipped: '➖ not called' };

/** The check as a Markdown table (a heading, the thresholds, a row per workload and metric), for GitHub's job summary. */
export function renderCheckMarkdown(cases: readonly GateCase[], heading: string, thresholdsLine: string): string {
  const rows = cases.map((c) => `| ${mark[c.status]} | ${cell(c.workload)} | ${cell(c.metric)} | ${cell(c.figures)} |`);
  return [`### ${cell(heading)}`, '', cell(thresholdsLine), '', '| result | workload | metric | figures |', '| --- | --- | --- | --- |', ...rows, ''].join('\n') + '\n';
}
