/**
 * Publish confirms arrive on the client's connection listener as (connection, publisher id, publishing
 * ids); this matches them to the sends waiting for them. A confirm can be decoded before the send that
 * wrote its frame learns its publishing id: such early confirms are kept until the send asks.
 */
interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

type Outcome = { ok: true } | { ok: false; reason: string };

export class ConfirmTracker {
  private readonly waiting = new Map<string, Waiter>();
  private readonly early = new Map<string, Outcome>();
  private readonly ignored = new Set<string>();

  private static keyOf(connectionId: string, publisherId: number, publishingId: bigint): string {
    return `${connectionId}/${publisherId}/${publishingId}`;
  }

  wait(connectionId: string, publisherId: number, publishingId: bigint): Promise<void> {
    const key = ConfirmTracker.keyOf(connectionId, publisherId, publishingId);
    const outcome = this.early.get(key);
    if (outcome) {
      this.early.delete(key);
      return outcome.ok ? Promise.resolve() : Promise.reject(new Error(outcome.reason));
    }
    return new Promise<void>((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }

  /** noack delivery: nobody waits for this one's confirm */
  forget(connectionId: string, publisherId: number, publishingId: bigint): void {
    const key = ConfirmTracker.keyOf(connectionId, publisherId, publishingId);
    if (!this.early.delete(key)) this.ignored.add(key);
  }

  confirmed(connectionId: string, publisherId: number, publishingIds: readonly bigint[]): void {
    for (const id of publishingIds) this.settle(ConfirmTracker.keyOf(connectionId, publisherId, id), { ok: true });
  }

  failed(connectionId: string, publisherId: number, publishingId: bigint, reason: string): void {
    this.settle(ConfirmTracker.keyOf(connectionId, publisherId, publishingId), { ok: false, reason });
  }

  rejectAll(reason: string): void {
    for (const waiter of this.waiting.values()) waiter.reject(new Error(reason));
    this.waiting.clear();
    this.early.clear();
    this.ignored.clear();
  }

  private settle(key: string, outcome: Outcome): void {
    if (this.ignored.delete(key)) return;
    const waiter = this.waiting.get(key);
    if (!waiter) {
      this.early.set(key, outcome);
      return;
    }
    this.waiting.delete(key);
    if (outcome.ok) waiter.resolve();
    else waiter.reject(new Error(outcome.reason));
  }
}
