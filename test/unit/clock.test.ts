import { describe, expect, it } from 'vitest';
import { nowUs } from '../../src/util/clock.js';

describe('nowUs', () => {
  it('is CLOCK_MONOTONIC in whole microseconds (what process.hrtime.bigint() reads), never going back', () => {
    const lags: number[] = [];
    let previous = nowUs();
    for (let i = 0; i < 10_000; i++) {
      const ours = nowUs();
      const monotonic = Number(process.hrtime.bigint() / 1000n);
      expect(Number.isInteger(ours)).toBe(true);
      expect(ours).toBeGreaterThanOrEqual(previous);
      previous = ours;
      lags.push(monotonic - ours);
    }
    lags.sort((a, b) => a - b);
    // read one after the other: the monotonic reading is 0-1 us later; a preemption between them only widens the tail
    expect(lags[lags.length / 2]).toBeGreaterThanOrEqual(0);
    expect(lags[lags.length / 2]).toBeLessThanOrEqual(2);
  });
});
