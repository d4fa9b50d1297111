/**
 * `bench run --threshold "p99<20ms"` (k6's thresholds, a small grammar): a condition one run must
 * meet, on the metrics `bench check` judges (end-to-end latency, received msg/s, lost, send errors).
 * A met one is a ✓ in the summary's checks, a missed one a ✗ and exit 1. Pure: text in, threshold
 * out, one line on bad input; result in, verdict out.
 *
 *   threshold := metric op number [unit]      (spaces ignored, case ignored)
 *   metric    := p50 | p90 | p99 | p99.9 | max        end-to-end latency (corrected in open loop): unit us, ms or s
 *              | throughput                          received msg/s: no unit, or msg/s
 *              | lost | duplicated | send-errors     counts: no unit
 *   op        := < | <= | > | >= | ==
 */
import { UsageError } from '../errors.js';
import type { LatencySummary, RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import { printable } from '../util/printable.js';

type Operator = '<' | '<=' | '>' | '>=' | '==';
type Kind = 'latency' | 'rate' | 'count';

interface MetricOfThreshold {
  kind: Kind;
  /** as bench check and compare name it */
  label: string;
  /** the run's value, or why the run has none */
  valueOf: (r: RunResult) => number | { none: string };
  format: (value: number) => string;
}

export interface Threshold {
  /** as written, spaces removed: "p99<20ms" */
  text: string;
  metric: string;
  operator: Operator;
  /** in the metric's unit: microseconds for a latency, msg/s, or a count */
  limit: number;
}

export interface ThresholdVerdict {
  ok: boolean;
  /** what the summary's check line says after ✓ or ✗ */
  text: string;
}

const latency =
  (percentile: Exclude<keyof LatencySummary, 'hdr'>, name: string): MetricOfThreshold['valueOf'] =>
  (r) =>
    r.latencyUs.endToEnd.count === 0 ? { none: `no message arrived: no end-to-end ${name}` } : r.latencyUs.endToEnd[percentile];

const thresholdMetrics: Readonly<Record<string, MetricOfThreshold>> = {
  p50: { kind: 'latency', label: 'end-to-end p50', valueOf: latency('p50', 'p50'), format: formatLatencyUs },
  p90: { kind: 'latency', label: 'end-to-end p90', valueOf: latency('p90', 'p90'), format: formatLatencyUs },
  p99: { kind: 'latency', label: 'end-to-end p99', valueOf: latency('p99', 'p99'), format: formatLatencyUs },
  'p99.9': { kind: 'latency', label: 'end-to-end p99.9', valueOf: latency('p999', 'p99.9'), format: formatLatencyUs },
  max: { kind: 'latency', label: 'end-to-end max', valueOf: latency('max', 'max'), format: formatLatencyUs },
  throughput: {
    kind: 'rate',
    label: 'received msg/s',
    // a fixed message count (hello-world) is a round trip, not a rate: the summary shows none either
    valueOf: (r) => (r.workload.messages === null ? r.throughput.receivedPerSec : { none: 'a fixed message count has no rate' }),
    // as check writes it: "received msg/s 1,000", the unit in the name
    format: formatCount,
  },
  lost: { kind: 'count', label: 'lost messages', valueOf: (r) => r.counts.lost, format: formatCount },
  duplicated: { kind: 'count', label: 'duplicated messages', valueOf: (r) => r.counts.duplicated, format: formatCount },
  'send-errors': { kind: 'count', label: 'send errors', valueOf: (r) => r.counts.sendErrors, format: formatCount },
};

const metricList = Object.keys(thresholdMetrics).join(', ');
const unitUs: Readonly<Record<string, number>> = { us: 1, ms: 1_000, s: 1_000_000 };
const shape = /^([a-z][a-z0-9.-]*)(<=|>=|==|<|>)(\d+(?:\.\d+)?|\.\d+)([a-z/]*)$/;
const form = 'must be <metric><op><number>[unit], e.g. "p99<20ms", "lost==0", "throughput>=1000" (ops: <, <=, >, >=, ==)';

/** The limit in the metric's unit, or the one line that says what the unit should be. */
function limitOf(name: string, metric: MetricOfThreshold, amount: number, unit: string): number | string {
  if (metric.kind === 'latency') {
    const factor = unitUs[unit];
    if (factor === undefined) return `a latency needs a time unit: us, ms or s (e.g. "${name}<20ms")`;
    return amount * factor;
  }
  if (metric.kind === 'rate' && (unit === '' || unit === 'msg/s')) return amount;
  if (metric.kind === 'count' && unit === '') return amount;
  return `${metric.kind === 'rate' ? 'a rate takes no unit but msg/s' : 'a count takes no unit'}, got "${unit}"`;
}

/** One `--threshold` text as a threshold; bad text is one line naming what is wrong (UsageError, exit 2). */
export function parseThreshold(raw: string): Threshold {
  const text = raw.replace(/\s+/g, '').toLowerCase();
  const shown = printable(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  const refuse = (why: string): never => {
    throw new UsageError(`--threshold "${shown}": ${why}`);
  };
  const match = shape.exec(text) ?? refuse(form);
  const [, name, operator, amount, unit] = match as unknown as [string, string, Operator, string, string];
  const metric = Object.hasOwn(thresholdMetrics, name) ? thresholdMetrics[name] : undefined;
  if (metric === undefined) return refuse(`unknown metric "${name}" (one of ${metricList})`);
  const limit = limitOf(name, metric, Number(amount), unit);
  if (typeof limit === 'string') return refuse(limit);
  return { text, metric: name, operator, limit };
}

/** Every `--threshold` given (the flag repeats); the first bad one refuses them all. */
export function parseThresholds(raw: readonly string[] | string | undefined): Threshold[] {
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((text) => parseThreshold(String(text)));
}

function holds(value: number, operator: Operator, limit: number): boolean {
  if (operator === '<') return value < limit;
  if (operator === '<=') return value <= limit;
  if (operator === '>') return value > limit;
  if (operator === '>=') return value >= limit;
  return value === limit;
}

/** One threshold against one run: met or missed, with the value that decided it. */
export function judgeThreshold(result: RunResult, threshold: Threshold): ThresholdVerdict {
  const metric = thresholdMetrics[threshold.metric] as MetricOfThreshold;
  const value = metric.valueOf(result);
  // a threshold with nothing to measure is missed: a pass would claim what the run did not show
  if (typeof value !== 'number') return { ok: false, text: `threshold ${threshold.text} (${value.none})` };
  return { ok: holds(value, threshold.operator, threshold.limit), text: `threshold ${threshold.text} (${metric.label} ${metric.format(value)})` };
}

export function judgeThresholds(result: RunResult, thresholds: readonly Threshold[]): ThresholdVerdict[] {
  return thresholds.map((t) => judgeThreshold(result, t));
}
