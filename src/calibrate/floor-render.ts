/** The floor's table for the terminal. Pure; figures are rounded here only, never in the JSON. */
import Table from 'cli-table3';
import type { SampleSummary } from '../drivers/native-tool/types.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import { floorMetrics, floorSide, type FloorMetricId, type FloorReport, type FloorRow } from './floor-report.js';

export const floorTableHead = ['rate (msg/s)', 'side', ...floorMetrics.map((m) => m.label)];

export const floorMeaning = "mqbench's own latency and CPU with nothing but the harness: the in-memory broker in this process";

/** CPU per message is a few microseconds: a tenth of one still tells two rates apart. */
function figure(us: number, metric: FloorMetricId): string {
  return metric === 'cpuPerMessageUs' && us < 100 ? `${us.toFixed(1)} us` : formatLatencyUs(Math.round(us));
}

/** "min..max" in the unit of the max, so that the range stays one short line under the median. */
function range(s: SampleSummary, metric: FloorMetricId): string {
  if (metric === 'cpuPerMessageUs' && s.max < 100) return `${s.min.toFixed(1)}..${s.max.toFixed(1)}`;
  if (s.max < 1_000) return `${Math.round(s.min)}..${Math.round(s.max)}`;
  if (s.max < 1_000_000) return `${(s.min / 1e3).toFixed(2)}..${(s.max / 1e3).toFixed(2)} ms`;
  return `${(s.min / 1e6).toFixed(2)}..${(s.max / 1e6).toFixed(2)} s`;
}

/** The median, and under it min..max when there was more than one round. */
function cell(s: SampleSummary, metric: FloorMetricId): string {
  return s.n > 1 ? `${figure(s.median, metric)}\n${range(s, metric)}` : figure(s.median, metric);
}

export function floorTableCells(row: FloorRow): string[] {
  return [formatCount(row.rate), row.side, ...floorMetrics.map((m) => cell(row.metrics[m.id], m.id))];
}

function describeWorkload(report: FloorReport): string {
  const w = report.workload;
  const rounds = `${w.rounds} round${w.rounds === 1 ? '' : 's'}`;
  const sides = report.broker ? `, interleaved run by run with ${report.broker.name} at ${report.broker.url} (${report.broker.client.name} ${report.broker.client.version})` : '';
  return `noack, ${w.size} B, open loop, ${rounds} x ${w.durationSec}s after a ${w.warmupSec}s warm-up per rate${sides}; cells: median${w.rounds > 1 ? ', min..max under it' : ''}`;
}

/** Rows whose open loop fell short of its rate: their latency is not the floor at that rate. */
function shortfalls(report: FloorReport): string[] {
  return report.rows
    .filter((row) => row.targetReached < row.rounds)
    .map((row) => `note: ${formatCount(row.rate)} msg/s ${row.side}: ${row.rounds - row.targetReached} of ${row.rounds} runs sent under 95% of the rate`);
}

export function renderFloor(report: FloorReport): string {
  const table = new Table({ head: floorTableHead, style: { head: [], border: [] } });
  for (const row of report.rows) table.push(floorTableCells(row));
  const env = report.environment;
  const subtract = report.broker ? ` (subtract it from ${report.broker.name}'s rows)` : '';
  return [
    table.toString(),
    `floor (${floorSide}): ${floorMeaning}${subtract}`,
    describeWorkload(report),
    ...shortfalls(report),
    `machine: ${env.cpuModel}, ${env.cores} cores, ${env.os}, node ${env.node}, mqbench ${env.mqbenchVersion} (${env.gitCommit.replace(/^([0-9a-f]{12})[0-9a-f]+/, '$1')})`,
    '',
  ].join('\n');
}
