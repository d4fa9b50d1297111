import type { Loop } from '../../results/types.js';
import type { ProducerSlot } from '../producer-slot.js';
import type { Recorder } from '../recorder.js';

/** The run's clock marks and shared state, as one producer's executor sees them. */
export interface ExecutionContext {
  startUs: number;
  warmupEndUs: number;
  /** the measured window ends here: no send starts at or after it */
  endUs: number;
  /** set when the run must stop early (abort, interrupt, stall) */
  shouldStop(): boolean;
  recorder: Recorder;
  /** closed loop: messages in flight over the whole run (every participant) */
  inFlight(): number;
  /** closed loop: resolves when a message arrives or after `maxWaitMs` */
  waitForArrival(maxWaitMs: number): Promise<void>;
}

/** A load shape (k6's executors): validated on creation, described in one line, drives one producer. */
export interface Executor {
  readonly loop: Loop;
  /** one line for the summary, e.g. "open loop at 2,000 msg/s, at most 2,000 sends outstanding" */
  readonly description: string;
  /** Sends on `slot` until the window ends or the run stops. */
  drive(slot: ProducerSlot, context: ExecutionContext): Promise<void>;
}

/** Gives the event loop a turn, so receipts and acks are handled between bursts of sends. */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
