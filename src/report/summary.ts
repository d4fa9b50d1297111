import Table from 'cli-table3';
import type { LatencySummary } from '../metrics/histogram.js';
import type { RunResult } from '../results/types.js';
import { describeBrokerCost } from '../metrics/broker-cost.js';
import { describeSizes, describeSizesSent } from '../metrics/load-shape-words.js';
import { formatCount, formatLatencyUs, formatMb, formatRate, formatSeconds } from '../util/format.js';
import { plural } from '../util/plural.js';
import { backlogLines } from './backlog-summary.js';
import { failoverLines } from './failover-summary.js';
import type { ThresholdVerdict } from './thresholds.js';

/** What the summary adds to the result: the run's --threshold verdicts, and --verbose's detail. */
export interface SummaryOptions {
  /** deciding checks of this run's own (bench run --threshold): a ✗ among them is exit 1 */
  thresholds?: readonly ThresholdVerdict[];
  /** say why broker cost was not measured (the result keeps the reason either way) */
  verbose?: boolean;
}

/**
 * A client process busier than this share of one core may be what limits the run. 0.75, not 0.9: a
 * Node process at 83-88% of a core already set the figures of notes.md's partition sweeps (its CPU per
 * message rose with the partitions while the broker's stayed low), and sampling over a window averages
 * out the bursts where it was at 100%; published tables flag the same share (scripts/publish/).
 */
export const saturatedShare = 0.75;

/** What the load generator cost, and a warning when it may be the bottleneck. */
function clientLines(result: RunResult): string[] {
  const c = result.client;
  if (!c) return [];
  // a fixed message count (hello-world) has no measured window: its CPU is the connection's, not a per-message cost
  const cpu = result.workload.messages === null ? `${c.cpuPerMessageUs.toFixed(1)} us CPU per message` : `${formatLatencyUs(Math.round(c.cpuUs))} CPU in all`;
  const lines = [
    `client: ${cpu}, busiest of ${plural(c.processes, 'process', 'processes')} at ${(c.busiestProcessCpuShare * 100).toFixed(0)}% of a core, event-loop delay p99 ${formatLatencyUs(c.eventLoopDelayP99Us)}`,
  ];
  if (c.busiestProcessCpuShare >= saturatedShare) {
    lines.push('  WARNING: a client process was CPU-saturated: these numbers may measure mqbench, not the broker (try --workers 2)');
  }
  return lines;
}

/** Which of a driver's paths ran, in numbers; every fallback is its own visible line. */
function pathLines(result: RunResult): string[] {
  const p = result.clientPaths;
  if (!p) return [];
  const ran = p.paths.filter((path) => path.requests > 0 || path.records > 0);
  const lines = [`paths: ${ran.map((path) => `${path.path} ${formatCount(path.requests)} requests / ${formatCount(path.records)} records`).join('; ') || 'none used'}`];
  for (const f of p.fallbacks) lines.push(`  FALLBACK: ${f.reason} (${plural(f.count, 'time')})`);
  return lines;
}

/** Open loop: what was asked and what happened, said plainly when the target was missed. */
function openLoopLines(result: RunResult): string[] {
  const o = result.openLoop;
  if (!o) return [];
  const verdict = o.targetReached
    ? `target rate reached: asked ${formatRate(o.askedPerSec)}, sent ${formatRate(o.achievedSendPerSec)}`
    : `TARGET RATE NOT REACHED: asked ${formatRate(o.askedPerSec)}, achieved ${formatRate(o.achievedSendPerSec)} sent, ${formatRate(o.receivedPerSec)} received`;
  return [
    verdict,
    `  schedule: ${formatCount(o.scheduled)} sends due, ${formatCount(o.unsent)} never sent (window closed first), ` +
      `${formatCount(o.lateSends)} sent late (> ${formatLatencyUs(o.lateThresholdUs)}), ${formatCount(o.heldByCap)} held back by --max-outstanding`,
  ];
}

function latencyRow(name: string, s: LatencySummary): string[] {
  if (s.count === 0) return [name, '-', '-', '-', '-', '-', '0'];
  return [name, formatLatencyUs(s.p50), formatLatencyUs(s.p90), formatLatencyUs(s.p99), formatLatencyUs(s.p999), formatLatencyUs(s.max), formatCount(s.count)];
}

/** The human summary of one run, printed on stdout. Pure: result in, text out. */
export function renderSummary(result: RunResult, options: SummaryOptions = {}): string {
  // a fixed message count (hello-world) is a round trip, not a rate: no msg/s, MB/s or percentiles for it
  const timed = result.workload.messages === null;
  const lines = [
    ...headerLines(result),
    timed ? throughputLine(result) : roundTripLine(result),
    ...sizesSentLines(result),
    ...openLoopLines(result),
    ...clientLines(result),
    ...pathLines(result),
    ...brokerCostLines(result, options.verbose === true),
    ...(timed ? latencyLines(result) : []),
    countsLine(result),
    ...failoverLines(result),
    ...backlogLines(result),
    ...backlogNote(result),
    ...subscriptionLines(result),
    ...checkLines(result, options.thresholds ?? []),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Broker cost, or a short word that it was not measured: the reason (often a shared broker) is in
 * the result's brokerCost.reason and, with --verbose, here; printed on every run it was noise.
 */
function brokerCostLines(result: RunResult, verbose: boolean): string[] {
  const cost = result.brokerCost;
  if (!cost) return [];
  if (!cost.measured && !verbose) return ['broker cost: not measured (--verbose says why)'];
  return [describeBrokerCost(cost)];
}

/** What ran, against what, and how it ended when it did not complete. */
function headerLines(result: RunResult): string[] {
  const w = result.workload;
  const window = w.messages !== null ? '' : `, ${formatSeconds(w.durationUs)} measured after ${formatSeconds(w.warmupUs)} warmup`;
  const lines = [
    `mqbench ${result.id}: ${w.broker} / ${w.scenario} (${result.executor}${window}, ${w.sizes ? `message sizes ${describeSizes(w.sizes)}` : `${w.messageSize} B messages`})`,
    `broker: ${result.broker.name} ${result.broker.version} at ${result.broker.url} via ${result.broker.client.name} ${result.broker.client.version}`,
    `mapping: ${result.broker.mapping}`,
  ];
  if (result.status !== 'completed') lines.push(`STATUS: ${result.status.toUpperCase()}: ${result.error}`);
  return lines;
}

function throughputLine(result: RunResult): string {
  const t = result.throughput;
  return `throughput: sent ${formatRate(t.sentPerSec)} over ${formatSeconds(t.sendWindowUs)}, received ${formatRate(t.receivedPerSec)} over ${formatSeconds(t.receiveWindowUs)}, ${formatMb(t.mbPerSec)}`;
}

/** --sizes: how many measured sends had each size (MB/s above counts the real bytes). */
function sizesSentLines(result: RunResult): string[] {
  return result.sizesSent ? [`sizes sent: ${describeSizesSent(result.sizesSent)}`] : [];
}

/** The latency table, and a word on publish latency when there is none to show. */
function latencyLines(result: RunResult): string[] {
  const table = new Table({
    head: ['latency', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'],
    style: { head: [], border: [] },
  });
  const e2eName = result.loop === 'closed-loop' ? 'end-to-end (closed loop)' : 'end-to-end (corrected)';
  table.push(latencyRow(e2eName, result.latencyUs.endToEnd));
  if (result.loop === 'open-loop') {
    table.push(latencyRow('end-to-end (uncorrected)', result.latencyUs.endToEndUncorrected));
    table.push(latencyRow('send delay', result.latencyUs.sendDelay));
  }
  if (result.latencyUs.publish.count > 0) table.push(latencyRow('publish (to broker ack)', result.latencyUs.publish));
  const lines = [table.toString()];
  if (result.latencyUs.publish.count === 0 && result.counts.sent > 0) lines.push('publish latency: none (no broker acknowledgement in this mode)');
  return lines;
}

function countsLine(result: RunResult): string {
  const c = result.counts;
  return (
    `messages: sent ${formatCount(c.sent)}, received ${formatCount(c.received)} of ${formatCount(c.expected)} expected, ` +
    `lost ${formatCount(c.lost)}, duplicated ${formatCount(c.duplicated)}, reordered ${formatCount(c.reordered)}, send errors ${formatCount(c.sendErrors)}` +
    (c.receivedDespiteSendError > 0 ? ` (${formatCount(c.receivedDespiteSendError)} of those arrived anyway)` : '') +
    (c.arrivedAfterClose > 0 ? `; ${plural(c.arrivedAfterClose, 'acknowledgement or receipt', 'acknowledgements or receipts')} came after the drain deadline (counted, not timed)` : '')
  );
}

/** "lost" is what had not arrived when the drain ended: say when that may be a backlog rather than a loss. */
function backlogNote(result: RunResult): string[] {
  const lastSecond = result.timeline.at(-1);
  if (!(result.counts.lost > 0 && lastSecond && lastSecond.received > 0)) return [];
  return [
    `  note: messages were still arriving when the drain ended (${formatCount(lastSecond.received)} in its last second): ` +
      'some of the lost may be a backlog the broker still held; a longer --drain-timeout tells the two apart',
  ];
}

/** With several subscriptions or partitions: what each subscription received and lost. */
function subscriptionLines(result: RunResult): string[] {
  const w = result.workload;
  if (!(w.subscriptions > 1 || w.partitions > 1)) return [];
  const bySubscription = new Map<number, { expected: number; received: number; lost: number }>();
  for (const a of result.accounting) {
    const s = bySubscription.get(a.subscription) ?? { expected: 0, received: 0, lost: 0 };
    s.expected += a.expected;
    s.received += a.received;
    s.lost += a.lost;
    bySubscription.set(a.subscription, s);
  }
  return [...bySubscription].map(([subscription, s]) => `  subscription ${subscription}: received ${formatCount(s.received)} of ${formatCount(s.expected)}, lost ${formatCount(s.lost)}`);
}

/** hello-world and other fixed counts: what went round and how long each took. */
function roundTripLine(result: RunResult): string {
  const e = result.latencyUs.endToEnd;
  const c = result.counts;
  const each = e.count === 1 ? `end-to-end ${formatLatencyUs(e.max)}` : e.count > 1 ? `end-to-end ${formatLatencyUs(e.min)} to ${formatLatencyUs(e.max)}` : 'none arrived';
  return `round trip: ${plural(c.sent, 'message')} of ${result.workload.messageSize} B sent, ${formatCount(c.received)} received, ${each}`;
}

/** At-least-once delivery promises no loss, not no duplicates: a redelivery is the guarantee working. */
function accountingCheck(result: RunResult): [boolean, string] {
  const c = result.counts;
  const counts = `lost ${formatCount(c.lost)}, duplicated ${formatCount(c.duplicated)}`;
  if (result.workload.driver.delivery === 'ack') return [c.lost === 0, `nothing lost (${counts}; duplicates are allowed at least once)`];
  return [c.lost === 0 && c.duplicated === 0, `every message accounted for (${counts})`];
}

/** The checks that decide the exit code: a ✗ among them is exit 1 at least (the status may make it worse). */
function decidingChecks(result: RunResult): [boolean, string][] {
  const c = result.counts;
  return [
    [result.status === 'completed', result.status === 'completed' ? 'run completed' : `run ${result.status}`],
    accountingCheck(result),
    [c.sendErrors === 0, `no send failed (${formatCount(c.sendErrors)} send errors)`],
  ];
}

/** What is worth a look but does not fail the run: said with ⚠ when missed, never ✗. */
function advisoryChecks(result: RunResult): [boolean, string][] {
  const checks: [boolean, string][] = [];
  if (result.openLoop) checks.push([result.openLoop.targetReached, `target rate reached (asked ${formatRate(result.openLoop.askedPerSec)}, sent ${formatRate(result.openLoop.achievedSendPerSec)})`]);
  if (result.client) checks.push([result.client.busiestProcessCpuShare < saturatedShare, `load generator not CPU-saturated (busiest process at ${(result.client.busiestProcessCpuShare * 100).toFixed(0)}% of a core)`]);
  return checks;
}

/**
 * A run's exit code, from the same checks the summary shows: the status's (completed 0,
 * completed-with-errors 1, aborted and errored 4), raised to 1 when a deciding check failed (a loss,
 * a missed --threshold).
 */
export function exitCodeOfResult(result: RunResult, thresholds: readonly ThresholdVerdict[] = []): number {
  const byStatus = { completed: 0, 'completed-with-errors': 1, aborted: 4, errored: 4 }[result.status];
  const failed = decidingChecks(result).some(([ok]) => !ok) || thresholds.some((t) => !t.ok);
  return Math.max(byStatus, failed ? 1 : 0);
}

/** k6-style checks at the end of the summary: ✓ passed, ✗ failed (exit 1 at least), ⚠ missed but not failing. */
function checkLines(result: RunResult, thresholds: readonly ThresholdVerdict[]): string[] {
  const deciding = [...decidingChecks(result), ...thresholds.map((t): [boolean, string] => [t.ok, t.text])].map(([ok, text]) => `  ${ok ? '✓' : '✗'} ${text}`);
  const advisory = advisoryChecks(result).map(([ok, text]) => `  ${ok ? '✓' : '⚠'} ${text}`);
  return ['checks:', ...deciding, ...advisory];
}
