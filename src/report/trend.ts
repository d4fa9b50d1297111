import type { RunResult } from '../results/types.js';
import { accountingProblems, type Thresholds } from './check.js';
import { compareValues, metrics, type CompareRules } from './compare.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import { canonicalJson, workloadLabel } from './groups.js';
import { spreadOf, type Spread } from './stats.js';
import { plural } from '../util/plural.js';

/** The runs of one commit of one workload, and what `bench check` against the previous commit would say. */
export interface TrendPoint {
  commit: string;
  /** the earliest start among its runs: the order of the points */
  startedAt: string;
  runs: string[];
  throughput: Spread;
  p99Us: Spread;
  /** what the check's rules accept, from the previous point's medians and the thresholds; null for the first */
  band: { minThroughput: number; maxP99Us: number } | null;
  /** why `bench check --baseline <previous> --candidate <this>` would fail; empty: it would pass */
  failures: string[];
  /** enough repeats on both points for the check to call a performance change (counts are judged anyway) */
  called: boolean;
}

export interface TrendSeries {
  broker: string;
  /** the client's name (its colour) and "name version" */
  clientName: string;
  client: string;
  label: string;
  points: TrendPoint[];
}

const throughputMetric = metrics.find((m) => m.name === 'received msg/s');
const p99Metric = metrics.find((m) => m.name === 'end-to-end p99');

function byCommit(runs: readonly RunResult[]): RunResult[][] {
  const commits = new Map<string, RunResult[]>();
  for (const r of runs) commits.set(r.environment.gitCommit, [...(commits.get(r.environment.gitCommit) ?? []), r]);
  const first = (group: RunResult[]) => group.map((r) => r.startedAt).sort()[0] as string;
  return [...commits.values()].sort((a, b) => first(a).localeCompare(first(b)));
}

function failuresAgainst(previous: RunResult[], current: RunResult[], t: Thresholds, rules: CompareRules): string[] {
  const failures: string[] = [];
  const gated = [
    { metric: throughputMetric, limit: t.maxThroughputDropPct },
    { metric: p99Metric, limit: t.maxP99IncreasePct },
  ];
  for (const { metric, limit } of gated) {
    if (!metric) continue;
    const result = compareValues(previous.map(metric.valueOf), current.map(metric.valueOf), metric.higherIsBetter, { ...rules, minEffectPct: limit });
    if (result.verdict === 'worse') failures.push(`${metric.name} ${(result.changePct ?? 0).toFixed(1)}% (p=${(result.p ?? 1).toFixed(3)})`);
  }
  const sum = (key: 'lost' | 'sendErrors') => current.reduce((s, r) => s + r.counts[key], 0);
  const counts = { ...current[0]!.counts, lost: sum('lost'), sendErrors: sum('sendErrors') };
  failures.push(...accountingProblems({ counts, statuses: current.map((r) => r.status) }, t));
  return failures;
}

/**
 * Results of one workload (broker, client, every load option; any host) over commits, in the order
 * they ran, each point judged against the one before with `bench check`'s rules. Pure.
 */
export function trendSeries(results: readonly RunResult[], t: Thresholds, rules: CompareRules): TrendSeries[] {
  const byWorkload = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = canonicalJson({ workload: r.workload, client: r.broker.client });
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), r]);
  }
  return [...byWorkload.values()].map((runs) => {
    const first = runs[0] as RunResult;
    const commits = byCommit(runs);
    const points = commits.map((group, i): TrendPoint => {
      const previous = i > 0 ? (commits[i - 1] as RunResult[]) : undefined;
      const prevThroughput = previous ? spreadOf(previous.map((r) => r.throughput.receivedPerSec)).median : 0;
      const prevP99 = previous ? spreadOf(previous.map((r) => r.latencyUs.endToEnd.p99)).median : 0;
      return {
        commit: group[0]!.environment.gitCommit,
        startedAt: group.map((r) => r.startedAt).sort()[0] as string,
        runs: group.map((r) => r.id),
        throughput: spreadOf(group.map((r) => r.throughput.receivedPerSec)),
        p99Us: spreadOf(group.map((r) => r.latencyUs.endToEnd.p99)),
        band: previous ? { minThroughput: prevThroughput * (1 - t.maxThroughputDropPct / 100), maxP99Us: prevP99 * (1 + t.maxP99IncreasePct / 100) } : null,
        failures: previous ? failuresAgainst(previous, group, t, rules) : [],
        called: previous !== undefined && previous.length >= rules.minRepeats && group.length >= rules.minRepeats,
      };
    });
    return { broker: first.workload.broker, clientName: first.broker.client.name, client: `${first.broker.client.name} ${first.broker.client.version}`, label: workloadLabel(first.workload), points };
  });
}

/** A point's name on the x axis: short commit and date. */
export function pointName(p: TrendPoint): string {
  return `${p.commit.slice(0, 7)} ${p.startedAt.slice(0, 16).replace('T', ' ')}`;
}

/** `bench trend` in the terminal: one line per point, ✗ where the check would fail. */
export function renderTrendText(series: readonly TrendSeries[]): string {
  const out: string[] = [];
  for (const s of series) {
    out.push(`${s.broker}: ${s.label} (${s.client})`);
    for (const p of s.points) {
      const mark =
        p.failures.length > 0 ? `✗ check would fail: ${p.failures.join('; ')}` : !p.band ? '(first)' : p.called ? '✓' : '✓ (too few repeats to call a change)';
      out.push(`  ${pointName(p)}  ${plural(p.runs.length, 'run')}  ${formatCount(p.throughput.median)} msg/s  p99 ${formatLatencyUs(p.p99Us.median)}  ${mark}`);
    }
  }
  return `${out.join('\n')}\n`;
}
