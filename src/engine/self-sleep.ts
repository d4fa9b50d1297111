import { readFileSync, writeFileSync } from 'node:fs';
import { nowUs } from '../util/clock.js';

/**
 * A thread that sleeps itself until each send, as a Java producer thread parks: one thread wake per
 * send. The precise timer instead wakes the event loop from a worker thread, a handoff between two
 * threads that costs about twice the CPU of the wake itself (scripts/wake-floor.mjs: 24 us per wake
 * sleeping itself, 50 us handing over, at 2,000 wakes/s on a 2-core VM).
 *
 * Sleeping itself blocks this thread's event loop, so whatever arrives meanwhile waits: a process may
 * sleep this way only while nothing it must time can arrive (no consumers in it, no send awaiting the
 * broker). The open loop checks that before every sleep (see OpenLoop).
 */
export class SelfSleeper {
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    lowerTimerSlack();
  }

  /** Blocks this thread until `targetUs`, or `maxUs` at most; returns at once for a past time. */
  sleepUntil(targetUs: number, maxUs: number): void {
    const remainingUs = Math.min(targetUs - nowUs(), maxUs);
    // nobody notifies the cell: the wait always times out, in milliseconds with a fraction
    if (remainingUs > 0) Atomics.wait(this.cell, 0, 0, remainingUs / 1000);
  }
}

const timerSlackFile = '/proc/self/timerslack_ns';

/**
 * Linux wakes a sleeping thread up to its timer slack late (50 us by default) to merge wake-ups;
 * for a thread that sleeps until each send that is most of its error. A process may lower its main
 * thread's slack through /proc (no privilege needed; the file exists per process, not per thread),
 * and the open loop sleeps itself only on the main thread. It stays lowered: the event loop's own
 * epoll timeouts are whole milliseconds, which 50 us of slack never mattered to.
 */
function lowerTimerSlack(): void {
  try {
    if (readFileSync(timerSlackFile, 'utf8').trim() !== '1') writeFileSync(timerSlackFile, '1');
  } catch {
    // not Linux, or /proc not mounted: the default slack
  }
}
