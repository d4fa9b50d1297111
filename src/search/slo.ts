/**
 * A latency objective such as "p99<20ms": which percentile of the corrected end-to-end latency,
 * compared how, against what. Pure: text in, objective out, one line on bad input.
 */
import { UsageError } from '../errors.js';
import type { LatencySummary } from '../results/types.js';

export type SloMetric = 'p50' | 'p90' | 'p99' | 'p999' | 'max';

export interface Slo {
  /** as the user wrote it, normalised: e.g. "p99<20ms" */
  text: string;
  metric: SloMetric;
  /** '<' strictly below, '<=' at most */
  comparison: '<' | '<=';
  thresholdUs: number;
}

const metricNames: Record<string, SloMetric> = { p50: 'p50', p90: 'p90', p99: 'p99', 'p99.9': 'p999', p999: 'p999', max: 'max' };
const unitUs: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000 };

const expected = 'must be a percentile, < or <= and a time, e.g. "p99<20ms" (p50, p90, p99, p99.9 or max; us, ms or s)';

export function parseSlo(raw: string): Slo {
  const text = raw.replace(/\s+/g, '').toLowerCase();
  const match = /^(p50|p90|p99\.9|p999|p99|max)(<=|<)(\d+(?:\.\d+)?)(us|ms|s)$/.exec(text);
  const shownRaw = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  if (!match) throw new UsageError(`--slo: ${expected}, got "${shownRaw}"`);
  const [, name, comparison, amount, unit] = match as unknown as [string, string, '<' | '<=', string, string];
  const thresholdUs = Number(amount) * (unitUs[unit] as number);
  if (!(thresholdUs >= 1)) throw new UsageError(`--slo: the time must be at least 1 us, got "${shownRaw}"`);
  return { text, metric: metricNames[name] as SloMetric, comparison, thresholdUs };
}

/** The objective's metric in a latency summary (us). */
export function sloValueUs(slo: Slo, latency: LatencySummary): number {
  return latency[slo.metric];
}

export function sloHolds(slo: Slo, valueUs: number): boolean {
  return slo.comparison === '<' ? valueUs < slo.thresholdUs : valueUs <= slo.thresholdUs;
}
