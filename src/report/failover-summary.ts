import type { DirectionOutage, PhaseLatency, RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs, formatRate, formatSeconds } from '../util/format.js';

const seconds = (us: number): string => formatSeconds(us);

function outageLine(what: string, outage: DirectionOutage): string {
  if (outage.unavailableUs === 0) {
    const first = outage.firstSuccessAfterFaultUs;
    return `  ${what}: no gap seen around the fault${first === null ? ', and no success after it' : ''}`;
  }
  const back = outage.firstSuccessAfterFaultUs === null ? 'NEVER came back before the run ended' : `the gap ended ${formatLatencyUs(outage.firstSuccessAfterFaultUs)} after the fault`;
  return `  ${what}: unavailable for ${formatLatencyUs(outage.unavailableUs)} (from ${seconds(outage.unavailableFromUs)} into the window), ${back}`;
}

const phase = (name: string, p: PhaseLatency): string =>
  p.count === 0 ? `${name} -` : `${name} p50 ${formatLatencyUs(p.p50Us)} / p99 ${formatLatencyUs(p.p99Us)} (${formatCount(p.count)})`;

/** The failover block in plain words: what was done, how long each direction was down, what was lost. */
export function failoverLines(result: RunResult): string[] {
  const f = result.failover;
  if (!f) return [];
  const restored = f.restoredAtUs === null ? 'no restore seen' : `restored at ${seconds(f.restoredAtUs)}`;
  const lines = [
    ...(f.injected ? [] : ['failover: THE FAULT WAS NOT INJECTED (see the events): the figures below are of a run without it']),
    `failover: ${f.fault.kind} of ${f.fault.target} at ${seconds(f.faultAtUs)} into the window (planned ${seconds(f.fault.atUs)} for ${f.fault.forUs === null ? 'the rest of the run' : seconds(f.fault.forUs)}), ${restored}`,
    outageLine('publish (broker acknowledgements)', f.publish),
    outageLine('consume (receipts)', f.consume),
    `  end-to-end latency by intended send time: ${phase('before', f.latency.before)}; ${phase('during', f.latency.during)}; ${phase('after', f.latency.after)}`,
    f.recoveryUs === null
      ? `  throughput: ${formatRate(f.receivedPerSecBefore)} before the fault; never back to 90% of it before the run ended`
      : `  throughput: ${formatRate(f.receivedPerSecBefore)} before the fault; back to 90% of it ${formatLatencyUs(f.recoveryUs)} after the fault`,
    `  messages: ${formatCount(f.ackedThenLost)} acknowledged by the broker and then lost${f.ackedThenLost > 0 ? ' (REAL DATA LOSS)' : ''}, ` +
      `${formatCount(f.neverAckedLost)} never acknowledged and not delivered, ${formatCount(f.neverAckedDelivered)} never acknowledged but delivered, ` +
      `${formatCount(f.resends)} resend(s), ${formatCount(f.duplicated)} duplicate(s), ${formatCount(f.reordered)} reordered`,
  ];
  if (f.resendReasons.length > 0) lines.push(`  sends failed before their resend: ${f.resendReasons.map((r) => `${r.reason} (${formatCount(r.count)})`).join('; ')}`);
  const events = result.events ?? [];
  if (events.length > 0) {
    const shownEvents = events.slice(0, 12).map((e) => `    ${seconds(Math.max(0, e.atUs)).padStart(8)}${e.atUs < 0 ? ' (before)' : ''}  ${e.kind}: ${e.detail}`);
    lines.push('  events:', ...shownEvents);
    if (events.length > shownEvents.length) lines.push(`    … ${events.length - shownEvents.length} more in the result file`);
  }
  return lines;
}
