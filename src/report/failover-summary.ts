import type { DirectionOutage, DivergenceSide, FailoverResult, PhaseLatency, PopulationOutcome, RestoreGaps, RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs, formatRate, formatSeconds } from '../util/format.js';
import { nounFor, plural } from '../util/plural.js';

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

/** One direction of one population, in a few words. */
function gapText(what: string, outage: DirectionOutage | null): string {
  if (outage === null) return `${what} -`;
  if (outage.unavailableUs === 0) return `${what} no gap${outage.firstSuccessAfterFaultUs === null ? ' (no success after the fault)' : ''}`;
  const back = outage.firstSuccessAfterFaultUs === null ? 'NEVER back' : `back ${formatLatencyUs(outage.firstSuccessAfterFaultUs)} after the fault`;
  return `${what} gap ${formatLatencyUs(outage.unavailableUs)} (${back})`;
}

/** The restore's own gaps, when it began within the data. */
function restoreText(gaps: RestoreGaps | undefined): string {
  return gaps ? `; once the restore began: ${gapText('publish', gaps.publish)}, ${gapText('consume', gaps.consume)}` : '';
}

function populationLines(p: PopulationOutcome): string[] {
  const who = `${plural(p.producers, 'producer')}, ${plural(p.consumers, 'consumer')} on ${nounFor(p.nodes.length, 'node')} ${p.nodes.join(', ')}`;
  const joined = p.joinedAtUs === undefined ? '' : `, opened at ${seconds(p.joinedAtUs)}`;
  return [
    `    ${p.population} (${who}${joined}): ${gapText('publish', p.publish)}; ${gapText('consume', p.consume)}${restoreText(p.restoreGaps)}`,
    `      latency ${phase('before', p.latency.before)}; ${phase('during', p.latency.during)}; ${phase('after', p.latency.after)}; ` +
      `${formatCount(p.ackedThenLost)} acknowledged then lost${p.ackedThenLost > 0 ? ' (REAL DATA LOSS)' : ''}, ${plural(p.duplicated, 'duplicate')}`,
  ];
}

/** Per client population, when the clients were placed. */
function populationsBlock(f: FailoverResult): string[] {
  if (!f.populations || f.populations.length === 0) return [];
  const lateJoiners = f.fault.lateJoiners ? `, ${plural(f.fault.lateJoiners, 'late joiner')}` : '';
  return [`  by client population (--clients ${f.fault.clients ?? 'spread'}${lateJoiners}; node ${f.failedNode ?? '?'} failed):`, ...f.populations.flatMap(populationLines)];
}

function sideText(name: string, side: DivergenceSide): string {
  return `${name} (${plural(side.producers, 'producer')}) acknowledged ${formatCount(side.ackedDuringPartition)} during the partition, lost ${formatCount(side.ackedThenLost)} acknowledged`;
}

/** A partition's divergence: whether both sides took writes, and what each side's producers lost. */
function divergenceLines(f: FailoverResult): string[] {
  const d = f.divergence;
  if (!d) return [];
  const verdict = d.bothSidesAccepted ? 'BOTH SIDES ACCEPTED WRITES while apart (split brain)' : 'only one side accepted writes while apart';
  return [`  divergence: ${verdict}; ${sideText('cut side', d.cutSide)}; ${sideText('majority side', d.majoritySide)}`];
}

/** The failover block in plain words: what was done, how long each direction was down, what was lost. */
export function failoverLines(result: RunResult): string[] {
  const f = result.failover;
  if (!f) return [];
  const restored = f.restoredAtUs === null ? 'no restore seen' : `restored at ${seconds(f.restoredAtUs)}`;
  const lines = [
    ...(f.injected ? [] : ['failover: THE FAULT WAS NOT INJECTED (see the events): the figures below are of a run without it']),
    `failover: ${f.fault.kind}${f.fault.partition ? ` (${f.fault.partition})` : ''} of ${f.fault.target} at ${seconds(f.faultAtUs)} into the window (planned ${seconds(f.fault.atUs)} for ${f.fault.forUs === null ? 'the rest of the run' : seconds(f.fault.forUs)}), ${restored}`,
    outageLine('publish (broker acknowledgements)', f.publish),
    outageLine('consume (receipts)', f.consume),
    ...(f.restoreGaps ? [`  once the restore began (gaps the node's return caused): ${gapText('publish', f.restoreGaps.publish)}; ${gapText('consume', f.restoreGaps.consume)}`] : []),
    `  end-to-end latency by intended send time: ${phase('before', f.latency.before)}; ${phase('during', f.latency.during)}; ${phase('after', f.latency.after)}`,
    f.recoveryUs === null
      ? `  throughput: ${formatRate(f.receivedPerSecBefore)} before the fault; never back to 90% of it before the run ended`
      : `  throughput: ${formatRate(f.receivedPerSecBefore)} before the fault; back to 90% of it ${formatLatencyUs(f.recoveryUs)} after the fault`,
    `  messages: ${formatCount(f.ackedThenLost)} acknowledged by the broker and then lost${f.ackedThenLost > 0 ? ' (REAL DATA LOSS)' : ''}, ` +
      `${formatCount(f.neverAckedLost)} never acknowledged and not delivered, ${formatCount(f.neverAckedDelivered)} never acknowledged but delivered, ` +
      `${plural(f.resends, 'resend')}, ${plural(f.duplicated, 'duplicate')}, ${formatCount(f.reordered)} reordered`,
  ];
  lines.push(...populationsBlock(f), ...divergenceLines(f));
  if (f.resendReasons.length > 0) lines.push(`  sends failed before their resend: ${f.resendReasons.map((r) => `${r.reason} (${formatCount(r.count)})`).join('; ')}`);
  const events = result.events ?? [];
  if (events.length > 0) {
    const shownEvents = events.slice(0, 12).map((e) => `    ${seconds(Math.max(0, e.atUs)).padStart(8)}${e.atUs < 0 ? ' (before)' : ''}  ${e.kind}: ${e.detail}`);
    lines.push('  events:', ...shownEvents);
    if (events.length > shownEvents.length) lines.push(`    … ${events.length - shownEvents.length} more in the result file`);
  }
  return lines;
}
