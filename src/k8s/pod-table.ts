import Table from 'cli-table3';
import { formatCount } from '../util/format.js';
import type { PodRecord } from '../results/types.js';

const offset = (us: number | undefined): string => (us === undefined ? '-' : `${us >= 0 ? '+' : ''}${(us / 1e6).toFixed(3)} s`);

/** The per-pod table of a merged Kubernetes run: who ran where, when it was ready, what it sent and got. */
export function renderPodTable(pods: readonly PodRecord[]): string {
  const table = new Table({ head: ['pod', 'host', 'ready vs start', 'sent', 'received', 'status'], style: { head: [], border: [] } });
  for (const p of pods) {
    table.push([String(p.index), p.host, offset(p.startOffsetUs), formatCount(p.sent), formatCount(p.received), p.status]);
  }
  return `${table.toString()}\n`;
}
