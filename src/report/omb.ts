/**
 * A run as OpenMessaging Benchmark's result JSON, so what reads OMB's results (its ResultsToCsv, scripts
 * and dashboards built on its rates, percentiles and quantile maps) reads mqbench runs. The keys are exactly those of
 * OMB's TestResult class (openmessaging/benchmark, benchmark-framework/src/main/java/io/openmessaging/
 * benchmark/TestResult.java), in its order, with its units, as its WorkloadGenerator fills them:
 * publish and end-to-end latencies in milliseconds (doubles), publish delay in microseconds (whole for
 * percentiles), rates per period in msg/s, backlog in messages.
 *
 * What mqbench did not measure is left as OMB's own class leaves it, never made up:
 * - the per-period latency lists (publishLatency99pct, endToEndLatencyAvg ...) stay empty: mqbench keeps
 *   one histogram per run, not one per period;
 * - publishErrorRate is 0 for every period when the run had no send error, else empty (errors are
 *   counted per run, not per second);
 * - an aggregated latency with no value recorded (the memory broker never acknowledges a send) is null,
 *   its quantile map empty.
 * Pure: no I/O.
 */
import * as hdr from 'hdr-histogram-js';
import { inspectEncodedHistogram } from '../results/histogram-bounds.js';
import type { RunResult, TimelinePoint } from '../results/types.js';
import { workloadLabel } from './groups.js';

/** OMB samples every 10 s (WorkloadGenerator's Thread.sleep(10000)); create_charts.py draws a point per 10 s. */
export const ombPeriodSeconds = 10;

/** OMB's statistics of one latency, in its field-name spelling and the percentile each stands for. */
const statistics = [
  ['Avg', 'mean'],
  ['50pct', 50],
  ['75pct', 75],
  ['95pct', 95],
  ['99pct', 99],
  ['999pct', 99.9],
  ['9999pct', 99.99],
  ['Max', 100],
] as const;
type Statistic = (typeof statistics)[number][0];

type PerPeriod<P extends string> = { [S in Statistic as `${P}${S}`]: number[] };
type Aggregated<P extends string> = { [S in Statistic as `aggregated${P}${S}`]: number | null };

/** OMB's TestResult as JSON (Jackson writes its public fields; Map<Double, ...> keys as Double.toString). */
export type OmbTestResult = {
  workload: string;
  driver: string;
  messageSize: number;
  topics: number;
  partitions: number;
  producersPerTopic: number;
  consumersPerTopic: number;
  publishRate: number[];
  publishErrorRate: number[];
  consumeRate: number[];
  backlog: number[];
} & PerPeriod<'publishLatency'> &
  PerPeriod<'publishDelayLatency'> &
  Aggregated<'PublishLatency'> &
  Aggregated<'PublishDelayLatency'> & {
    aggregatedPublishLatencyQuantiles: Record<string, number>;
    aggregatedPublishDelayLatencyQuantiles: Record<string, number>;
  } & PerPeriod<'endToEndLatency'> & { aggregatedEndToEndLatencyQuantiles: Record<string, number> } & Aggregated<'EndToEndLatency'>;

interface PeriodRates {
  publishRate: number[];
  consumeRate: number[];
  backlog: number[];
  seconds: number[];
}

/**
 * The timeline's seconds summed into OMB periods: rates over the time each period covered (the last
 * one may be shorter), backlog as OMB computes it at each period's end: subscriptions x sent - received.
 */
export function periodRates(timeline: readonly TimelinePoint[], subscriptions: number, periodSeconds = ombPeriodSeconds): PeriodRates {
  const out: PeriodRates = { publishRate: [], consumeRate: [], backlog: [], seconds: [] };
  let sentSoFar = 0;
  let receivedSoFar = 0;
  for (let start = 0; start < timeline.length; start += periodSeconds) {
    const points = timeline.slice(start, start + periodSeconds);
    const coveredS = points.reduce((sum, p) => sum + p.coveredUs, 0) / 1_000_000;
    const sent = points.reduce((sum, p) => sum + p.sent, 0);
    const received = points.reduce((sum, p) => sum + p.received, 0);
    sentSoFar += sent;
    receivedSoFar += received;
    if (coveredS === 0) continue;
    out.publishRate.push(sent / coveredS);
    out.consumeRate.push(received / coveredS);
    out.backlog.push(Math.max(0, subscriptions * sentSoFar - receivedSoFar));
    out.seconds.push(coveredS);
  }
  return out;
}

/** Java's Double.toString for the percentile levels HdrHistogram iterates to (0 <= p <= 100): 50 -> "50.0". */
export function javaDoubleKey(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** Held to histogram-bounds' limits first; decoded in JavaScript, whose histogram has HdrHistogram's percentile iterator. */
function decoded(encoded: string): hdr.JsHistogram {
  inspectEncodedHistogram(encoded);
  return hdr.decodeFromCompressedBase64(encoded, 32, false) as hdr.JsHistogram;
}

/** One latency's aggregated fields and quantile map, each value in microseconds divided by `divisor` (1,000 for ms). */
function aggregate(encoded: string, divisor: number): { values: Record<Statistic, number | null>; quantiles: Record<string, number> } {
  const histogram = decoded(encoded);
  const scale = (us: number): number => us / divisor;
  const empty = histogram.totalCount === 0;
  const values = Object.fromEntries(
    statistics.map(([name, at]) => [name, empty ? null : at === 'mean' ? histogram.mean / divisor : scale(histogram.getValueAtPercentile(at))]),
  ) as Record<Statistic, number | null>;
  const quantiles: Record<string, number> = {};
  // OMB: histogram.percentiles(100), HdrHistogram's percentile iterator at 100 ticks per half distance
  const iterator = histogram.percentileIterator;
  iterator.reset(100);
  while (!empty && iterator.hasNext()) {
    const step = iterator.next();
    quantiles[javaDoubleKey(step.percentileLevelIteratedTo)] = scale(step.valueIteratedTo);
  }
  return { values, quantiles };
}

function prefixed<P extends string>(prefix: P, values: Record<Statistic, number | null>): Record<string, number | null> {
  return Object.fromEntries(statistics.map(([name]) => [`${prefix}${name}`, values[name]]));
}

const emptyLists = (prefix: string): Record<string, number[]> => Object.fromEntries(statistics.map(([name]) => [`${prefix}${name}`, []]));

/**
 * OMB's end-to-end latency is receipt time minus the send's own timestamp (LocalWorker), so it is
 * mqbench's uncorrected end-to-end latency; OMB's publish delay (intended to actual send) is mqbench's
 * send delay; its publish latency (send to the broker's acknowledgement) is mqbench's publish latency.
 */
export function toOmbResult(result: RunResult): OmbTestResult {
  const w = result.workload;
  const rates = periodRates(result.timeline, w.subscriptions);
  const publish = aggregate(result.latencyUs.publish.hdr, 1000);
  const delay = aggregate(result.latencyUs.sendDelay.hdr, 1);
  const endToEnd = aggregate(result.latencyUs.endToEndUncorrected.hdr, 1000);
  return {
    workload: workloadLabel(w),
    driver: result.broker.name,
    messageSize: w.messageSize,
    topics: 1,
    partitions: w.partitions,
    producersPerTopic: w.producers,
    consumersPerTopic: w.consumers,
    publishRate: rates.publishRate,
    publishErrorRate: result.counts.sendErrors === 0 ? rates.publishRate.map(() => 0) : [],
    consumeRate: rates.consumeRate,
    backlog: rates.backlog,
    ...emptyLists('publishLatency'),
    ...emptyLists('publishDelayLatency'),
    ...prefixed('aggregatedPublishLatency', publish.values),
    ...prefixed('aggregatedPublishDelayLatency', delay.values),
    aggregatedPublishLatencyQuantiles: publish.quantiles,
    aggregatedPublishDelayLatencyQuantiles: delay.quantiles,
    ...emptyLists('endToEndLatency'),
    aggregatedEndToEndLatencyQuantiles: endToEnd.quantiles,
    ...prefixed('aggregatedEndToEndLatency', endToEnd.values),
  } as OmbTestResult;
}
