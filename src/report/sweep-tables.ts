/** Sweep and rate-search tables (pure): the same rows for the terminal, Markdown and HTML. */
import type { RateSearchDocument, SweepDocument, SweepPoint } from '../results/sweep.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import type { TableData } from './tables.js';
import { plural } from '../util/plural.js';

/** One metric of a sweep point: how to read it and how to show it. */
export interface SweepMetric {
  key: 'receivedPerSec' | 'p50Us' | 'p99Us' | 'clientCpuPerMessageUs' | 'brokerCpuPerMessageUs';
  title: string;
  /** the chart's axis unit; values are divided by `scale` for it */
  unit: string;
  scale: number;
  format: (value: number) => string;
}

const cpu = (us: number): string => `${us.toFixed(1)} us`;

export const sweepMetrics: readonly SweepMetric[] = [
  { key: 'receivedPerSec', title: 'Throughput (received msg/s)', unit: 'msg/s', scale: 1, format: formatCount },
  { key: 'p50Us', title: 'p50 end-to-end latency', unit: 'ms', scale: 1000, format: formatLatencyUs },
  { key: 'p99Us', title: 'p99 end-to-end latency', unit: 'ms', scale: 1000, format: formatLatencyUs },
  { key: 'clientCpuPerMessageUs', title: 'Client CPU per message', unit: 'us', scale: 1, format: cpu },
  { key: 'brokerCpuPerMessageUs', title: 'Broker CPU per message', unit: 'us', scale: 1, format: cpu },
];

/** A point's cells for one metric; a broker without a CPU sampler says so rather than showing "0 -". */
function spreadCells(p: SweepPoint, metric: SweepMetric): string[] {
  const s = p[metric.key];
  if (!s) return ['0', metric.key === 'brokerCpuPerMessageUs' && p.brokerCostNotMeasured ? 'not measured' : '-', '-', '-'];
  return [String(s.n), metric.format(s.median), metric.format(s.min), metric.format(s.max)];
}

export function sweepMetricTable(document: SweepDocument, metric: SweepMetric): TableData {
  return {
    head: ['broker', document.vary.option, 'runs', 'median', 'min', 'max'],
    rows: document.points.map((p) => [p.broker, p.value, ...spreadCells(p, metric)]),
  };
}

/** Every point on one table: the terminal's summary. */
export function sweepOverviewTable(document: SweepDocument): TableData {
  const median = (p: SweepPoint, metric: SweepMetric): string => {
    const s = p[metric.key];
    if (!s) return metric.key === 'brokerCpuPerMessageUs' && p.brokerCostNotMeasured ? 'not measured' : '-';
    return s.n > 1 ? `${metric.format(s.median)} (${metric.format(s.min)}..${metric.format(s.max)})` : metric.format(s.median);
  };
  return {
    head: ['broker', document.vary.option, 'runs', ...sweepMetrics.map((m) => m.title.replace(/ \(.*\)$/, ''))],
    rows: document.points.map((p) => [p.broker, p.value, String(p.runs.length), ...sweepMetrics.map((m) => median(p, m))]),
  };
}

export function searchStepsTable(document: RateSearchDocument): TableData {
  return {
    head: ['step', 'phase', 'asked msg/s', 'sent msg/s', 'received msg/s', document.slo.replace(/[<=].*$/, ''), 'lost', 'send errors', 'verdict', 'result'],
    rows: document.steps.map((s, i) => [
      String(i + 1),
      s.phase,
      formatCount(s.rate),
      formatCount(s.achievedSendPerSec),
      formatCount(s.achievedReceivePerSec),
      formatLatencyUs(s.sloValueUs),
      formatCount(s.lost),
      formatCount(s.sendErrors),
      s.pass ? 'pass' : `fail: ${s.reasons.join('; ')}`,
      s.file,
    ]),
  };
}

/** The answer, or why there is none: a rate the search did not confirm is never called found. */
function foundText(document: RateSearchDocument): string {
  if (document.foundRate !== null) return `maximum sustainable rate: ${formatCount(document.foundRate)} msg/s`;
  const passed = document.highestPassedRate ?? null;
  if (passed === null) return 'no rate passed';
  return `maximum sustainable rate: not established (highest passing rate ${formatCount(passed)} msg/s, not confirmed)`;
}

/** The search's answer in a sentence or two. */
export function searchVerdict(document: RateSearchDocument): string {
  const found = foundText(document);
  const margin = document.margin ? `; margin to ${document.slo}: ${formatLatencyUs(Math.max(0, document.margin.us))} (${(document.margin.share * 100).toFixed(0)}% of the objective)` : '';
  const failed = document.failedRate === null ? '' : `; lowest failing rate ${formatCount(document.failedRate)} msg/s`;
  return `${found}${failed}${margin}. Stopped: ${document.stoppedBecause} (${plural(document.steps.length, 'step')}, budget ${document.rules.maxSteps}, resolution ${(document.rules.resolution * 100).toFixed(1)}%).`;
}
