import { readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { nowUs } from '../util/clock.js';

/** The adaptive lead never exceeds this: at most this much yielding per wake. */
const maxLeadUs = 100;

/**
 * The worker wakes this thread at most once per this many microseconds (5,000 times a second). Each
 * wake costs both threads CPU (~60 us on a 2-core VM, in the kernel mostly); one wake per message at
 * 20,000 msg/s took more than a core and the producer fell behind. Above 5,000 msg/s per process,
 * sends due within the same 200 us therefore go out together, up to 200 us late.
 */
const minWakeGapUs = 200;

export interface PreciseTimerOptions {
  /**
   * Ask the worker this many microseconds before the target, then yield to I/O (setImmediate) for
   * what is left: trades a little CPU for precision. 'adaptive' (the default) follows how late the
   * worker's wakes arrive (see adaptLead).
   */
  leadUs?: number | 'adaptive';
}

/**
 * Wakes the main thread at a monotonic microsecond without busy-waiting it.
 *
 * Why: setTimeout has millisecond granularity, and an open loop above ~1,000 msg/s per producer waits
 * less than a millisecond before every send. Spinning on setImmediate for that remainder kept the
 * event loop at 100% of a core (~500 us of CPU per message at 2,000 msg/s), a core taken from the
 * broker being measured on a small machine. Instead, one worker thread (precise-timer-worker.mjs)
 * sleeps in Atomics.wait until the earliest requested time (a futex timeout: precise to tens of
 * microseconds) and posts a message; the main thread sleeps in its event loop until that message and
 * then resolves every waiter whose time has come.
 *
 * Asking is cheap: the earliest target lives in a SharedArrayBuffer, and the worker is told only
 * when a new target is earlier than the one it sleeps for (Atomics.notify, no message). Waking is
 * one postMessage, since the main thread cannot block. The worker is started lazily, keeps the
 * process alive only while someone waits, and is terminated by close() (or by release() of the last
 * user of the shared timer).
 *
 * A wake handed from one thread to another arrives 50-100 us late on a small VM (the worker's timer
 * plus waking the event loop); by default the worker is asked that much early (the adaptive lead,
 * at most 100 us) and the event loop yields for what is left, which puts the median send a few tens
 * of microseconds after its intended time for a few percent of a core more.
 */
export class PreciseTimer {
  /**
   * the cells shared with the worker: [0] the earliest wake in us, 0 idle, -1 stop; [1] the wake
   * after it, which the worker moves on to by itself after waking this thread (see the worker)
   */
  private readonly cell = new BigInt64Array(new SharedArrayBuffer(16));
  private worker: Worker | undefined;
  /** false until the worker's first message: starting a thread takes tens of milliseconds */
  private online = false;
  private readonly waiters = new WaiterHeap();
  private closed = false;
  /** yielding to I/O (setImmediate) until the earliest waiter is due */
  private spinning = false;
  private leadUs: number;
  private readonly adaptive: boolean;
  /** the waiter the worker was last armed for (0: none), and when the worker was asked to wake */
  private armedTargetUs = 0;
  private armedWakeUs = 0;
  /** the armed wake's delay was sampled for the adaptive lead */
  private sampled = true;
  private readonly lateness: number[] = [];
  /** when the worker last woke this thread */
  private lastWakeUs = 0;
  /** what cell 1 holds (only this thread writes it) */
  private publishedNextUs = 0;
  /** times this thread woke the worker to tell it of an earlier target (Atomics.notify) */
  private notified = 0;

  constructor(options: PreciseTimerOptions = {}) {
    const lead = options.leadUs ?? 'adaptive';
    this.adaptive = lead === 'adaptive';
    this.leadUs = lead === 'adaptive' ? 0 : lead;
  }

  /**
   * Resolves at `targetUs` (nowUs() clock) or a little after, never before. Returns at once when the
   * time has already come. If the timer is closed meanwhile, it resolves at close.
   */
  wakeAt(targetUs: number): Promise<void> {
    if (this.closed || targetUs <= nowUs()) return Promise.resolve();
    this.start();
    return new Promise<void>((resolve) => {
      if (this.waiters.size === 0) this.worker?.ref();
      this.waiters.push(targetUs, resolve);
      if (this.spinning) return;
      // until the worker runs, yield to I/O until the time comes (the old, spinning way): only for the
      // first tens of milliseconds of a run, whose sends would otherwise all be late
      if (!this.online) this.spin();
      else this.request(targetUs, nowUs());
    });
  }

  /**
   * Says that `targetUs` will be waited for next (a producer's next send): the worker moves on to it
   * by itself after the wake before it, instead of being woken again to be told (one thread wake per
   * target instead of two). Nothing resolves for it; a time that never gets its wakeAt costs one
   * spare wake.
   */
  foresee(targetUs: number): void {
    if (this.closed || targetUs <= nowUs()) return;
    this.start();
    if (this.waiters.size === 0) this.worker?.ref();
    this.waiters.push(targetUs, noop);
    if (!this.spinning && this.online) this.request(targetUs, nowUs());
  }

  /** How many times this thread had to wake the worker to give it an earlier target. */
  get notifies(): number {
    return this.notified;
  }

  /** Waiters not yet resolved. */
  get pending(): number {
    return this.waiters.size;
  }

  /** The current lead (us): how long before a target the worker is asked to wake. */
  get lead(): number {
    return this.leadUs;
  }

  /** Stops the worker; pending waiters resolve now (callers check why they woke). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.resolveDue(Number.POSITIVE_INFINITY);
    if (!this.worker) return;
    Atomics.store(this.cell, 0, -1n);
    Atomics.notify(this.cell, 0);
    void this.worker.terminate();
    this.worker = undefined;
  }

  private start(): void {
    if (this.worker) return;
    const worker = withFineTimerSlack(
      () =>
        new Worker(new URL('./precise-timer-worker.mjs', import.meta.url), {
          workerData: { buffer: this.cell.buffer },
          // the worker is plain JavaScript: no TypeScript loader, whatever the parent was started with
          execArgv: [],
        }),
    );
    // the first message says the worker's loop runs; it also wakes (harmlessly) like any other
    worker.on('message', () => {
      if (this.worker !== worker) return;
      this.online = true;
      this.onWake();
    });
    worker.on('error', (error) => {
      // cannot happen short of a broken installation; say so rather than leave every waiter hanging
      process.emitWarning(`precise timer worker failed (${error.message}); falling back to yielding`);
      if (this.worker === worker) {
        this.worker = undefined;
        this.online = false;
        if (this.waiters.size > 0) this.spin();
      }
    });
    worker.unref();
    this.worker = worker;
  }

  /**
   * When the worker should wake for `targetUs`: the lead early, but never more than a quarter of the
   * wait, so that yielding for the rest takes at most a quarter of the time even at high rates; and
   * not within minWakeGapUs of the last wake.
   */
  private wakeTimeFor(targetUs: number, now: number): number {
    return Math.max(targetUs - Math.min(this.leadUs, Math.floor((targetUs - now) / 4)), this.lastWakeUs + minWakeGapUs);
  }

  /** Tells the worker about `targetUs` if it is earlier than what it sleeps for. */
  private request(targetUs: number, now: number): void {
    const wakeUs = this.wakeTimeFor(targetUs, now);
    for (;;) {
      const current = Atomics.load(this.cell, 0);
      // compared as numbers: a BigInt made per send is garbage per send
      if (current > 0n && Number(current) <= wakeUs) break;
      if (Atomics.compareExchange(this.cell, 0, current, BigInt(wakeUs)) === current) {
        this.armed(targetUs, wakeUs);
        this.notifyWorker();
        break;
      }
    }
    this.publishNext(now);
  }

  private notifyWorker(): void {
    this.notified++;
    Atomics.notify(this.cell, 0);
  }

  /** Keeps cell 1 at the wake time for the earliest waiter after the earliest (0: none). */
  private publishNext(now: number): void {
    const next = this.waiters.peekAfterEarliest();
    const wakeUs = next === undefined ? 0 : this.wakeTimeFor(next, now);
    if (wakeUs === this.publishedNextUs) return;
    this.publishedNextUs = wakeUs;
    Atomics.store(this.cell, 1, BigInt(wakeUs));
  }

  private armed(targetUs: number, wakeUs: number): void {
    this.armedTargetUs = targetUs;
    this.armedWakeUs = wakeUs;
    this.sampled = false;
  }

  private onWake(): void {
    const now = nowUs();
    this.lastWakeUs = now;
    if (!this.sampled && this.armedWakeUs <= now) {
      this.sampled = true;
      if (this.adaptive) this.adaptLead(now - this.armedWakeUs);
    }
    this.resolveDue(now);
    if (this.closed || this.spinning) return;
    if (this.wokeEarlyFor(this.waiters.peek(), now)) this.spin();
    else this.arm(now);
  }

  /** The worker woke (by the lead) for the earliest waiter, which is not due yet: yield until it is. */
  private wokeEarlyFor(next: number | undefined, now: number): boolean {
    return next !== undefined && next === this.armedTargetUs && this.armedWakeUs <= now;
  }

  /**
   * After a wake: the worker sleeps for the earliest waiter, or goes idle. The worker set the cell to
   * idle before posting, and an earlier target may have been written since: the cell is overwritten
   * with the earliest waiter (never later than anything written since, which is still waiting).
   */
  private arm(now: number): void {
    this.publishNext(now);
    const next = this.waiters.peek();
    const wakeUs = next === undefined ? 0 : this.wakeTimeFor(next, now);
    const current = Number(Atomics.load(this.cell, 0));
    if (next !== undefined && this.keeps(current, next, wakeUs)) {
      this.armed(next, current);
      return;
    }
    if (next !== undefined) this.armed(next, wakeUs);
    if (current === wakeUs) return;
    Atomics.store(this.cell, 0, BigInt(wakeUs));
    this.notifyWorker();
  }

  /**
   * The worker already sleeps for `target` (it moved on to cell 1 by itself): a wake time a little
   * earlier than the one computed now (the lead or the wake gap moved since) is kept rather than
   * woken over: it costs at most maxLeadUs of yielding, a notify costs a thread wake.
   */
  private keeps(current: number, target: number, wakeUs: number): boolean {
    return current > 0 && current <= target && current >= wakeUs - maxLeadUs;
  }

  /**
   * The lead follows the 25th percentile of the last 64 wake delays (how late after its target a
   * wake from the worker is handled here): three wakes in four then come late by less than before,
   * and the one in four that comes early yields for a short while. Capped, so that a loaded machine
   * (late wakes) does not turn it back into a spin.
   */
  private adaptLead(delayUs: number): void {
    this.lateness.push(Math.min(delayUs, maxLeadUs));
    if (this.lateness.length < 64) return;
    const sorted = [...this.lateness].sort((a, b) => a - b);
    this.leadUs = sorted[16] as number;
    this.lateness.length = 0;
  }

  private resolveDue(now: number): void {
    while (this.waiters.size > 0 && (this.waiters.peek() as number) <= now) this.waiters.pop()();
    if (this.waiters.size === 0) this.worker?.unref();
  }

  /** Yields to I/O (setImmediate) until the earliest waiter is due, then hands back to the worker. */
  private spin(): void {
    if (this.spinning) return;
    this.spinning = true;
    const poll = (): void => {
      const now = nowUs();
      this.resolveDue(now);
      const next = this.waiters.peek();
      if (!this.closed && next !== undefined && (!this.online || this.wokeEarlyFor(next, now))) {
        setImmediate(poll);
        return;
      }
      this.spinning = false;
      if (!this.closed && next !== undefined) this.arm(now);
    };
    setImmediate(poll);
  }
}

const timerSlackFile = '/proc/self/timerslack_ns';

/**
 * Linux lets a sleeping thread wake up to its "timer slack" late (50 us by default) so that wake-ups
 * can be merged; for this one thread that is most of the error. A thread inherits the slack of the
 * thread that creates it, and a process may set its main thread's own slack through /proc (no
 * privilege needed), so the main thread's slack is lowered while the worker thread is created, then
 * put back. Measured here: a 500 us Atomics.wait woke a median 85 us late with the default slack,
 * 34 us with 1 ns. Elsewhere (no such file) nothing changes.
 */
function withFineTimerSlack<T>(create: () => T): T {
  let previous: string | undefined;
  try {
    previous = readFileSync(timerSlackFile, 'utf8').trim();
    writeFileSync(timerSlackFile, '1');
  } catch {
    previous = undefined;
  }
  try {
    return create();
  } finally {
    if (previous !== undefined) {
      try {
        writeFileSync(timerSlackFile, previous);
      } catch {
        // left at 1 ns: the main thread's epoll timeouts are whole milliseconds, no harm done
      }
    }
  }
}

const noop = (): void => {};

/** A binary min-heap of (target, resolve); equal targets leave in the order they came. */
class WaiterHeap {
  private readonly targets: number[] = [];
  private readonly orders: number[] = [];
  private readonly resolvers: Array<() => void> = [];
  private arrivals = 0;
  private readonly equals: number[] = [];

  get size(): number {
    return this.targets.length;
  }

  peek(): number | undefined {
    return this.targets[0];
  }

  /**
   * The earliest target later than the earliest (equal ones are one wake): looks only below equals.
   * Called for every send: the stack of equals is kept, not made per call.
   */
  peekAfterEarliest(): number | undefined {
    const earliest = this.targets[0];
    if (earliest === undefined) return undefined;
    let best: number | undefined;
    const equals = this.equals;
    equals.length = 0;
    equals.push(0);
    while (equals.length > 0) {
      const i = equals.pop() as number;
      for (let child = 2 * i + 1; child <= 2 * i + 2; child++) {
        const target = this.targets[child];
        if (target === undefined) continue;
        if (target === earliest) equals.push(child);
        else if (best === undefined || target < best) best = target;
      }
    }
    return best;
  }

  push(target: number, resolve: () => void): void {
    this.targets.push(target);
    this.orders.push(this.arrivals++);
    this.resolvers.push(resolve);
    let i = this.targets.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the earliest waiter and returns its resolver (the heap must not be empty). */
  pop(): () => void {
    const resolve = this.resolvers[0] as () => void;
    const last = this.targets.length - 1;
    this.swap(0, last);
    this.targets.pop();
    this.orders.pop();
    this.resolvers.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < last && this.before(left, smallest)) smallest = left;
      if (right < last && this.before(right, smallest)) smallest = right;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
    return resolve;
  }

  private before(a: number, b: number): boolean {
    const ta = this.targets[a] as number;
    const tb = this.targets[b] as number;
    return ta < tb || (ta === tb && (this.orders[a] as number) < (this.orders[b] as number));
  }

  private swap(a: number, b: number): void {
    swapItems(this.targets, a, b);
    swapItems(this.orders, a, b);
    swapItems(this.resolvers, a, b);
  }
}

function swapItems<T>(list: T[], a: number, b: number): void {
  const item = list[a] as T;
  list[a] = list[b] as T;
  list[b] = item;
}

let shared: PreciseTimer | undefined;
let users = 0;

/**
 * The process's shared timer, for every producer of a run: one worker thread however many wait.
 * Each acquire() is matched by release(); the last release closes the timer (the worker exits) and
 * the next acquire starts a new one.
 */
export function acquirePreciseTimer(): PreciseTimer {
  users++;
  shared ??= new PreciseTimer();
  return shared;
}

export function releasePreciseTimer(): void {
  if (users === 0) return;
  if (--users === 0) {
    shared?.close();
    shared = undefined;
  }
}
