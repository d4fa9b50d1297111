import { UsageError } from '../../errors.js';
import { formatCount } from '../../util/format.js';
import { nowUs } from '../../util/clock.js';
import { acquirePreciseTimer, releasePreciseTimer, type PreciseTimer } from '../precise-timer.js';
import type { ProducerSlot } from '../producer-slot.js';
import { evenSendTimes, type SendTimes } from '../schedule.js';
import { yieldToIo, type ExecutionContext, type Executor } from './types.js';

export interface OpenLoopSettings {
  /** msg/s for the whole run, spread evenly over producers */
  ratePerSec: number;
  producers: number;
  /** most sends awaiting the broker at once over the whole run; split evenly over producers */
  maxOutstanding: number;
}

/** A measured send leaving more than this after its intended time counts as late (the send-delay histogram has the detail). */
export const lateThresholdUs = 1000;

/**
 * At most this many seconds of the asked rate may await the broker: a broker that is that far behind
 * is overloaded, and memory stays bounded (`--rate 1e12` must not grow without limit).
 */
const latencyBudgetSeconds = 0.1;
const maxOutstandingCeiling = 100_000;
const outstandingBytesCeiling = 256 * 1024 * 1024;

/** The default --max-outstanding: one latency budget of the asked rate, within memory bounds. */
export function defaultMaxOutstanding(ratePerSec: number, messageSize: number): number {
  const byRate = Math.ceil(ratePerSec * latencyBudgetSeconds);
  const byMemory = Math.floor(outstandingBytesCeiling / messageSize);
  return Math.max(64, Math.min(byRate, maxOutstandingCeiling, byMemory));
}

/**
 * Constant arrival rate (k6's constant-arrival-rate): send times come from a schedule, latency is
 * measured from the intended time (corrected for coordinated omission). A late send is sent late,
 * never skipped, while the window lasts; sends held back by --max-outstanding are counted; what the
 * schedule still owed when the window closed is never sent (counted as unsent). A backlog left at the
 * end of warmup is dropped (warmup is not measured), so the measured window starts on schedule.
 */
export class OpenLoop implements Executor {
  readonly loop = 'open-loop';
  readonly description: string;
  private readonly capPerProducer: number;

  constructor(private readonly settings: OpenLoopSettings) {
    if (!Number.isFinite(settings.ratePerSec) || settings.ratePerSec <= 0) {
      throw new UsageError(`--rate: must be a number of messages per second greater than zero, got ${settings.ratePerSec}`);
    }
    if (!Number.isInteger(settings.maxOutstanding) || settings.maxOutstanding < settings.producers) {
      throw new UsageError(`--max-outstanding: must be a whole number of at least one per producer (${settings.producers}), got ${settings.maxOutstanding}`);
    }
    this.capPerProducer = Math.ceil(settings.maxOutstanding / settings.producers);
    this.description = `open loop at ${formatCount(settings.ratePerSec)} msg/s, at most ${formatCount(settings.maxOutstanding)} sends outstanding`;
  }

  async drive(slot: ProducerSlot, context: ExecutionContext): Promise<void> {
    // one timer thread for all the producers of this process, stopped when the last one is done
    const timer = acquirePreciseTimer();
    try {
      await this.sendOnSchedule(slot, context, timer);
    } finally {
      releasePreciseTimer();
    }
  }

  private async sendOnSchedule(slot: ProducerSlot, context: ExecutionContext, timer: PreciseTimer): Promise<void> {
    const times = this.sendTimesFor(slot.id, context);
    const firstMeasured = times.countBefore(context.warmupEndUs);
    let measuredSeq = 0;
    let warmupSeq = 0;
    for (let i = 0; ; i++) {
      const intended = times.intendedUs(i);
      if (intended >= context.endUs) return;
      foreseeNext(times.intendedUs(i + 1), context, timer);
      const due = waitUntil(intended, context, timer);
      if (!(typeof due === 'boolean' ? due : await due)) return;
      const measured = intended >= context.warmupEndUs;
      // a warmup backlog is not carried into the measured window: measuring starts on schedule
      if (!measured && nowUs() >= context.warmupEndUs) {
        i = firstMeasured - 1;
        continue;
      }
      if (slot.outstanding >= this.capPerProducer) {
        context.recorder.heldByCap(measured);
        if (!(await this.waitForRoom(slot, context))) return;
      }
      // behind schedule when the window closes: what is still owed is unsent, not sent after the window
      if (nowUs() >= context.endUs) return;
      slot.send(intended, measured ? measuredSeq++ : warmupSeq++, measured);
      if (i % 64 === 63) await yieldToIo();
    }
  }

  /** The producer's send times: evenly spaced at the rate (stages.ts overrides it with a ramp). */
  protected sendTimesFor(producerIndex: number, context: ExecutionContext): SendTimes {
    return evenSendTimes({ startUs: context.startUs, ratePerSec: this.settings.ratePerSec, producers: this.settings.producers, producerIndex });
  }

  /** Waits until a send settles under the cap; false when the run stops or the window closes first. */
  private async waitForRoom(slot: ProducerSlot, context: ExecutionContext): Promise<boolean> {
    while (slot.outstanding >= this.capPerProducer) {
      if (context.shouldStop() || nowUs() >= context.endUs) return false;
      await slot.waitForSettle(10);
    }
    return true;
  }
}

/** A stop is noticed within this much of a long wait (low rates wait up to 1/rate between sends). */
const maxWaitChunkUs = 100_000;

/**
 * Tells the timer the send after this one, so that its worker thread moves on to it by itself after
 * this wake (a wake per send instead of two); not for sends more than one wait chunk away.
 */
function foreseeNext(nextUs: number, context: ExecutionContext, timer: PreciseTimer): void {
  if (nextUs < context.endUs && nextUs - nowUs() < maxWaitChunkUs) timer.foresee(nextUs);
}

/**
 * Sleeps until `targetUs` on the precise timer (a worker thread: the event loop neither spins nor
 * oversleeps by setTimeout's millisecond); false if the run stops meanwhile.
 */
function waitUntil(targetUs: number, context: ExecutionContext, timer: PreciseTimer): Promise<boolean> | boolean {
  if (context.shouldStop()) return false;
  const now = nowUs();
  if (now >= targetUs) return true;
  // the usual case, one wake: no async function (its promise and frame are garbage per send)
  if (targetUs - now <= maxWaitChunkUs) {
    // a closed timer resolves early: then the long way, which checks the clock again
    return timer.wakeAt(targetUs).then(() => (nowUs() >= targetUs ? !context.shouldStop() : waitInChunks(targetUs, context, timer)));
  }
  return waitInChunks(targetUs, context, timer);
}

async function waitInChunks(targetUs: number, context: ExecutionContext, timer: PreciseTimer): Promise<boolean> {
  for (;;) {
    if (context.shouldStop()) return false;
    const now = nowUs();
    if (now >= targetUs) return true;
    await timer.wakeAt(Math.min(targetUs, now + maxWaitChunkUs));
  }
}
