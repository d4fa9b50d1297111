import type { RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs, formatMb } from '../util/format.js';
import type { RunGroup } from './groups.js';
import { spreadOf } from './stats.js';

/** Report tables as rows of cells; Markdown and HTML render the same data. Pure. */
export interface TableData {
  head: string[];
  rows: string[][];
  /** HTML only: a colour swatch before each row's first cell (the row's colour in the charts) */
  swatches?: (string | undefined)[];
}

/** A group's colour, by group, for the tables under the charts. */
export type ColourOf = (group: RunGroup) => string | undefined;

const percentileColumns = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['p99.99', 'p9999'],
  ['max', 'max'],
] as const;

/** The table under the percentile plot: the merged histogram's percentiles, per group. */
export function percentileTable(groups: readonly RunGroup[], colourOf: ColourOf = () => undefined): TableData {
  return {
    head: ['broker: workload', 'client', 'runs', 'loop', ...percentileColumns.map(([name]) => name), 'messages'],
    rows: groups.map((g) => [
      `${g.broker}: ${g.label}`,
      g.client,
      String(g.runs.length),
      g.loop,
      ...percentileColumns.map(([, key]) => formatLatencyUs(g.latencyUs.endToEnd[key])),
      formatCount(g.latencyUs.endToEnd.count),
    ]),
    swatches: groups.map(colourOf),
  };
}

function minMedianMax(values: readonly number[], format: (v: number) => string): string {
  if (values.length === 0) return '-';
  const s = spreadOf(values);
  return `${format(s.min)} / ${format(s.median)} / ${format(s.max)}`;
}

/** What a timeline table shows: received msg/s per second, p99 per second, or both (Markdown). */
export type TimelineColumns = 'throughput' | 'p99' | 'both';

/** The table under a timeline: per run, the whole seconds drawn and their range; events listed. */
export function timelineTable(groups: readonly RunGroup[], colourOf: ColourOf = () => undefined, columns: TimelineColumns = 'both'): TableData {
  const rows: string[][] = [];
  const swatches: (string | undefined)[] = [];
  for (const g of groups) {
    for (const r of g.runs) {
      const whole = r.timeline.filter((p) => p.coveredUs === 1_000_000);
      const partial = r.timeline.length - whole.length;
      const throughput = columns === 'p99' ? [] : [minMedianMax(whole.map((p) => p.received), formatCount)];
      const p99 = columns === 'throughput' ? [] : [minMedianMax(whole.filter((p) => p.received > 0).map((p) => p.p99Us), formatLatencyUs)];
      rows.push([
        `${g.broker}: ${g.label}`,
        r.id,
        `${whole.length}${partial > 0 ? ` (+${partial} partial, not drawn)` : ''}`,
        ...throughput,
        ...p99,
        (r.events ?? []).map((e) => `${e.kind} at ${(e.atUs / 1_000_000).toFixed(1)}s: ${e.detail}`).join('; ') || '-',
      ]);
      swatches.push(colourOf(g));
    }
  }
  const head = [
    'broker: workload',
    'run',
    'whole seconds',
    ...(columns === 'p99' ? [] : ['received msg/s per second (min / median / max)']),
    ...(columns === 'throughput' ? [] : ['p99 per second (min / median / max)']),
    'events',
  ];
  return { head, rows, swatches };
}

export function comparisonTable(groups: readonly RunGroup[], colourOf: ColourOf = () => undefined): TableData {
  return {
    head: ['workload', 'broker', 'runs', 'loop', 'received msg/s (median)', 'MB/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'lost', 'duplicated'],
    rows: groups.map((g) => [
      g.label,
      g.broker,
      String(g.runs.length),
      g.loop,
      formatCount(g.throughput.receivedPerSec),
      formatMb(g.throughput.mbPerSec),
      formatLatencyUs(g.latencyUs.endToEnd.p50),
      formatLatencyUs(g.latencyUs.endToEnd.p90),
      formatLatencyUs(g.latencyUs.endToEnd.p99),
      formatLatencyUs(g.latencyUs.endToEnd.p999),
      formatLatencyUs(g.latencyUs.endToEnd.max),
      formatCount(g.counts.lost),
      formatCount(g.counts.duplicated),
    ]),
    swatches: groups.map(colourOf),
  };
}

export function accountingTable(results: readonly RunResult[]): TableData {
  return {
    head: ['run', 'broker', 'scenario', 'status', 'sent', 'received', 'expected', 'lost', 'duplicated', 'reordered', 'send errors', 'arrived despite send error', 'client paths (fallbacks)'],
    rows: results.map((r) => [
      r.id,
      r.workload.broker,
      r.workload.scenario,
      r.status === 'completed' ? 'completed' : `${r.status}: ${r.error}`,
      formatCount(r.counts.sent),
      formatCount(r.counts.received),
      formatCount(r.counts.expected),
      formatCount(r.counts.lost),
      formatCount(r.counts.duplicated),
      formatCount(r.counts.reordered),
      formatCount(r.counts.sendErrors),
      formatCount(r.counts.receivedDespiteSendError),
      pathsCell(r),
    ]),
  };
}

/** Which of the driver's paths carried the records, and every fallback: '-' for a driver with one path. */
function pathsCell(r: RunResult): string {
  const p = r.clientPaths;
  if (!p) return '-';
  const used = p.paths.filter((path) => path.records > 0).map((path) => `${path.path}: ${formatCount(path.records)}`);
  const fallbacks = p.fallbacks.map((f) => `FALLBACK ${f.reason} x${formatCount(f.count)}`);
  return [...used, ...fallbacks].join('; ') || 'none used';
}

export function brokerTable(results: readonly RunResult[]): TableData {
  const seen = new Map<string, RunResult>();
  for (const r of results) seen.set(`${r.broker.name}|${r.broker.version}|${r.broker.client.version}|${JSON.stringify(r.broker.settings)}`, r);
  return {
    head: ['broker', 'version', 'client', 'settings really used'],
    rows: [...seen.values()].map((r) => [
      r.broker.name,
      r.broker.version,
      `${r.broker.client.name} ${r.broker.client.version}`,
      Object.entries(r.broker.settings)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', '),
    ]),
  };
}

export function environmentTable(results: readonly RunResult[]): TableData {
  const seen = new Map<string, RunResult['environment']>();
  for (const r of results) seen.set(JSON.stringify(r.environment), r.environment);
  return {
    head: ['host', 'CPU', 'cores', 'memory', 'OS', 'node', 'mqbench', 'commit'],
    rows: [...seen.values()].map((e) => [
      e.hostname,
      e.cpuModel,
      String(e.cores),
      `${(e.memoryBytes / 2 ** 30).toFixed(1)} GiB`,
      e.os,
      e.node,
      e.mqbenchVersion,
      e.gitCommit.slice(0, 12),
    ]),
  };
}

export function markdownTable(table: TableData): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${table.head.map(escape).join(' | ')} |`,
    `| ${table.head.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function htmlTable(table: TableData, className: string): string {
  const head = table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const swatch = (i: number) => {
    const colour = table.swatches?.[i];
    return colour ? `<span class="swatch" style="background:${escapeHtml(colour)}"></span>` : '';
  };
  const rows = table.rows.map((row, i) => `<tr>${row.map((c, j) => `<td>${j === 0 ? swatch(i) : ''}${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}
