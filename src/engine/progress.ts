import { nowUs } from '../util/clock.js';
import type { Workload } from '../results/types.js';

export interface Progress {
  /** connect: consumers attaching, nothing sent yet; then warmup, measure, drain (in-flight messages arriving) */
  phase: 'connect' | 'warmup' | 'measure' | 'drain';
  /** since the reporter was created (connect) or since sending started (the other phases) */
  elapsedUs: number;
  sentPerSec: number;
  receivedPerSec: number;
  /** warmup + measured window; null for a fixed message count (hello-world) */
  plannedUs: number | null;
  /** what is left of warmup + measured window; null when unknown (connect, drain, a message count) */
  etaUs: number | null;
  /** corrected end-to-end p99 of the last whole measured second; null before one, and with --workers (not mergeable live) */
  p99Us: number | null;
}

export interface ProgressReporter {
  started(atUs: number): void;
  update(sent: number, received: number, p99Us?: number): void;
  stop(): void;
}

/** The phase and time left at `now`, for a run whose sending started at `startUs` (pure). */
export function phaseAt(workload: Workload, startUs: number, now: number): Pick<Progress, 'phase' | 'plannedUs' | 'etaUs'> {
  if (workload.messages !== null) return { phase: now < startUs ? 'connect' : 'measure', plannedUs: null, etaUs: null };
  const warmupEnd = startUs + workload.warmupUs;
  const measureEnd = warmupEnd + workload.durationUs;
  const plannedUs = workload.warmupUs + workload.durationUs;
  if (now < startUs) return { phase: 'connect', plannedUs, etaUs: null };
  if (now >= measureEnd) return { phase: 'drain', plannedUs, etaUs: null };
  return { phase: now < warmupEnd ? 'warmup' : 'measure', plannedUs, etaUs: measureEnd - now };
}

/** Reports progress once a second from summed live counters; before sending starts, as "connect". */
export function progressReporter(workload: Workload, onProgress: ((p: Progress) => void) | undefined): ProgressReporter {
  const createdUs = nowUs();
  let startUs: number | undefined;
  let last = { sent: 0, received: 0 };
  let current = { sent: 0, received: 0 };
  let p99: number | null = null;
  const timer = onProgress
    ? setInterval(() => {
        const now = nowUs();
        if (startUs === undefined) {
          onProgress({ phase: 'connect', elapsedUs: now - createdUs, sentPerSec: 0, receivedPerSec: 0, plannedUs: null, etaUs: null, p99Us: null });
          return;
        }
        onProgress({
          ...phaseAt(workload, startUs, now),
          elapsedUs: Math.max(0, now - startUs),
          sentPerSec: current.sent - last.sent,
          receivedPerSec: current.received - last.received,
          p99Us: p99,
        });
        last = { ...current };
      }, 1000)
    : undefined;
  return {
    started(at: number) {
      startUs = at;
    },
    update(sent: number, received: number, p99Us?: number) {
      current = { sent, received };
      p99 = p99Us ?? null;
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
