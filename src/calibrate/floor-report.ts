/**
 * `bench calibrate --floor`: the report's shape and its pure parts (the rates parser, the figures read
 * from a run's result, the rows built from the runs' samples). Like jHiccup's idle-load line: the
 * floor is what the harness alone adds to every latency, so a reader can subtract it from a broker's.
 */
import { UsageError } from '../errors.js';
import { summarize } from '../drivers/native-tool/stats.js';
import type { SampleSummary } from '../drivers/native-tool/types.js';
import type { Environment, RunResult } from '../results/types.js';

/** The side that is nothing but the harness: the in-memory broker, in this process. */
export const floorSide = 'memory';

export const defaultRates: readonly number[] = [2000, 5000, 20000];

export type FloorMetricId = 'endToEndP50Us' | 'endToEndP99Us' | 'endToEndP999Us' | 'sendDelayP99Us' | 'sendDelayP999Us' | 'eventLoopDelayP99Us' | 'cpuPerMessageUs';

export interface FloorMetric {
  id: FloorMetricId;
  /** the table's column head */
  label: string;
  read(result: RunResult & { client: NonNullable<RunResult['client']> }): number;
}

/** In the table's order. End-to-end is the corrected latency (from the intended send time). */
export const floorMetrics: readonly FloorMetric[] = [
  { id: 'endToEndP50Us', label: 'e2e p50', read: (r) => r.latencyUs.endToEnd.p50 },
  { id: 'endToEndP99Us', label: 'e2e p99', read: (r) => r.latencyUs.endToEnd.p99 },
  { id: 'endToEndP999Us', label: 'e2e p99.9', read: (r) => r.latencyUs.endToEnd.p999 },
  { id: 'sendDelayP99Us', label: 'send delay p99', read: (r) => r.latencyUs.sendDelay.p99 },
  { id: 'sendDelayP999Us', label: 'send delay p99.9', read: (r) => r.latencyUs.sendDelay.p999 },
  { id: 'eventLoopDelayP99Us', label: 'loop delay p99', read: (r) => r.client.eventLoopDelayP99Us },
  { id: 'cpuPerMessageUs', label: 'CPU / msg', read: (r) => r.client.cpuPerMessageUs },
];

export type FloorValues = Record<FloorMetricId, number>;

export interface FloorWorkload {
  size: number;
  durationSec: number;
  warmupSec: number;
  rounds: number;
  /** messages per second, in the order given */
  rates: number[];
}

/** One run: a rate, a side (memory: the floor; else the broker named) and a round. */
export interface FloorSample {
  round: number;
  rate: number;
  side: string;
  resultId: string;
  status: RunResult['status'];
  /** what the open loop achieved: a floor at a rate the harness could not send is no floor */
  achievedSendPerSec: number;
  targetReached: boolean;
  values: FloorValues;
}

/** One rate and side: each metric's median and min..max over the rounds. */
export interface FloorRow {
  rate: number;
  side: string;
  rounds: number;
  /** runs whose achieved send rate was at least 95% of the rate */
  targetReached: number;
  metrics: Record<FloorMetricId, SampleSummary>;
}

export interface FloorReport {
  kind: 'mqbench-floor';
  version: 1;
  id: string;
  startedAt: string;
  finishedAt: string;
  /** the broker run beside the floor (--broker), credentials removed from its URL */
  broker?: { name: string; url: string; version: string; client: { name: string; version: string } };
  environment: Environment;
  workload: FloorWorkload;
  samples: FloorSample[];
  rows: FloorRow[];
}

function badRates(raw: string): never {
  throw new UsageError(`--rates: must be messages per second, comma-separated, each greater than zero (e.g. 2000,5000,20000), got "${raw.slice(0, 60)}"`);
}

/** `--rates 2000,5000,20000`: each a number > 0, none twice (a rate measured twice would be one row of two sets). */
export function parseRates(raw: string | undefined): number[] {
  if (raw === undefined) return [...defaultRates];
  const rates = raw.split(',').map((part) => (/^\s*\d+(\.\d+)?\s*$/.test(part) ? Number(part) : Number.NaN));
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) badRates(raw);
  const twice = rates.find((rate, i) => rates.indexOf(rate) !== i);
  if (twice !== undefined) throw new UsageError(`--rates: ${twice} is given twice`);
  return rates;
}

/** The floor's figures of one run; a run without its client cost measured nothing to report. */
export function floorValuesOf(result: RunResult): FloorValues | undefined {
  const client = result.client;
  if (!client) return undefined;
  const withClient = { ...result, client };
  return Object.fromEntries(floorMetrics.map((m) => [m.id, m.read(withClient)])) as FloorValues;
}

/** Per rate (in the order given), the floor's row and then the broker's; a side with no samples has no row. */
export function floorRows(rates: readonly number[], sides: readonly string[], samples: readonly FloorSample[]): FloorRow[] {
  return rates.flatMap((rate) =>
    sides.flatMap((side): FloorRow[] => {
      const mine = samples.filter((s) => s.rate === rate && s.side === side);
      if (mine.length === 0) return [];
      const metrics = Object.fromEntries(floorMetrics.map((m) => [m.id, summarize(mine.map((s) => s.values[m.id]))])) as Record<FloorMetricId, SampleSummary>;
      return [{ rate, side, rounds: mine.length, targetReached: mine.filter((s) => s.targetReached).length, metrics }];
    }),
  );
}
