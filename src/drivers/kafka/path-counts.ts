/**
 * Which path a Kafka driver's requests took, counted for the Driver contract's pathCounts(): mqbench's
 * own wire code (wire/) beside @platformatic/kafka's, and why a request fell back to the client's.
 * One counter per driver instance (a process may hold several drivers; the engine sums over workers).
 * Callers count per request or per batch, never per record: a record's cost stays on the fast path.
 *
 * Used by ../platformatic.ts (pathCounts()), ./fetcher.ts (fetch side) and wire/record-sender.ts
 * (produce side).
 */
import type { PathCounts } from '../types.js';

export class PathCounter {
  private readonly paths = new Map<string, { requests: number; records: number }>();
  private readonly fallbacks = new Map<string, number>();

  /** `requests` requests (or batches) that carried `records` records went this way. */
  recordPath(path: string, requests: number, records: number): void {
    const counted = this.paths.get(path);
    if (counted === undefined) this.paths.set(path, { requests, records });
    else {
      counted.requests += requests;
      counted.records += records;
    }
  }

  /** A request that left mqbench's path for the client's, and why (a short, stable reason: counts add up by it). */
  recordFallback(reason: string, count = 1): void {
    this.fallbacks.set(reason, (this.fallbacks.get(reason) ?? 0) + count);
  }

  /** The counts so far, as the contract reports them (a copy: later counting does not change it). */
  snapshot(): PathCounts {
    return {
      paths: [...this.paths].map(([path, { requests, records }]) => ({ path, requests, records })),
      fallbacks: [...this.fallbacks].map(([reason, count]) => ({ reason, count })),
    };
  }
}
