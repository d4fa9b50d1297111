/**
 * Every phase of a run has a deadline and yields to a stop (an interrupt, a stall, another worker's
 * failure): a broker that takes a connection and then never answers must not hold a run, nor leave
 * Node with nothing to wait for and exit 0 without a result (issue 29). The phase being waited for is
 * kept process-wide, so that an end nobody expected can name it (cli.ts).
 */
import { PhaseAbortedError } from '../errors.js';
import type { Workload } from '../results/types.js';
import { formatSeconds } from '../util/format.js';

let current: string | undefined;

/** The phase a run in this process is waiting for, if any. */
export function currentPhase(): string | undefined {
  return current;
}

/** How long a phase before the measured window may take without an answer: 6 x --stall-timeout (60 s by default). */
export function phaseLimitUs(workload: Pick<Workload, 'stallTimeoutUs'>): number {
  return 6 * workload.stallTimeoutUs;
}

/**
 * After the drain, closing the clients and then the teardown each wait at most half the stall
 * timeout: a broker silent for the stall timeout is frozen (--stall-timeout says so during the run),
 * and a broker frozen at the window's end must not hold the result and the exit past the stall timeout
 * plus 5 s (issue 29's fault matrix: closing 5 s + teardown 15 s kept a finished run alive 20 s more).
 */
export function closePatienceMs(stallTimeoutUs: number): number {
  return Math.min(5_000, stallTimeoutUs / 2 / 1000);
}

/** The teardown's share (see closePatienceMs): at most 15 s, 5 s after an aborted run. */
export function teardownPatienceMs(stallTimeoutUs: number, aborted: boolean): number {
  return Math.min(stallTimeoutUs / 2 / 1000, aborted ? 5_000 : 15_000);
}

/** How often a phase looks whether the run was told to stop. */
const pollMs = 50;

/**
 * Waits for `work` for at most `limitUs`; rejects with a PhaseAbortedError naming the phase when the
 * deadline passes first or `stopReason` gives a reason (then the reason is the result's: `interrupted`
 * stays `interrupted`). The timer it holds keeps the process alive while the work has none of its own.
 */
export async function inPhase<T>(phase: string, work: Promise<T>, limitUs: number, stopReason: () => string | undefined = () => undefined): Promise<T> {
  const previous = current;
  current = phase;
  let timer: NodeJS.Timeout | undefined;
  const deadlineMs = Date.now() + limitUs / 1000;
  const watch = new Promise<never>((_, reject) => {
    const look = (): void => {
      const stop = stopReason();
      if (stop !== undefined) return reject(new PhaseAbortedError(phase, stop));
      if (Date.now() >= deadlineMs) return reject(new PhaseAbortedError(phase, `${phase}: no answer from the broker within ${formatSeconds(limitUs)}`));
      timer = setTimeout(look, Math.min(pollMs, Math.max(1, deadlineMs - Date.now())));
    };
    look();
  });
  try {
    return await Promise.race([work, watch]);
  } finally {
    clearTimeout(timer);
    current = previous;
    // the losing side must not become an unhandled rejection later
    work.catch(() => undefined);
    watch.catch(() => undefined);
  }
}
