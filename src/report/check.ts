import { compareValues, metrics, pairGroups, type CompareRules, type MetricComparison } from './compare.js';
import { formatCount } from '../util/format.js';
import type { RunGroup } from './groups.js';

export interface Thresholds {
  /** p99 may grow by at most this many percent (median over repeats) before a significant growth fails */
  maxP99IncreasePct: number;
  /** throughput may fall by at most this many percent (median over repeats) before a significant fall fails */
  maxThroughputDropPct: number;
  /** lost messages allowed (summed over the current runs of a workload) */
  maxLost: number;
  /** failed or never-confirmed sends allowed (summed over the current runs of a workload) */
  maxSendErrors: number;
}

export const defaultThresholds: Thresholds = { maxP99IncreasePct: 20, maxThroughputDropPct: 10, maxLost: 0, maxSendErrors: 0 };

export interface CheckedWorkload {
  name: string;
  status: 'ok' | 'regressed' | 'not enough repeats to call';
  /** why it regressed (or, for ok, what was compared) */
  details: string[];
  metrics: MetricComparison[];
  /** what the current runs counted (absent when there is no current run): JUnit and the summary table show it per metric */
  accounting?: AccountingFigures;
}

export interface AccountingFigures {
  runs: number;
  lost: number;
  sendErrors: number;
  /** the statuses of the runs that did not complete */
  notCompleted: string[];
}

export interface Verdict {
  regressions: string[];
  passed: string[];
  /** workloads with too few repeats on a side to call a performance change (lost/send errors still checked) */
  notCalled: string[];
  workloads: CheckedWorkload[];
}

/** The threshold that plays the minimum effect for each gated metric; p50 is shown, not gated. */
export function gate(metric: string, t: Thresholds): number | undefined {
  if (metric === 'received msg/s') return t.maxThroughputDropPct;
  if (metric === 'end-to-end p99') return t.maxP99IncreasePct;
  return undefined;
}

// a run that completed with send errors is judged by the send-error threshold, not failed twice
const notCompleted = (statuses: readonly string[]): string[] => statuses.filter((s) => s !== 'completed' && s !== 'completed-with-errors');

/** Counts and statuses are not noisy: they are judged as they are, every time. */
export function accountingProblems(now: Pick<RunGroup, 'counts' | 'statuses'>, t: Thresholds): string[] {
  const problems: string[] = [];
  if (now.counts.lost > t.maxLost) problems.push(`lost ${formatCount(now.counts.lost)} messages (limit ${t.maxLost})`);
  if (now.counts.sendErrors > t.maxSendErrors) problems.push(`${formatCount(now.counts.sendErrors)} send errors (limit ${t.maxSendErrors})`);
  const bad = notCompleted(now.statuses);
  if (bad.length > 0) problems.push(`${bad.length} run(s) did not complete (${bad.join(', ')})`);
  return problems;
}

export function describeChange(m: MetricComparison, limit: number): string {
  const format = metrics.find((d) => d.name === m.metric)?.format ?? formatCount;
  const sign = (m.changePct ?? 0) > 0 ? '+' : '';
  return `${m.metric} median ${format(m.baseline.median)} -> ${format(m.candidate.median)} (${sign}${(m.changePct ?? 0).toFixed(1)}%, limit ${m.higherIsBetter ? '-' : '+'}${limit}%, p=${(m.p ?? 1).toFixed(3)})`;
}

/**
 * The regression gate, with compare's rules (compare.ts): a metric fails only when the change is
 * significant (Mann-Whitney p <= alpha, enough repeats) and worse than its threshold. Pure.
 */
export function judge(baseline: readonly RunGroup[], current: readonly RunGroup[], t: Thresholds, rules: CompareRules): Verdict {
  const verdict: Verdict = { regressions: [], passed: [], notCalled: [], workloads: [] };
  const pairing = pairGroups(baseline, current);
  for (const base of pairing.onlyBaseline) {
    const name = `${base.broker}: ${base.label}`;
    verdict.regressions.push(`${name}: no current run of this workload`);
    verdict.workloads.push({ name, status: 'regressed', details: ['no current run of this workload'], metrics: [] });
  }
  for (const { baseline: base, candidate: now } of pairing.pairs) {
    const name = `${base.broker}: ${base.label}`;
    const compared: MetricComparison[] = [];
    const problems = accountingProblems(now, t);
    const accounting = { runs: now.runs.length, lost: now.counts.lost, sendErrors: now.counts.sendErrors, notCompleted: notCompleted(now.statuses) };
    for (const m of metrics) {
      const limit = gate(m.name, t);
      if (limit === undefined) continue;
      const result = { metric: m.name, ...compareValues(base.runs.map(m.valueOf), now.runs.map(m.valueOf), m.higherIsBetter, { ...rules, minEffectPct: limit }) };
      compared.push(result);
      if (result.verdict === 'worse') problems.push(describeChange(result, limit));
    }
    const tooFew = compared.some((m) => m.verdict === 'not enough repeats to call');
    if (problems.length > 0) {
      verdict.regressions.push(`${name}: ${problems.join('; ')}`);
      verdict.workloads.push({ name, status: 'regressed', details: problems, metrics: compared, accounting });
    } else if (tooFew) {
      const counts = `${base.runs.length} vs ${now.runs.length} run(s), need ${rules.minRepeats} on each side`;
      verdict.notCalled.push(`${name}: not enough repeats to call (${counts})`);
      verdict.workloads.push({ name, status: 'not enough repeats to call', details: [counts], metrics: compared, accounting });
    } else {
      verdict.passed.push(name);
      verdict.workloads.push({ name, status: 'ok', details: [], metrics: compared, accounting });
    }
  }
  return verdict;
}
