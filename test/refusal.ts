import { expect } from 'vitest';
import { UsageError } from '../src/errors.js';

/** The one-line message of the UsageError `run` throws (bad input); fails the test when it does not refuse. */
export function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('not refused');
}
