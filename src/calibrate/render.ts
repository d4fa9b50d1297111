/** The calibration table for the terminal and for Markdown. Pure. */
import Table from 'cli-table3';
import { formatCount, formatLatencyUs } from '../util/format.js';
import type { CalibrationReport } from './run.js';
import type { CalibrationRow, MetricUnit, SampleSummary } from '../drivers/native-tool/types.js';

export const tableHead = ['case', 'metric', 'native (median)', 'mqbench (median)', 'mqbench / native', 'rounds', 'native min-max', 'mqbench min-max'];

function value(v: number, unit: MetricUnit): string {
  return unit === 'msg/s' ? formatCount(v) : formatLatencyUs(Math.round(v));
}

function spread(s: SampleSummary, unit: MetricUnit): string {
  return `${value(s.min, unit)} - ${value(s.max, unit)}`;
}

export function tableCells(row: CalibrationRow): string[] {
  return [
    row.title,
    row.label,
    value(row.native.median, row.unit),
    value(row.mqbench.median, row.unit),
    row.ratio === null ? (row.native.median === 0 ? 'n/a (native 0: below its resolution)' : 'n/a') : `${row.ratio.toFixed(2)}x`,
    String(row.rounds),
    spread(row.native, row.unit),
    spread(row.mqbench, row.unit),
  ];
}

export function describeRun(report: CalibrationReport): string {
  const w = report.workload;
  return (
    `calibration: ${report.broker} at ${report.url}, ${w.size} B, ${w.partitions} partition${w.partitions === 1 ? '' : 's'}, ` +
    `${w.rounds} round${w.rounds === 1 ? '' : 's'} x ${w.durationSec}s (+${w.warmupSec}s warm-up), native and mqbench interleaved\n` +
    `native: ${report.nativeTool}; mqbench client: ${report.client.name} ${report.client.version}; ` +
    `${report.environment.cores} cores, node ${report.environment.node}`
  );
}

/** Ratio is mqbench / native: throughput wants >= 1, latency wants <= 1. */
export function renderCalibration(report: CalibrationReport): string {
  const table = new Table({ head: tableHead, style: { head: [], border: [] } });
  for (const row of report.rows) table.push(tableCells(row));
  const notes = report.cases.filter((c) => c.note).map((c) => `  ${c.title}: ${c.note ?? ''}`);
  return `${describeRun(report)}\n${table.toString()}\nratio = mqbench / native: throughput wants >= 1.0, latency wants <= 1.0\n${notes.join('\n')}\n`;
}

export function renderMarkdownTable(report: CalibrationReport): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(tableHead), line(tableHead.map(() => '---')), ...report.rows.map((row) => line(tableCells(row)))].join('\n');
}
