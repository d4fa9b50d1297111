import { UsageError } from '../../errors.js';
import { formatCount } from '../../util/format.js';
import { nowUs } from '../../util/clock.js';
import type { ProducerSlot } from '../producer-slot.js';
import { yieldToIo, type ExecutionContext, type Executor } from './types.js';
import { plural } from '../../util/plural.js';

export interface ClosedLoopSettings {
  /** messages sent but not yet received, over the whole run */
  inflight: number;
  /** a fixed message count instead of a timed window (hello-world), else null */
  messages: number | null;
}

/**
 * A fixed in-flight window: a producer sends while fewer than `inflight` messages are on their way
 * (over every participant), so it finds throughput; its latency is mostly queueing and is labelled
 * closed-loop. With a fixed message count, each producer sends its quota and stops.
 */
export class ClosedLoop implements Executor {
  readonly loop = 'closed-loop';
  readonly description: string;

  constructor(private readonly settings: ClosedLoopSettings) {
    if (!Number.isInteger(settings.inflight) || settings.inflight <= 0) {
      throw new UsageError(`--inflight: must be a whole number greater than zero, got ${settings.inflight}`);
    }
    this.description =
      settings.messages !== null
        ? `${plural(settings.messages, 'message')}, then stop`
        : `closed loop, ${formatCount(settings.inflight)} in flight`;
  }

  async drive(slot: ProducerSlot, context: ExecutionContext): Promise<void> {
    const fixedCount = slot.quota !== undefined;
    let measuredSeq = 0;
    let warmupSeq = 0;
    let sinceYield = 0;
    while (!context.shouldStop()) {
      const now = nowUs();
      if (slot.quota !== undefined ? measuredSeq >= slot.quota : now >= context.endUs) return;
      if (context.inFlight() >= this.settings.inflight) {
        // re-check the clock and the shared window even when nothing arrives here
        await context.waitForArrival(fixedCount ? 50 : 2);
        continue;
      }
      const measured = fixedCount || now >= context.warmupEndUs;
      slot.send(now, measured ? measuredSeq++ : warmupSeq++, measured);
      if (++sinceYield >= 32) {
        sinceYield = 0;
        await yieldToIo();
      }
    }
  }
}
