import { describeRamp, describeSizes } from '../metrics/load-shape-words.js';
import { latenciesOf, mergeEncoded, summarizeMerged } from '../metrics/histogram.js';
import type { Counts, Latencies, LatencySummary, RunResult, Throughput, Workload } from '../results/types.js';
import { formatSeconds } from '../util/format.js';

/**
 * Repeats of one workload identity, merged rather than picked: histograms added (exact), throughput
 * as the median of the runs, counts summed; the per-run values are kept for spread and tests.
 */
export interface RunGroup {
  /** the full identity: broker, client + version, workload (every option, nested driver settings too), host */
  key: string;
  broker: string;
  /** client name and version, as the driver reports them */
  client: string;
  /** hostname and cores of the machine that ran the load */
  host: string;
  scenario: string;
  /** the workload minus the broker: the same key on two brokers is a like-for-like comparison */
  workloadKey: string;
  /** unique among the groups it was made with (see distinguishLabels) */
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

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two runs the same workload (the broker aside): every field, nested driver settings included. */
export function workloadKey(workload: Workload): string {
  const { broker: _broker, ...rest } = workload;
  return canonicalJson(rest);
}

/** Everything that makes two runs repeats of one another; anything else differing makes them two groups. */
export function identityOf(result: RunResult): Record<string, unknown> {
  return {
    workload: result.workload,
    client: `${result.broker.client.name} ${result.broker.client.version}`,
    host: `${result.environment.hostname} (${result.environment.cores} cores)`,
  };
}

/** A short human description of the workload's load shape, with its measured window. */
export function workloadLabel(w: Workload): string {
  const rate = w.ramp ? `stages ${describeRamp(w.ramp)}` : `${w.rate} msg/s`;
  const load = w.messages !== null ? `${w.messages} msg` : w.rate === 'max' ? `max (${w.inflight} in flight)` : rate;
  const window = w.messages !== null ? '' : `, ${formatSeconds(w.durationUs)} after ${formatSeconds(w.warmupUs)} warmup`;
  const shape = [
    w.partitions > 1 ? `P=${w.partitions}` : '',
    w.subscriptions > 1 ? `K=${w.subscriptions}` : '',
    w.producers > 1 ? `${w.producers} producers` : '',
    w.driver.persistent ? 'persistent' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${w.scenario} ${load}, ${w.sizes ? `sizes ${describeSizes(w.sizes)}` : `${w.messageSize} B`}${window}${shape ? `, ${shape}` : ''}`;
}

/** An identity as flat "path=value" pairs (workload.driver.prefetch=1000, client=..., host=...). */
export function flatIdentity(result: RunResult): Map<string, string> {
  const flat = new Map<string, string>();
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else flat.set(prefix, JSON.stringify(value));
  };
  walk('', identityOf(result));
  return flat;
}

/** The fields in which two runs' identities differ, as "name: a -> b" (workload. prefix dropped). */
export function identityDifferences(a: RunResult, b: RunResult): string[] {
  const fa = flatIdentity(a);
  const fb = flatIdentity(b);
  const names = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return names
    .filter((name) => fa.get(name) !== fb.get(name))
    .map((name) => `${name.replace(/^workload\./, '')}: ${fa.get(name) ?? '(none)'} -> ${fb.get(name) ?? '(none)'}`);
}

function sumCounts(results: readonly RunResult[]): Counts {
  const zero: Counts = { sent: 0, acked: 0, received: 0, expected: 0, lost: 0, duplicated: 0, reordered: 0, sendErrors: 0, receivedDespiteSendError: 0, arrivedAfterClose: 0 };
  return results.reduce((sum, r) => {
    const out = { ...sum };
    for (const key of Object.keys(zero) as (keyof Counts)[]) out[key] += r.counts[key];
    return out;
  }, zero);
}

function groupOf(key: string, runs: RunResult[]): RunGroup {
  const first = runs[0] as RunResult;
  const identity = identityOf(first);
  return {
    key,
    broker: first.workload.broker,
    client: identity.client as string,
    host: identity.host as string,
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
  };
}

/**
 * Groups that would share a broker and label get the identity fields that tell them apart appended
 * (", driver.prefetch=10"), so two different workloads never merge into one label or chart series.
 */
export function distinguishLabels(groups: RunGroup[]): RunGroup[] {
  const byName = new Map<string, RunGroup[]>();
  for (const g of groups) byName.set(`${g.broker}|${g.label}`, [...(byName.get(`${g.broker}|${g.label}`) ?? []), g]);
  return groups.map((g) => {
    const clash = (byName.get(`${g.broker}|${g.label}`) ?? []).filter((o) => o !== g);
    if (clash.length === 0) return g;
    const mine = flatIdentity(g.runs[0] as RunResult);
    const differing = [...mine.keys()].filter((k) => clash.some((o) => flatIdentity(o.runs[0] as RunResult).get(k) !== mine.get(k)));
    const extra = differing.map((k) => `${k.replace(/^workload\./, '')}=${(mine.get(k) ?? '').replace(/^"|"$/g, '')}`).join(', ');
    return { ...g, label: `${g.label}, ${extra}` };
  });
}

/** Runs grouped by their full identity (identityOf); labels made unique. */
export function groupResults(results: readonly RunResult[]): RunGroup[] {
  const byKey = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = canonicalJson(identityOf(r));
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const groups = distinguishLabels([...byKey].map(([key, runs]) => groupOf(key, runs)));
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
