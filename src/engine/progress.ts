import { nowUs } from '../util/clock.js';
import type { Workload } from '../results/types.js';

export interface Progress {
  phase: 'warmup' | 'measure' | 'drain';
  elapsedUs: number;
  sentPerSec: number;
  receivedPerSec: number;
}

export interface ProgressReporter {
  started(atUs: number): void;
  update(sent: number, received: number): void;
  stop(): void;
}

/** Reports progress once a second from summed live counters. */
export function progressReporter(workload: Workload, onProgress: ((p: Progress) => void) | undefined): ProgressReporter {
  let startUs: number | undefined;
  let last = { sent: 0, received: 0 };
  let current = { sent: 0, received: 0 };
  const timer = onProgress
    ? setInterval(() => {
        if (startUs === undefined) return;
        const now = nowUs();
        const warmupEnd = startUs + workload.warmupUs;
        const phase = now < warmupEnd ? 'warmup' : now < warmupEnd + workload.durationUs ? 'measure' : 'drain';
        onProgress({ phase, elapsedUs: now - startUs, sentPerSec: current.sent - last.sent, receivedPerSec: current.received - last.received });
        last = { ...current };
      }, 1000)
    : undefined;
  return {
    started(at: number) {
      startUs = at;
    },
    update(sent: number, received: number) {
      current = { sent, received };
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
