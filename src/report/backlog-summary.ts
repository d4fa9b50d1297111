/** The terminal summary's lines of a backlog run (results/types.ts BacklogResult). Pure: result in, text out. */
import type { RunResult } from '../results/types.js';
import { formatCount, formatLatencyUs, formatMb, formatRate, formatSeconds } from '../util/format.js';

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** How the backlog was built, how long consumers took to attach, and the drain rate. */
export function backlogLines(result: RunResult): string[] {
  const b = result.backlog;
  if (!b) return [];
  const built = b.reachedTarget ? 'built' : 'NOT reached before sending ended; built';
  const drain = b.drained
    ? `drained in ${formatLatencyUs(b.drainUs)}`
    : `NOT drained (more than ${formatCount(b.drainedBelowMessages)} messages still in flight at the end) after ${formatLatencyUs(b.drainUs)}`;
  return [
    `backlog: ${mib(b.targetBytes)} asked, ${built} ${formatCount(b.builtMessages)} messages (${mib(b.builtBytes)}) in ${formatSeconds(b.buildUs)}; consumers attached, first receipt ${formatLatencyUs(b.attachUs)} later`,
    `  drain: ${drain}: ${formatRate(b.drainPerSec)}, ${formatMb(b.drainMbPerSec)} while producers went on (drained: at most ${formatCount(b.drainedBelowMessages)} in flight)`,
  ];
}
