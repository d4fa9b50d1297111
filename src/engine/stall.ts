import { formatSeconds } from '../util/format.js';

/**
 * Stall detection: when nothing is acknowledged by the broker or received for `timeoutUs` while
 * work is outstanding, the run must stop (DESIGN.md, measurement rules). Pure: times are passed in.
 */
export class StallWatch {
  private lastProgress = -1;
  private lastChangeUs = 0;

  constructor(private readonly timeoutUs: number) {}

  /** Returns the abort reason once the run has stalled, else undefined. */
  observe(progress: number, workOutstanding: boolean, atUs: number): string | undefined {
    if (progress !== this.lastProgress || !workOutstanding) {
      this.lastProgress = progress;
      this.lastChangeUs = atUs;
      return undefined;
    }
    if (atUs - this.lastChangeUs < this.timeoutUs) return undefined;
    return `no progress for ${formatSeconds(this.timeoutUs)} (broker frozen or unreachable?)`;
  }
}

/** Sends awaiting the broker, or messages sent and not yet received by every subscription. */
export function workOutstanding(
  totals: { sentAll: number; receivedAll: number; errorsAll: number; outstanding: number },
  subscriptions: number,
): boolean {
  return totals.outstanding > 0 || totals.sentAll - totals.errorsAll > Math.floor(totals.receivedAll / subscriptions);
}

/** Why an aborted run stopped: the reason given to the AbortController, or an interrupt (Ctrl-C, SIGTERM). */
export function stopReasonOf(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'interrupted';
}
