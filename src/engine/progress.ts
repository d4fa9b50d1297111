import { nowUs } from '../util/clock.js';
import type { Workload } from '../results/types.js';
import type { SecondQuantiles } from '../metrics/timeline.js';

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
  /** counts so far and the last second's latency, for live metrics (--metrics-port); absent while connecting */
  totals?: ProgressTotals;
}

/** Counts since sending started (warmup included) at one tick, and the last whole second's latency. */
export interface ProgressTotals {
  sent: number;
  received: number;
  sendErrors: number;
  /** sent, neither received (by every subscription) nor failed yet */
  inFlight: number;
  /** measured messages missing behind a later one of their producer (lost, or still on another partition's way) */
  lostSoFar: number;
  /** corrected end-to-end latency of the last whole measured second; null before one, and with --workers */
  lastSecondUs: SecondQuantiles | null;
  /** how late the last second's measured sends went out against their schedule (open loop; 0 in the closed loop); null as above */
  lastSecondSendDelayUs: SecondQuantiles | null;
}

/** What a coordinator samples from the live counters (a participant's, or a worker pool's sum). */
export interface ProgressSample {
  sentAll: number;
  receivedAll: number;
  errorsAll: number;
  inFlight: number;
  missing?: number;
  lastSecondUs?: SecondQuantiles;
  lastSecondSendDelayUs?: SecondQuantiles;
}

export interface ProgressReporter {
  started(atUs: number): void;
  update(sample: ProgressSample): void;
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

function totalsOf(sample: ProgressSample): ProgressTotals {
  return {
    sent: sample.sentAll,
    received: sample.receivedAll,
    sendErrors: sample.errorsAll,
    inFlight: Math.max(0, sample.inFlight),
    lostSoFar: sample.missing ?? 0,
    lastSecondUs: sample.lastSecondUs ?? null,
    lastSecondSendDelayUs: sample.lastSecondSendDelayUs ?? null,
  };
}

/** Reports progress once a second from summed live counters; before sending starts, as "connect". */
export function progressReporter(workload: Workload, onProgress: ((p: Progress) => void) | undefined): ProgressReporter {
  const createdUs = nowUs();
  let startUs: number | undefined;
  let last = { sent: 0, received: 0 };
  let current: ProgressSample = { sentAll: 0, receivedAll: 0, errorsAll: 0, inFlight: 0 };
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
          sentPerSec: current.sentAll - last.sent,
          receivedPerSec: current.receivedAll - last.received,
          p99Us: current.lastSecondUs?.p99 ?? null,
          totals: totalsOf(current),
        });
        last = { sent: current.sentAll, received: current.receivedAll };
      }, 1000)
    : undefined;
  return {
    started(at: number) {
      startUs = at;
    },
    update(sample: ProgressSample) {
      current = sample;
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
