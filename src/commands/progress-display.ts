import cliProgress from 'cli-progress';
import type { Progress } from '../engine/progress.js';
import { formatCount, formatLatencyUs } from '../util/format.js';

/** Whole seconds as "1m05s" / "42s". */
export function formatClock(us: number): string {
  const s = Math.max(0, Math.round(us / 1_000_000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The text after the bar (or the whole line without one): phase, elapsed, ETA, live rates and p99. Pure. */
export function progressText(p: Progress): string {
  const eta = p.etaUs !== null ? `ETA ${formatClock(p.etaUs)}` : p.phase === 'drain' ? 'waiting for in-flight messages' : p.phase === 'connect' ? 'attaching consumers' : '';
  return [
    p.phase.padEnd(7),
    `${formatClock(p.elapsedUs)} elapsed`.padStart(13),
    eta,
    p.phase === 'connect' ? '' : `sent ${formatCount(p.sentPerSec)}/s  received ${formatCount(p.receivedPerSec)}/s`,
    p.p99Us === null ? '' : `p99 ${formatLatencyUs(p.p99Us)}`,
  ]
    .filter(Boolean)
    .join('  ');
}

export interface ProgressDisplay {
  update: (p: Progress) => void;
  stop: () => void;
}

/** Seconds between plain lines when stderr is not a terminal (CI logs): besides one at every phase change. */
const plainLineEverySec = 10;

/**
 * Live progress on stderr. A terminal gets a bar (cli-progress) over warmup + measured window with
 * phase, elapsed, ETA and live rates; anything else (a pipe, a CI log) gets a plain line at each
 * phase change and every 10 s, so logs stay short. `--quiet` / `--no-progress` print nothing.
 */
export function progressDisplay(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (stream.isTTY !== true) {
    let lastPhase: Progress['phase'] | undefined;
    let lastLineUs = -Infinity;
    return {
      update(p) {
        if (p.phase === lastPhase && p.elapsedUs - lastLineUs < plainLineEverySec * 1_000_000) return;
        lastPhase = p.phase;
        lastLineUs = p.elapsedUs;
        stream.write(`${label} ${progressText(p)}\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {text}`, stream, barsize: 24, hideCursor: true, clearOnComplete: false, etaBuffer: 1, fps: 4 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const total = Math.max(1, Math.round((p.plannedUs ?? 1) / 1000));
      const value = p.phase === 'connect' ? 0 : p.phase === 'drain' || p.plannedUs === null ? total : Math.min(total, Math.round(p.elapsedUs / 1000));
      if (!started) {
        bar.start(total, value, { text: progressText(p) });
        started = true;
      } else bar.update(value, { text: progressText(p) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
