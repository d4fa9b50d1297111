import type { RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs, formatMb } from './format.js';
import type { RunGroup } from './groups.js';

/** Report tables as rows of cells; Markdown and HTML render the same data. Pure. */
export interface TableData {
  head: string[];
  rows: string[][];
}

export function comparisonTable(groups: readonly RunGroup[]): TableData {
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
  };
}

export function accountingTable(results: readonly RunResult[]): TableData {
  return {
    head: ['run', 'broker', 'scenario', 'status', 'sent', 'received', 'expected', 'lost', 'duplicated', 'reordered', 'send errors', 'arrived despite send error'],
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
    ]),
  };
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
  const rows = table.rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}
