/**
 * A cell's figure as the published tables give it: the median with its range and the number of runs
 * (a single run says so), and the load generator's flags: a row whose client was busier than ~75% of a
 * core, or whose client CPU per message grew with the varied option, is client-limited.
 */
import { formatMedianRange } from '../../src/report/compare.js';
import { spreadOf } from '../../src/report/stats.js';
import { saturatedShare } from '../../src/report/summary.js';
import type { RunResult } from '../../src/results/types.js';
import { formatLatencyUs } from '../../src/util/format.js';

/** "median [min - max] (n=3)", "value (1 run)", or "-" when no run has the figure. */
export function spreadCell(values: readonly number[], format: (v: number) => string): string {
  if (values.length === 0) return '-';
  if (values.length === 1) return `${format(values[0] as number)} (1 run)`;
  return `${formatMedianRange(spreadOf(values), format)} (n=${values.length})`;
}

export const median = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : spreadOf(values).median);

/** The runs' values of one figure, leaving out runs without it. */
export function pick(runs: readonly RunResult[], get: (r: RunResult) => number | undefined): number[] {
  return runs.flatMap((r) => {
    const v = get(r);
    return v === undefined ? [] : [v];
  });
}

/** Client CPU per message must grow by more than this across a series to count as growing with the varied option. */
export const growthLimit = 1.2;

export interface ClientReading {
  /** median busiest-process share of a core */
  share?: number;
  /** median event-loop delay p99 (us) */
  loopDelayUs?: number;
  cpuPerMessageUs?: number;
  /** why the client, not the broker, set this row's number; empty when it did not */
  limits: string[];
}

export function clientReading(runs: readonly RunResult[]): ClientReading {
  const share = median(pick(runs, (r) => r.client?.busiestProcessCpuShare));
  const reading: ClientReading = { share, loopDelayUs: median(pick(runs, (r) => r.client?.eventLoopDelayP99Us)), cpuPerMessageUs: median(pick(runs, (r) => r.client?.cpuPerMessageUs)), limits: [] };
  if (share !== undefined && share >= saturatedShare) reading.limits.push(`client at ${Math.round(share * 100)}% of a core`);
  return reading;
}

/** Marks the rows of one series (value order) whose client CPU per message grew past the first row's by more than growthLimit. */
export function markGrowth(series: readonly ClientReading[], varied: string): void {
  const first = series[0]?.cpuPerMessageUs;
  if (first === undefined || first <= 0) return;
  for (const reading of series.slice(1)) {
    const c = reading.cpuPerMessageUs;
    if (c !== undefined && c > first * growthLimit) reading.limits.push(`client CPU per message ${(c / first).toFixed(2)}x its first ${varied} value's`);
  }
}

/** The client column: "86%, 5.4 ms ⚑" (flagged) or "40%, 1.2 ms". */
export function clientCell(reading: ClientReading): string {
  if (reading.share === undefined) return '-';
  const text = `${Math.round(reading.share * 100)}%, ${reading.loopDelayUs === undefined ? '-' : formatLatencyUs(reading.loopDelayUs)}`;
  return reading.limits.length > 0 ? `${text} ⚑` : text;
}

/** How many runs a claim rests on, in words. */
export function evidence(n: number): string {
  return n === 1 ? 'a single run' : `the median of ${n} runs`;
}
