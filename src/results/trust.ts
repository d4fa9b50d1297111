/**
 * Checks a result file needs beyond its schema before anything uses it (report, compare, check, trend,
 * merge): a file is input, and may be damaged or forged. Numbers must be finite and exact (JSON has no
 * Infinity, but 1e999 parses to it), histograms must decode within bounds (histogram-bounds.ts) and
 * hold as many values as their summary says and no more than the messages they time.
 */
import { HistogramRefusal, inspectEncodedHistogram, maxLatencyUs } from './histogram-bounds.js';
import type { Latencies, LatencySummary, RunResult } from './types.js';

/** JSON pointer segment (RFC 6901). */
const segment = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Deeper than any result or pod line nests (about 6 levels): past it, a forged file would exhaust the stack of whatever walks it. */
const maxDepth = 32;

/**
 * The first number that is not finite or too large to be exact (beyond 2^53), or the first value nested
 * deeper than maxDepth, as one line naming its JSON pointer; undefined when all is fine. Depth-first,
 * in document order.
 */
export function inexactNumberProblem(value: unknown, at = '', depth = 0): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${at || '/'} must be a finite number (it reads as ${String(value)})`;
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return `${at || '/'} is ${value}, beyond the numbers JSON can hold exactly (2^53)`;
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= maxDepth) return `${at} is nested more than ${maxDepth} levels deep, deeper than anything mqbench writes`;
  for (const [key, item] of Object.entries(value)) {
    const problem = inexactNumberProblem(item, `${at}/${segment(key)}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * An encoded histogram's count, read within bounds; `at` names it in the refusal. `count`, when given,
 * is what its summary says it holds.
 */
export function histogramCountProblem(encoded: string, at: string, count?: number): { problem?: string; totalCount: number } {
  try {
    const facts = inspectEncodedHistogram(encoded);
    if (facts.maxValue > maxLatencyUs) return { problem: `${at} holds a value of ${facts.maxValue} us, beyond the ${maxLatencyUs} us a result may hold`, totalCount: facts.totalCount };
    if (count !== undefined && count !== facts.totalCount) return { problem: `${at} holds ${facts.totalCount} values, but its count says ${count}`, totalCount: facts.totalCount };
    return { totalCount: facts.totalCount };
  } catch (error) {
    if (error instanceof HistogramRefusal) return { problem: `${at} ${error.message}`, totalCount: 0 };
    throw error;
  }
}

type LatencyName = keyof Latencies<unknown>;

/** What each latency times, and so the most values its histogram may hold. */
export const timedBy: Readonly<Record<LatencyName, 'received' | 'acked' | 'sent'>> = {
  endToEnd: 'received',
  endToEndUncorrected: 'received',
  publish: 'acked',
  sendDelay: 'sent',
};

const percentileOrder = ['min', 'p50', 'p90', 'p99', 'p999', 'p9999', 'max'] as const;

function latencyProblem(result: RunResult, name: LatencyName): string | undefined {
  const summary: LatencySummary = result.latencyUs[name];
  const at = `/latencyUs/${name}`;
  const { problem } = histogramCountProblem(summary.hdr, `${at}/hdr`, summary.count);
  if (problem) return problem;
  const limit = timedBy[name];
  if (summary.count > result.counts[limit]) return `${at}/count is ${summary.count}, more than the ${result.counts[limit]} messages it times (/counts/${limit})`;
  const outOfOrder = percentileOrder.findIndex((key, i) => i > 0 && summary[key] < summary[percentileOrder[i - 1] as typeof key]);
  if (outOfOrder > 0) return `${at}/${percentileOrder[outOfOrder]} is ${summary[percentileOrder[outOfOrder] as 'max']}, below ${percentileOrder[outOfOrder - 1]} (${summary[percentileOrder[outOfOrder - 1] as 'min']})`;
  return undefined;
}

/** The counts against each other and against the per-stream accounting they sum. */
function countsProblem(result: RunResult): string | undefined {
  const c = result.counts;
  if (c.lost > c.expected) return `/counts/lost is ${c.lost}, more than the ${c.expected} expected`;
  if (c.acked > c.sent) return `/counts/acked is ${c.acked}, more than the ${c.sent} sent`;
  for (const key of ['received', 'lost'] as const) {
    const sum = result.accounting.reduce((n, a) => n + a[key], 0);
    if (sum !== c[key]) return `/counts/${key} is ${c[key]}, but the accounting's streams sum to ${sum}`;
  }
  return undefined;
}

/**
 * One line naming the first field of a schema-valid result that cannot be trusted: a histogram that
 * does not decode within bounds or disagrees with its count, counts that contradict each other.
 */
export function resultTrustProblem(result: RunResult): string | undefined {
  for (const name of Object.keys(timedBy) as LatencyName[]) {
    const problem = latencyProblem(result, name);
    if (problem) return problem;
  }
  return countsProblem(result);
}
