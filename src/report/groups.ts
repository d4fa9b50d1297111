import { latenciesOf, mergeEncoded, summarizeMerged } from '../metrics/histogram.js';
import type { Counts, Latencies, LatencySummary, RunResult, Throughput, Workload } from '../results/types.js';

/**
 * Repeats of one workload on one broker, merged rather than picked: histograms added (exact),
 * throughput as the median of the runs, counts summed.
 */
export interface RunGroup {
  key: string;
  broker: string;
  scenario: string;
  /** the workload minus the broker: the same key on two brokers is a like-for-like comparison */
  workloadKey: string;
  label: string;
  runs: RunResult[];
  loop: RunResult['loop'];
  /** medians over the runs */
  throughput: Pick<Throughput, 'sentPerSec' | 'receivedPerSec' | 'mbPerSec'>;
  latencyUs: Latencies<LatencySummary>;
  counts: Counts;
  statuses: RunResult['status'][];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What makes two runs the same workload (the broker aside). */
export function workloadKey(workload: Workload): string {
  const { broker: _broker, ...rest } = workload;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** A short human description of the workload's load shape. */
export function workloadLabel(w: Workload): string {
  const load = w.messages !== null ? `${w.messages} msg` : w.rate === 'max' ? `max (${w.inflight} in flight)` : `${w.rate} msg/s`;
  const shape = [
    w.partitions > 1 ? `P=${w.partitions}` : '',
    w.subscriptions > 1 ? `K=${w.subscriptions}` : '',
    w.producers > 1 ? `${w.producers} producers` : '',
    w.driver.persistent ? 'persistent' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${w.scenario} ${load}, ${w.messageSize} B${shape ? `, ${shape}` : ''}`;
}

function sumCounts(results: readonly RunResult[]): Counts {
  const zero: Counts = { sent: 0, acked: 0, received: 0, expected: 0, lost: 0, duplicated: 0, reordered: 0, sendErrors: 0, receivedDespiteSendError: 0, arrivedAfterClose: 0 };
  return results.reduce((sum, r) => {
    const out = { ...sum };
    for (const key of Object.keys(zero) as (keyof Counts)[]) out[key] += r.counts[key];
    return out;
  }, zero);
}


export function groupResults(results: readonly RunResult[]): RunGroup[] {
  const byKey = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = `${r.workload.broker}|${workloadKey(r.workload)}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const groups: RunGroup[] = [];
  for (const [key, runs] of byKey) {
    const first = runs[0] as RunResult;
    groups.push({
      key,
      broker: first.workload.broker,
      scenario: first.workload.scenario,
      workloadKey: workloadKey(first.workload),
      label: workloadLabel(first.workload),
      runs,
      loop: first.loop,
      throughput: {
        sentPerSec: median(runs.map((r) => r.throughput.sentPerSec)),
        receivedPerSec: median(runs.map((r) => r.throughput.receivedPerSec)),
        mbPerSec: median(runs.map((r) => r.throughput.mbPerSec)),
      },
      latencyUs: latenciesOf((name) => summarizeMerged(runs.map((r) => r.latencyUs[name].hdr))),
      counts: sumCounts(runs),
      statuses: runs.map((r) => r.status),
    });
  }
  return groups.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.label.localeCompare(b.label) || a.broker.localeCompare(b.broker));
}

/** Percentile curve of a merged histogram, as HdrHistogram plots it: x = 1/(1-p). */
export function percentileCurve(encoded: readonly string[]): { percentile: number; x: number; valueUs: number }[] {
  const histogram = mergeEncoded(encoded);
  try {
    const count = histogram.totalCount;
    if (count === 0) return [];
    const points: { percentile: number; x: number; valueUs: number }[] = [];
    // ticks every 1/20 of a decade of 1/(1-p), until one value is below the resolution of the data
    for (let i = 0; i <= 120; i++) {
      const x = 10 ** (i / 20);
      if (x > count) break;
      const percentile = 100 * (1 - 1 / x);
      points.push({ percentile, x, valueUs: histogram.getValueAtPercentile(percentile) });
    }
    points.push({ percentile: 100, x: Math.max(count, points.at(-1)?.x ?? 1), valueUs: histogram.getValueAtPercentile(100) });
    return points;
  } finally {
    histogram.destroy();
  }
}
