import { formatCount, formatLatencyUs } from './format.js';
import type { RunGroup } from './groups.js';

export interface Thresholds {
  /** p99 may grow by at most this many percent */
  maxP99IncreasePct: number;
  /** throughput may fall by at most this many percent */
  maxThroughputDropPct: number;
  /** lost messages allowed (summed over the current runs of a workload) */
  maxLost: number;
  /** failed or never-confirmed sends allowed (summed over the current runs of a workload) */
  maxSendErrors: number;
}

export const defaultThresholds: Thresholds = { maxP99IncreasePct: 20, maxThroughputDropPct: 10, maxLost: 0, maxSendErrors: 0 };

export interface Verdict {
  regressions: string[];
  passed: string[];
}

/**
 * The regression gate: each baseline workload against the current one of the same broker and
 * workload, judged on merged histograms and median throughput over repeats. Pure.
 */
export function judge(baseline: readonly RunGroup[], current: readonly RunGroup[], t: Thresholds): Verdict {
  const regressions: string[] = [];
  const passed: string[] = [];
  for (const base of baseline) {
    const name = `${base.broker}: ${base.label}`;
    const now = current.find((g) => g.key === base.key);
    if (!now) {
      regressions.push(`${name}: no current run of this workload`);
      continue;
    }
    const problems: string[] = [];
    const p99Limit = base.latencyUs.endToEnd.p99 * (1 + t.maxP99IncreasePct / 100);
    if (now.latencyUs.endToEnd.p99 > p99Limit) {
      const pct = ((now.latencyUs.endToEnd.p99 / base.latencyUs.endToEnd.p99 - 1) * 100).toFixed(1);
      problems.push(`p99 ${formatLatencyUs(base.latencyUs.endToEnd.p99)} -> ${formatLatencyUs(now.latencyUs.endToEnd.p99)} (+${pct}%, limit +${t.maxP99IncreasePct}%)`);
    }
    const throughputFloor = base.throughput.receivedPerSec * (1 - t.maxThroughputDropPct / 100);
    if (now.throughput.receivedPerSec < throughputFloor) {
      const pct = ((1 - now.throughput.receivedPerSec / base.throughput.receivedPerSec) * 100).toFixed(1);
      problems.push(`throughput ${formatCount(base.throughput.receivedPerSec)} -> ${formatCount(now.throughput.receivedPerSec)} msg/s (-${pct}%, limit -${t.maxThroughputDropPct}%)`);
    }
    if (now.counts.lost > t.maxLost) problems.push(`lost ${formatCount(now.counts.lost)} messages (limit ${t.maxLost})`);
    if (now.counts.sendErrors > t.maxSendErrors) problems.push(`${formatCount(now.counts.sendErrors)} send errors (limit ${t.maxSendErrors})`);
    // a run that completed with send errors is judged by the send-error threshold above, not failed twice
    const bad = now.statuses.filter((s) => s !== 'completed' && s !== 'completed-with-errors');
    if (bad.length > 0) problems.push(`${bad.length} run(s) did not complete (${bad.join(', ')})`);
    if (problems.length > 0) regressions.push(`${name}: ${problems.join('; ')}`);
    else passed.push(name);
  }
  return { regressions, passed };
}
