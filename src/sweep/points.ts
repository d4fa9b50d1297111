/** A sweep's points from its runs (pure): median and range across repeats of each broker at each value. */
import { spreadOf } from '../report/stats.js';
import type { SampleSpread, SweepPoint, SweepRun } from '../results/sweep.js';
import type { RunResult } from '../results/types.js';
import type { VariedValue } from './order.js';

export interface SweepRunResult {
  broker: string;
  value: VariedValue;
  run: SweepRun;
  result: RunResult;
}

function spread(values: readonly number[]): SampleSpread | null {
  if (values.length === 0) return null;
  const { n, median, min, max } = spreadOf(values);
  return { n, median, min, max };
}

/** Runs that went to their end count; aborted and errored runs are listed but not summarised. */
const wentToEnd = (r: RunResult): boolean => r.status === 'completed' || r.status === 'completed-with-errors';

export function pointOf(broker: string, value: VariedValue, runs: readonly SweepRunResult[]): SweepPoint {
  const mine = runs.filter((r) => r.broker === broker && r.value.raw === value.raw);
  const results = mine.map((r) => r.result).filter(wentToEnd);
  const brokerCosts = results.map((r) => r.brokerCost);
  const measured = brokerCosts.flatMap((c) => (c?.measured ? [c.cpuPerMessageUs] : []));
  const notMeasured = brokerCosts.find((c) => c !== undefined && !c.measured);
  return {
    broker,
    value: value.raw,
    parsedValue: value.parsed,
    runs: mine.map((r) => r.run),
    receivedPerSec: spread(results.map((r) => r.throughput.receivedPerSec)),
    p50Us: spread(results.map((r) => r.latencyUs.endToEnd.p50)),
    p99Us: spread(results.map((r) => r.latencyUs.endToEnd.p99)),
    clientCpuPerMessageUs: spread(results.flatMap((r) => (r.client ? [r.client.cpuPerMessageUs] : []))),
    brokerCpuPerMessageUs: spread(measured),
    ...(notMeasured && !notMeasured.measured && measured.length === 0 ? { brokerCostNotMeasured: notMeasured.reason } : {}),
  };
}
