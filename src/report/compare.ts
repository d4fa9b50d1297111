import Table from 'cli-table3';
import type { RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import { plural } from '../util/plural.js';
import { identityDifferences, type RunGroup } from './groups.js';
import { mannWhitneyU, spreadOf, type Spread } from './stats.js';

/**
 * When a difference between two sets of repeats is called (compare and check alike):
 * the two-sided Mann-Whitney U test gives p <= alpha, AND the medians differ by more than
 * minEffectPct of the baseline median, AND each side has at least minRepeats runs.
 * Exact U distribution for small samples: with 3 vs 3 the smallest possible p is 0.10, reached only
 * when every candidate run is beyond every baseline run; hence alpha 0.10 by default.
 */
export interface CompareRules {
  alpha: number;
  minEffectPct: number;
  minRepeats: number;
}

export const defaultRules: CompareRules = { alpha: 0.1, minEffectPct: 5, minRepeats: 3 };

export type MetricVerdict = 'better' | 'worse' | 'no significant change' | 'not enough repeats to call' | 'shown, not tested';

/** One measured quantity, one value per run. */
export interface Metric {
  name: string;
  higherIsBetter: boolean;
  /**
   * Only throughput and p99 are tested: every extra test is another chance of a false call (at alpha
   * 0.10, one in ten per metric between identical workloads); the median latency is shown for context.
   */
  tested: boolean;
  valueOf: (r: RunResult) => number;
  format: (value: number) => string;
}

export const metrics: readonly Metric[] = [
  { name: 'received msg/s', higherIsBetter: true, tested: true, valueOf: (r) => r.throughput.receivedPerSec, format: formatCount },
  { name: 'end-to-end p50', higherIsBetter: false, tested: false, valueOf: (r) => r.latencyUs.endToEnd.p50, format: formatLatencyUs },
  { name: 'end-to-end p99', higherIsBetter: false, tested: true, valueOf: (r) => r.latencyUs.endToEnd.p99, format: formatLatencyUs },
];

export interface MetricComparison {
  metric: string;
  higherIsBetter: boolean;
  baseline: Spread;
  candidate: Spread;
  /** candidate median vs baseline median, percent; null when the baseline median is 0 */
  changePct: number | null;
  /** two-sided Mann-Whitney p; null when not tested (too few repeats) */
  p: number | null;
  method: 'exact' | 'normal' | null;
  verdict: MetricVerdict;
}

/** Relative change from a to b in percent; undefined when a is 0. */
export function deltaPercent(a: number, b: number): number | undefined {
  if (a === 0) return b === 0 ? 0 : undefined;
  return ((b - a) / a) * 100;
}

/** The rules applied to one metric's per-run values; minEffectPct may be a check's threshold instead. */
export function compareValues(baseline: readonly number[], candidate: readonly number[], higherIsBetter: boolean, rules: CompareRules): Omit<MetricComparison, 'metric'> {
  const b = spreadOf(baseline);
  const c = spreadOf(candidate);
  const changePct = deltaPercent(b.median, c.median) ?? null;
  const base = { higherIsBetter, baseline: b, candidate: c, changePct };
  if (b.n < rules.minRepeats || c.n < rules.minRepeats) return { ...base, p: null, method: null, verdict: 'not enough repeats to call' };
  const test = mannWhitneyU(candidate, baseline);
  const effect = changePct === null ? c.median !== 0 : Math.abs(changePct) > rules.minEffectPct;
  if (test.p > rules.alpha || !effect) return { ...base, p: test.p, method: test.method, verdict: 'no significant change' };
  const up = c.median > b.median;
  return { ...base, p: test.p, method: test.method, verdict: up === higherIsBetter ? 'better' : 'worse' };
}

export interface GroupPair {
  baseline: RunGroup;
  candidate: RunGroup;
}

export interface Pairing {
  pairs: GroupPair[];
  onlyBaseline: RunGroup[];
  onlyCandidate: RunGroup[];
}

/**
 * Pairs groups of the two sets by their full identity, then by the same broker, client and workload
 * on another host. What is left is paired only when exactly one
 * group is left on each side (the user asked for "this against that"; the differences are shown);
 * otherwise it is reported unmatched rather than guessed.
 */
export function pairGroups(baseline: readonly RunGroup[], candidate: readonly RunGroup[]): Pairing {
  const pairs: GroupPair[] = [];
  const leftCandidates = [...candidate];
  let onlyBaseline = [...baseline];
  // the same identity first; then the same workload and client on another host (CI runners differ)
  for (const sameAs of [(g: RunGroup) => g.key, (g: RunGroup) => `${g.broker}|${g.client}|${g.workloadKey}`]) {
    const unmatched: RunGroup[] = [];
    for (const g of onlyBaseline) {
      const index = leftCandidates.findIndex((c) => sameAs(c) === sameAs(g));
      if (index >= 0) pairs.push({ baseline: g, candidate: leftCandidates.splice(index, 1)[0] as RunGroup });
      else unmatched.push(g);
    }
    onlyBaseline = unmatched;
  }
  if (onlyBaseline.length === 1 && leftCandidates.length === 1) {
    return { pairs: [...pairs, { baseline: onlyBaseline[0] as RunGroup, candidate: leftCandidates[0] as RunGroup }], onlyBaseline: [], onlyCandidate: [] };
  }
  return { pairs, onlyBaseline, onlyCandidate: leftCandidates };
}

export interface PairComparison {
  baseline: { broker: string; label: string; runs: string[] };
  candidate: { broker: string; label: string; runs: string[] };
  /** identity fields that differ between the two ("scenario: \"noack\" -> \"ack\""); empty for repeats of one workload */
  differences: string[];
  metrics: MetricComparison[];
  lost: { baseline: number; candidate: number };
  duplicated: { baseline: number; candidate: number };
  /** worse / better metrics, or "no significant change", or "not enough repeats to call" */
  verdict: string;
}

function pairVerdict(results: readonly MetricComparison[]): string {
  if (results.some((m) => m.verdict === 'not enough repeats to call')) return 'not enough repeats to call';
  const worse = results.filter((m) => m.verdict === 'worse').map((m) => m.metric);
  const better = results.filter((m) => m.verdict === 'better').map((m) => m.metric);
  const parts = [worse.length > 0 ? `significantly worse: ${worse.join(', ')}` : '', better.length > 0 ? `significantly better: ${better.join(', ')}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'no significant change';
}

export function comparePair(pair: GroupPair, rules: CompareRules): PairComparison {
  const side = (g: RunGroup) => ({ broker: g.broker, label: g.label, runs: g.runs.map((r) => r.id) });
  const compared = metrics.map((m): MetricComparison => {
    const result = { metric: m.name, ...compareValues(pair.baseline.runs.map(m.valueOf), pair.candidate.runs.map(m.valueOf), m.higherIsBetter, rules) };
    return m.tested ? result : { ...result, p: null, method: null, verdict: 'shown, not tested' };
  });
  return {
    baseline: side(pair.baseline),
    candidate: side(pair.candidate),
    differences: identityDifferences(pair.baseline.runs[0] as RunResult, pair.candidate.runs[0] as RunResult),
    metrics: compared,
    lost: { baseline: pair.baseline.counts.lost, candidate: pair.candidate.counts.lost },
    duplicated: { baseline: pair.baseline.counts.duplicated, candidate: pair.candidate.counts.duplicated },
    verdict: pairVerdict(compared),
  };
}

/** The whole comparison as data: what `--json` prints and the text renders. */
export interface Comparison {
  rules: CompareRules & { test: string };
  baselineName: string;
  candidateName: string;
  pairs: PairComparison[];
  onlyBaseline: { broker: string; label: string; runs: string[] }[];
  onlyCandidate: { broker: string; label: string; runs: string[] }[];
}

export const testDescription = 'Mann-Whitney U, two-sided (exact for small samples, normal approximation with tie and continuity correction beyond)';

export function compareSets(baseline: readonly RunGroup[], candidate: readonly RunGroup[], rules: CompareRules, names: { baseline: string; candidate: string }): Comparison {
  const pairing = pairGroups(baseline, candidate);
  const side = (g: RunGroup) => ({ broker: g.broker, label: g.label, runs: g.runs.map((r) => r.id) });
  return {
    rules: { ...rules, test: testDescription },
    baselineName: names.baseline,
    candidateName: names.candidate,
    pairs: pairing.pairs.map((p) => comparePair(p, rules)),
    onlyBaseline: pairing.onlyBaseline.map(side),
    onlyCandidate: pairing.onlyCandidate.map(side),
  };
}

/** "median [min - max], IQR q1 - q3" (`separator` between the three parts); one run is just its value. */
/** "median [min - max]": a short spread (the closing table of several runs, trend's table). */
export function formatMedianRange(s: Pick<Spread, 'median' | 'min' | 'max'>, format: (v: number) => string): string {
  return `${format(s.median)} [${format(s.min)} - ${format(s.max)}]`;
}

export function formatSpread(s: Spread, format: (v: number) => string, separator = ', '): string {
  if (s.n === 1) return `${format(s.median)} (1 run)`;
  return `${format(s.median)}${separator === ', ' ? ' ' : separator}[${format(s.min)} - ${format(s.max)}]${separator}IQR ${format(s.q1)} - ${format(s.q3)}`;
}

function formatChange(m: MetricComparison): string {
  if (m.changePct === null) return 'n/a';
  return `${m.changePct > 0 ? '+' : ''}${m.changePct.toFixed(1)}%`;
}

function formatVerdict(m: MetricComparison): string {
  if (m.p === null) return m.verdict;
  const p = `p=${m.p < 0.001 ? m.p.toExponential(1) : m.p.toFixed(3)}`;
  return m.verdict === 'better' || m.verdict === 'worse' ? `${m.verdict.toUpperCase()} (${p})` : `${m.verdict} (${p})`;
}

function renderPair(c: PairComparison, comparison: Comparison): string {
  const title =
    c.baseline.broker === c.candidate.broker && c.baseline.label === c.candidate.label
      ? `${c.baseline.broker}: ${c.baseline.label}`
      : `${c.baseline.broker}: ${c.baseline.label}  vs  ${c.candidate.broker}: ${c.candidate.label}`;
  const n = (runs: string[]) => plural(runs.length, 'run');
  const table = new Table({
    head: ['median\n[min - max]\nIQR', `baseline: ${comparison.baselineName} (${n(c.baseline.runs)})`, `candidate: ${comparison.candidateName} (${n(c.candidate.runs)})`, 'change', 'verdict'],
    style: { head: [], border: [] },
  });
  for (const m of c.metrics) {
    const format = metrics.find((d) => d.name === m.metric)?.format ?? formatCount;
    table.push([m.metric, formatSpread(m.baseline, format, '\n'), formatSpread(m.candidate, format, '\n'), formatChange(m), formatVerdict(m)]);
  }
  table.push(['lost (sum)', formatCount(c.lost.baseline), formatCount(c.lost.candidate), '', '']);
  table.push(['duplicated (sum)', formatCount(c.duplicated.baseline), formatCount(c.duplicated.candidate), '', '']);
  const lines = [title];
  if (c.differences.length > 0) lines.push(`  differs in: ${c.differences.join('; ')}`);
  lines.push(table.toString(), `verdict: ${c.verdict}`);
  return lines.join('\n');
}

/** `bench compare`: each pair with spread and verdict, the unmatched, and the rules used. Pure. */
export function renderCompare(comparison: Comparison): string {
  const out = comparison.pairs.map((p) => renderPair(p, comparison));
  for (const g of comparison.onlyBaseline) out.push(`${g.broker}: ${g.label}: only in the baseline (${comparison.baselineName})`);
  for (const g of comparison.onlyCandidate) out.push(`${g.broker}: ${g.label}: only in the candidate (${comparison.candidateName})`);
  const r = comparison.rules;
  out.push(
    `rules: ${r.test} on throughput and p99 (p50 shown, not tested); a change is called when p <= ${r.alpha} and the medians differ by more than ${r.minEffectPct}%, ` +
      `with at least ${r.minRepeats} runs on each side (--repeat); otherwise "no significant change" or "not enough repeats to call"`,
  );
  return `${out.join('\n\n')}\n`;
}
