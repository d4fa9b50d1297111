import Table from 'cli-table3';
import { formatCount, formatLatencyUs, formatMb } from './format.js';
import type { RunGroup } from './groups.js';

export interface GroupPair {
  a: RunGroup | undefined;
  b: RunGroup | undefined;
}

/**
 * Pairs groups of two result sets: same broker and workload first; then the same workload on
 * another broker; a single group on each side is compared whatever it is (A vs B as asked).
 */
export function pairGroups(a: readonly RunGroup[], b: readonly RunGroup[]): GroupPair[] {
  if (a.length === 1 && b.length === 1) return [{ a: a[0], b: b[0] }];
  const pairs: GroupPair[] = [];
  const left = [...b];
  const take = (match: (g: RunGroup) => boolean): RunGroup | undefined => {
    const index = left.findIndex(match);
    return index >= 0 ? left.splice(index, 1)[0] : undefined;
  };
  for (const g of a) {
    const match = take((x) => x.key === g.key) ?? take((x) => x.workloadKey === g.workloadKey);
    pairs.push({ a: g, b: match });
  }
  for (const g of left) pairs.push({ a: undefined, b: g });
  return pairs;
}

/** Relative change from a to b in percent; undefined when a is 0. */
export function deltaPercent(a: number, b: number): number | undefined {
  if (a === 0) return b === 0 ? 0 : undefined;
  return ((b - a) / a) * 100;
}

function formatDelta(a: number, b: number, higherIsBetter: boolean): string {
  const d = deltaPercent(a, b);
  if (d === undefined) return 'n/a';
  const sign = d > 0 ? '+' : '';
  const better = d === 0 ? '' : (d > 0) === higherIsBetter ? ' better' : ' worse';
  return `${sign}${d.toFixed(1)}%${better}`;
}

/** `bench compare A B`: the two side by side with deltas, per workload. Pure. */
export function renderCompare(pairs: readonly GroupPair[], labelA: string, labelB: string): string {
  const out: string[] = [];
  for (const { a, b } of pairs) {
    if (!a || !b) {
      const only = (a ?? b) as RunGroup;
      out.push(`${only.broker}: ${only.label}: only in ${a ? labelA : labelB}\n`);
      continue;
    }
    const title = a.broker === b.broker ? `${a.broker}: ${a.label}` : `${a.broker} vs ${b.broker}: ${a.label}${a.workloadKey === b.workloadKey ? '' : ` / ${b.label}`}`;
    const table = new Table({ head: ['', `A: ${labelA} (${a.runs.length} run${a.runs.length > 1 ? 's' : ''})`, `B: ${labelB} (${b.runs.length} run${b.runs.length > 1 ? 's' : ''})`, 'B vs A'], style: { head: [], border: [] } });
    table.push(['received msg/s (median)', formatCount(a.throughput.receivedPerSec), formatCount(b.throughput.receivedPerSec), formatDelta(a.throughput.receivedPerSec, b.throughput.receivedPerSec, true)]);
    table.push(['MB/s (median)', formatMb(a.throughput.mbPerSec), formatMb(b.throughput.mbPerSec), formatDelta(a.throughput.mbPerSec, b.throughput.mbPerSec, true)]);
    for (const [name, key] of [
      ['p50', 'p50'],
      ['p90', 'p90'],
      ['p99', 'p99'],
      ['p99.9', 'p999'],
      ['max', 'max'],
    ] as const) {
      const va = a.latencyUs.endToEnd[key];
      const vb = b.latencyUs.endToEnd[key];
      table.push([`end-to-end ${name}`, formatLatencyUs(va), formatLatencyUs(vb), formatDelta(va, vb, false)]);
    }
    table.push(['lost', formatCount(a.counts.lost), formatCount(b.counts.lost), '']);
    table.push(['duplicated', formatCount(a.counts.duplicated), formatCount(b.counts.duplicated), '']);
    out.push(`${title} (${a.loop}${a.loop === b.loop ? '' : ` vs ${b.loop}`})\n${table.toString()}\n`);
  }
  return out.join('\n');
}
