/**
 * The one clock of mqbench: CLOCK_MONOTONIC via process.hrtime.bigint(), in integer microseconds.
 * It is shared by every process on one Linux host, so worker processes can compare timestamps.
 */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
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
