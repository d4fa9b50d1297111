/**
 * A run's timeline as CSV, one row per second (`bench run --csv`, written beside the result JSON):
 * for a spreadsheet, pandas or gnuplot, which do not read the result document. Only what the
 * timeline records per second: its counters, that second's corrected end-to-end p99 and, when the
 * broker's processes were sampled, its CPU and memory. Pure: result in, text out.
 */
import type { RunResult, TimelinePoint } from './types.js';

interface Column {
  name: string;
  valueOf: (p: TimelinePoint, windowEndUs: number) => string | number;
}

const columns: readonly Column[] = [
  { name: 'second', valueOf: (p) => p.second },
  // the seconds after the measured window are the drain's: what arrived late, not the load
  { name: 'phase', valueOf: (p, windowEndUs) => (p.second * 1_000_000 < windowEndUs ? 'window' : 'drain') },
  { name: 'covered_s', valueOf: (p) => p.coveredUs / 1_000_000 },
  { name: 'sent', valueOf: (p) => p.sent },
  { name: 'acked', valueOf: (p) => p.acked },
  { name: 'received', valueOf: (p) => p.received },
  { name: 'received_bytes', valueOf: (p) => p.bytes },
  // 0 when nothing arrived in that second (as the result records it): left empty, not a latency of 0
  { name: 'e2e_p99_us', valueOf: (p) => (p.received > 0 ? p.p99Us : '') },
];

const brokerColumns: readonly Column[] = [
  { name: 'broker_cpu_us', valueOf: (p) => p.brokerCpuUs ?? '' },
  { name: 'broker_rss_bytes', valueOf: (p) => p.brokerRssBytes ?? '' },
];

/** The header and a row per second of the timeline (the broker's columns only when it was sampled). */
export function timelineCsv(result: RunResult): string {
  const sampled = result.timeline.some((p) => p.brokerCpuUs !== undefined || p.brokerRssBytes !== undefined);
  const chosen = sampled ? [...columns, ...brokerColumns] : columns;
  // a fixed message count has no window: every second is the run's
  const windowEndUs = result.workload.messages === null ? result.workload.durationUs : Number.POSITIVE_INFINITY;
  const rows = result.timeline.map((p) => chosen.map((c) => c.valueOf(p, windowEndUs)).join(','));
  return `${[chosen.map((c) => c.name).join(','), ...rows].join('\n')}\n`;
}

/** Where the CSV of a result goes: beside its JSON, the same name ending .csv. */
export function csvPathOf(resultPath: string): string {
  return `${resultPath.replace(/\.json$/i, '')}.csv`;
}
