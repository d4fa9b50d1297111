import { describe, expect, test } from 'vitest';
import { intendedTimeUs, slotsBefore, splitEvenly } from '../../src/engine/schedule.js';

describe('open-loop schedule', () => {
  const one = { startUs: 1_000_000, ratePerSec: 1000, producers: 1, producerIndex: 0 };

  test('one producer at 1000 msg/s sends every 1000 us from the start', () => {
    expect([0, 1, 2, 999].map((i) => intendedTimeUs(one, i))).toEqual([1_000_000, 1_001_000, 1_002_000, 1_999_000]);
  });

  test('producers interleave on the global schedule', () => {
    const p0 = { ...one, producers: 2, producerIndex: 0 };
    const p1 = { ...one, producers: 2, producerIndex: 1 };
    expect([0, 1, 2].map((i) => intendedTimeUs(p0, i))).toEqual([1_000_000, 1_002_000, 1_004_000]);
    expect([0, 1, 2].map((i) => intendedTimeUs(p1, i))).toEqual([1_001_000, 1_003_000, 1_005_000]);
  });

  test('non-integer intervals do not drift: 3 msg/s -> 0, 333333, 666666, 1000000', () => {
    const s = { startUs: 0, ratePerSec: 3, producers: 1, producerIndex: 0 };
    expect([0, 1, 2, 3].map((i) => intendedTimeUs(s, i))).toEqual([0, 333_333, 666_666, 1_000_000]);
  });

  test('slotsBefore counts intended times < t', () => {
    expect(slotsBefore(one, 1_000_000)).toBe(0);
    expect(slotsBefore(one, 1_000_001)).toBe(1);
    expect(slotsBefore(one, 1_001_000)).toBe(1);
    expect(slotsBefore(one, 1_001_001)).toBe(2);
    const p1 = { ...one, producers: 2, producerIndex: 1 };
    expect(slotsBefore(p1, 1_001_000)).toBe(0);
    expect(slotsBefore(p1, 1_001_001)).toBe(1);
  });

  test('a 10 s window at 2000 msg/s holds exactly 20000 messages, split over 3 producers', () => {
    const total = [0, 1, 2]
      .map((k) => slotsBefore({ startUs: 0, ratePerSec: 2000, producers: 3, producerIndex: k }, 10_000_000))
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(20_000);
  });

  test('slotsBefore agrees with intendedTimeUs at huge rates without looping over slots', () => {
    const s = { startUs: 5, ratePerSec: 1e12, producers: 3, producerIndex: 2 };
    const n = slotsBefore(s, 5_000_005);
    expect(intendedTimeUs(s, n)).toBeGreaterThanOrEqual(5_000_005);
    expect(intendedTimeUs(s, n - 1)).toBeLessThan(5_000_005);
  });

  test('splitEvenly gives the remainder to the first parts', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(1, 2)).toEqual([1, 0]);
  });
});
