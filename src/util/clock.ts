/**
 * The one clock of mqbench: CLOCK_MONOTONIC in integer microseconds. It is shared by every process
 * on one Linux host, so worker processes can compare timestamps.
 *
 * Read through performance.now(), which Node takes from the same monotonic clock (uv_hrtime) minus
 * the process's start: half the cost of process.hrtime.bigint() and no BigInt per read, on a path
 * that reads the clock several times per message. The offset to the clock itself is measured once,
 * from the closest of a few paired readings (sub-microsecond on an idle core).
 */
import { performance } from 'node:perf_hooks';

/** A reading pair narrower than this pins the offset to well under a microsecond. */
const narrowPairNs = 2_000;

function monotonicOffsetUs(): number {
  performance.now(); // the first call initialises the timer: keep it out of the pairs
  let narrowest = Number.POSITIVE_INFINITY;
  let offset = 0;
  // a preempted pair is wide: keep the narrowest of a few, and a few more while none is narrow
  for (let i = 0; i < 200 && (i < 7 || narrowest > narrowPairNs); i++) {
    const before = process.hrtime.bigint();
    const ms = performance.now();
    const after = process.hrtime.bigint();
    const widthNs = Number(after - before);
    if (widthNs < narrowest) {
      narrowest = widthNs;
      // nanoseconds since boot fit a double exactly for ~104 days, and within a few ns for years beyond
      offset = (Number(before) + widthNs / 2) / 1000 - ms * 1000;
    }
  }
  return offset;
}

const offsetUs = monotonicOffsetUs();

export function nowUs(): number {
  return Math.floor(offsetUs + performance.now() * 1000);
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `onTimeout()` if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
