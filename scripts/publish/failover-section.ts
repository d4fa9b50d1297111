/**
 * Question 3's failover table from the sitting's cluster runs: a row per case and fault, each figure
 * the median [min - max] over the repeats (scripts/notes-q3-summary.ts's figures, in the published form).
 */
import type { DirectionOutage, RunResult } from '../../src/results/types.js';
import type { TableRuns } from './cells.js';
import { pick, spreadCell } from './spread.js';

const seconds = (us: number): string => `${(us / 1e6).toFixed(2)} s`;
const count = (n: number): string => String(Math.round(n));

/** A gap that never ended (it ran to the end of the data) is left out of the spread and counted in the status column. */
const gapOf = (o: DirectionOutage | null | undefined): number | undefined => (o && !(o.unavailableUs > 0 && o.firstSuccessAfterFaultUs === null) ? o.unavailableUs : undefined);
const neverBack = (runs: readonly RunResult[], get: (r: RunResult) => DirectionOutage | null | undefined): number => runs.filter((r) => {
  const o = get(r);
  return o !== null && o !== undefined && o.unavailableUs > 0 && o.firstSuccessAfterFaultUs === null;
}).length;

export function failoverSection(t: TableRuns): string {
  const rows = t.cells.map(({ cell, runs }) => {
    const statuses = Object.entries(runs.reduce<Record<string, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {})).map(([s, n]) => `${s} ${n}`).join(', ');
    const never = neverBack(runs, (r) => r.failover?.consume);
    return (
      `| ${cell.label} | ${runs.length} | ${statuses}${never > 0 ? `; consumer never back in ${never}` : ''} | ${spreadCell(pick(runs, (r) => gapOf(r.failover?.publish)), seconds)} | ` +
      `${spreadCell(pick(runs, (r) => gapOf(r.failover?.consume)), seconds)} | ${spreadCell(pick(runs, (r) => r.failover?.ackedThenLost), count)} | ${spreadCell(pick(runs, (r) => r.failover?.duplicated), count)} | \`npx bench run ${cell.args.join(' ')}\` |`
    );
  });
  return [
    '| case | runs | status | publish unavailable | consume unavailable | acked then lost | duplicates | command |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Acked then lost: messages the broker confirmed that no consumer received. Every cell is the median [min - max] over its runs, with n; a single run says so.',
  ].join('\n');
}
