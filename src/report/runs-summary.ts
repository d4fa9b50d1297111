/**
 * The closing table of `bench run` with several runs (--repeat, --broker a,b): one row per broker and
 * workload, medians with their range over the repeats, as k6 and OMB users expect after a batch.
 * Pure. The significance of a difference is `bench compare`'s job; this table only summarises.
 */
import Table from 'cli-table3';
import type { RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import { formatMedianRange } from './compare.js';
import { groupResults } from './groups.js';
import { spreadOf } from './stats.js';
import { exitCodeOfResult } from './summary.js';

const range = (values: readonly number[], format: (n: number) => string): string => formatMedianRange(spreadOf(values), format);

/**
 * One row per broker and workload over `results`; an empty string for a single run (its summary says it all).
 * `failed`: whether a run had a ✗ (bench run passes its own, with --threshold's verdicts).
 */
export function renderRunsSummary(results: readonly RunResult[], failed = (r: RunResult): boolean => exitCodeOfResult(r) > 0): string {
  if (results.length < 2) return '';
  const table = new Table({
    head: ['broker: workload', 'runs', 'received msg/s\nmedian [min - max]', 'end-to-end p99\nmedian [min - max]', 'lost\n(sum)', 'runs with a ✗'],
    style: { head: [], border: [] },
  });
  for (const group of groupResults(results)) {
    const runs = group.runs;
    table.push([
      `${group.broker}: ${group.label}`,
      String(runs.length),
      range(runs.map((r) => r.throughput.receivedPerSec), formatCount),
      range(runs.map((r) => r.latencyUs.endToEnd.p99), formatLatencyUs),
      formatCount(runs.reduce((sum, r) => sum + r.counts.lost, 0)),
      String(runs.filter(failed).length),
    ]);
  }
  return `all runs (${results.length}): medians over the repeats; \`bench compare\` says whether a difference is significant\n${table.toString()}\n`;
}
