import { compareValues, metrics, pairGroups, type CompareRules, type MetricComparison } from './compare.js';
import { formatCount } from '../util/format.js';
import { plural } from '../util/plural.js';
import { identityDifferences, type RunGroup } from './groups.js';
import type { RunResult } from '../results/types.js';

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
  /** identity fields in which the paired baseline and current workloads differ ("scenario: \"noack\" -> \"ack\""), as compare shows them */
  differences?: string[];
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
  if (bad.length > 0) problems.push(`${plural(bad.length, 'run')} did not complete (${bad.join(', ')})`);
  return problems;
}

export function describeChange(m: MetricComparison, limit: number): string {
  const format = metrics.find((d) => d.name === m.metric)?.format ?? formatCount;
  const sign = (m.changePct ?? 0) > 0 ? '+' : '';
  return `${m.metric} median ${format(m.baseline.median)} -> ${format(m.candidate.median)} (${sign}${(m.changePct ?? 0).toFixed(1)}%, limit ${m.higherIsBetter ? '-' : '+'}${limit}%, p=${(m.p ?? 1).toFixed(3)})`;
}

/**
 * A pair's name, as compare titles it ("A  vs  B" when the two are not the same workload), and the
 * fields in which they differ: a gate that passed against another workload must say so.
 */
function pairNameOf(base: RunGroup, now: RunGroup): { name: string; differences: string[] } {
  const differences = identityDifferences(base.runs[0] as RunResult, now.runs[0] as RunResult);
  const same = base.broker === now.broker && base.label === now.label;
  return { name: same ? `${base.broker}: ${base.label}` : `${base.broker}: ${base.label}  vs  ${now.broker}: ${now.label}`, differences };
}

/** One line per pair of workloads that differ, in compare's words: what the check's text says first. */
export function pairingNotes(verdict: Verdict): string[] {
  return verdict.workloads.flatMap((w) => (w.differences ? [`paired     ${w.name}\n  differs in: ${w.differences.join('; ')}`] : []));
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
    const { name, differences } = pairNameOf(base, now);
    const compared: MetricComparison[] = [];
    const problems = accountingProblems(now, t);
    const accounting = { runs: now.runs.length, lost: now.counts.lost, sendErrors: now.counts.sendErrors, notCompleted: notCompleted(now.statuses) };
    const differ = differences.length > 0 ? { differences } : {};
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
      verdict.workloads.push({ name, status: 'regressed', details: problems, metrics: compared, accounting, ...differ });
    } else if (tooFew) {
      const counts = `${base.runs.length} vs ${plural(now.runs.length, 'run')}, need ${rules.minRepeats} on each side`;
      verdict.notCalled.push(`${name}: not enough repeats to call (${counts})`);
      verdict.workloads.push({ name, status: 'not enough repeats to call', details: [counts], metrics: compared, accounting, ...differ });
    } else {
      verdict.passed.push(name);
      verdict.workloads.push({ name, status: 'ok', details: [], metrics: compared, accounting, ...differ });
    }
  }
  return verdict;
}
