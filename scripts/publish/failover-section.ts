/**
 * Question 3's failover table from the sitting's cluster runs: a row per case and fault, each figure
 * the median [min - max] over the repeats (the figures scripts/notes-q3-summary.ts gives the partition tables, in the published form).
 */
import type { DirectionOutage, RunResult } from '../../src/results/types.js';
import { formatCount } from '../../src/util/format.js';
import type { TableRuns } from './cells.js';
import { spreadCell } from './spread.js';

const seconds = (us: number): string => `${(us / 1e6).toFixed(2)} s`;
const count = (n: number): string => formatCount(Math.round(n));

/** A stretch that began once the measured window was over (the drain after the last send or receipt): not an outage in it. */
export const afterWindow = 'after-window';

/** One run's gap in one direction: its length (us), null when it never ended, afterWindow, or undefined when the run has none. */
export type GapReading = number | null | typeof afterWindow | undefined;

/**
 * A gap as the tables count it: null when it never ended (a stretch that ran to the end of the data);
 * afterWindow when it began once the direction's measured window was over (sends: the send window;
 * receipts: the receive window): any stretch inside the window was shorter, of a length the result does
 * not keep, so it is counted apart, never as an outage.
 */
export function gapOf(outage: DirectionOutage | null | undefined, windowUs: number): GapReading {
  if (outage === undefined || outage === null) return undefined;
  if (outage.unavailableUs > 0 && outage.unavailableFromUs >= windowUs) return afterWindow;
  return outage.unavailableUs > 0 && outage.firstSuccessAfterFaultUs === null ? null : outage.unavailableUs;
}

const sendGap = (r: RunResult, outage: DirectionOutage | null | undefined): GapReading => gapOf(outage, r.throughput.sendWindowUs);
const receiveGap = (r: RunResult, outage: DirectionOutage | null | undefined): GapReading => gapOf(outage, r.throughput.receiveWindowUs);

const populationOrder = ['survivors', 'failed-node', 'late-joiners'];

/** "0.33 s [0.18 s - 0.72 s] (n=3)", the runs that never came back and those whose stretch began after the window counted apart. */
function gapCell(readings: readonly GapReading[]): string {
  const ended = readings.filter((v): v is number => typeof v === 'number');
  const never = readings.filter((v) => v === null).length;
  const after = readings.filter((v) => v === afterWindow).length;
  if (ended.length + never + after === 0) return '-';
  const notes = [...(never > 0 ? [`never back in ${never}`] : []), ...(after > 0 ? [`after the window only in ${after}`] : [])];
  return [...(ended.length > 0 ? [spreadCell(ended, seconds)] : []), ...notes].join('; ');
}

/**
 * Who waited: a row per case and client population (survivors, the failed node's clients, late
 * joiners), each figure over the runs that had that population. Runs without populations (Kafka's
 * clients follow the partition leader and are not placed) give no row.
 */
export function populationTable(t: TableRuns): string {
  const rows = t.cells.flatMap(({ cell, runs }) =>
    populationOrder.flatMap((name) => {
      const outcomes = runs.flatMap((r) => (r.failover?.populations ?? []).filter((p) => p.population === name).map((p) => ({ r, p })));
      if (outcomes.length === 0) return [];
      return [
        `| ${cell.label} | ${name} | ${outcomes.length} | ${gapCell(outcomes.map(({ r, p }) => sendGap(r, p.publish)))} | ${gapCell(outcomes.map(({ r, p }) => receiveGap(r, p.consume)))} | ` +
          `${spreadCell(outcomes.map(({ p }) => p.ackedThenLost), count)} | ${spreadCell(outcomes.map(({ p }) => p.duplicated), count)} |`,
      ];
    }),
  );
  if (rows.length === 0) return '';
  return ['| case | population | runs | publish gap | consume gap | acked then lost | duplicates |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The population table under the run-wide one, with its heading, or nothing when no run placed its clients. */
function populationBlock(t: TableRuns): string[] {
  const table = populationTable(t);
  if (table === '') return [];
  return ['', "Per client population (RabbitMQ runs: `--clients spread --late-joiners 4`; Kafka's clients follow the partition leader and are not placed), a gap that lasted to the end of the window counted apart as never back:", '', table];
}

export function failoverSection(t: TableRuns): string {
  const rows = t.cells.map(({ cell, runs }) => {
    const statuses = Object.entries(runs.reduce<Record<string, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {})).map(([s, n]) => `${s} ${n}`).join(', ');
    const withFailover = runs.filter((r) => r.failover !== undefined);
    const f = withFailover.flatMap((r) => (r.failover ? [r.failover] : []));
    const gaps = (get: (r: RunResult) => DirectionOutage | null | undefined, of: typeof sendGap) => withFailover.map((r) => of(r, get(r)));
    return (
      `| ${cell.label} | ${runs.length} | ${statuses} | ${gapCell(gaps((r) => r.failover?.publish, sendGap))} | ${gapCell(gaps((r) => r.failover?.consume, receiveGap))} | ${gapCell(gaps((r) => r.failover?.restoreGaps?.publish, sendGap))} | ` +
      `${spreadCell(f.map((x) => x.ackedThenLost), count)} | ${spreadCell(f.map((x) => x.neverAckedLost), count)} | ${spreadCell(f.map((x) => x.duplicated), count)} | \`npx bench run ${cell.args.join(' ')}\` |`
    );
  });
  return [
    '| case | runs | status | publish unavailable | consume unavailable | publish gap once restored | acked then lost | never acked, lost | duplicates | command |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Unavailable: the longest stretch with no broker acknowledgement (publish) or no delivery (consume) that began after the fault and before the restore; once restored: the longest that began after it (a node rejoining, a mirror syncing); never back: runs whose stretch lasted to the end of the window; after the window only: runs whose longest stretch began once the measured window was over (sends: after the last send, while resends were still acknowledged; receipts: after the last receipt): any stretch inside the window was shorter, and none is counted for them. Acked then lost: messages the broker confirmed that no consumer received. Never acked, lost: sends given up on (never acknowledged) that no consumer received. Every cell is the median [min - max] over its runs, with n; a single run says so.',
    ...populationBlock(t),
  ].join('\n');
}
