/**
 * What live metrics (--metrics-port) read besides the progress line's counts: messages missing
 * behind a later one (lost so far), the last whole second's latency quantiles, and the progress
 * tick that carries them (issue 30, item 4).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Accounting, SequenceTracker } from '../../src/metrics/accounting.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { LastSecondOf } from '../../src/metrics/last-second.js';
import { createHistogram } from '../../src/metrics/histogram.js';
import { progressReporter, type Progress } from '../../src/engine/progress.js';
import type { Workload } from '../../src/results/types.js';

describe('missing so far (a gap behind a later receipt)', () => {
  test('nothing missing in order; a gap counts until it arrives; a reordered arrival closes it', () => {
    const tracker = new SequenceTracker(0);
    for (const seq of [0, 1, 2]) tracker.record(seq);
    expect(tracker.missing()).toBe(0);
    tracker.record(5);
    expect(tracker.missing()).toBe(2); // 3 and 4
    tracker.record(3, 1);
    expect(tracker.missing()).toBe(1);
    tracker.record(4);
    expect(tracker.missing()).toBe(0);
  });

  test('the latest receipt of any consumer counts, and every stream is summed', () => {
    const accounting = new Accounting();
    accounting.record(0, 0, 0, 0);
    accounting.record(0, 0, 9, 1); // consumer 1 is ahead: 1..8 missing
    accounting.record(1, 0, 3, 0); // subscription 1: 0..2 missing
    accounting.record(0, 1, 0, 0);
    expect(accounting.missing()).toBe(8 + 3);
  });

  test('a tracker that has seen nothing misses nothing (no receipt yet is not a loss)', () => {
    expect(new SequenceTracker(100).missing()).toBe(0);
  });
});

describe('the last whole second, by quantile', () => {
  test('p50 to max of the last whole second, and the count; the same cache as the p99', () => {
    const timeline = new Timeline(0);
    for (let v = 1; v <= 1000; v++) timeline.received(v * 900, 10, v * 10);
    const q = timeline.lastSecondQuantiles(1_100_000);
    expect(q?.count).toBe(1000);
    const near = (value: number | undefined, expected: number) => expect(Math.abs((value ?? 0) - expected) / expected).toBeLessThan(0.002);
    near(q?.p50, 5000);
    near(q?.p90, 9000);
    near(q?.p99, 9900);
    near(q?.p999, 9990);
    near(q?.max, 10_000);
    expect(timeline.lastSecondP99Us(1_200_000)).toBe(q?.p99);
  });
});

describe('what a whole-run histogram gained in the last second (the send delay)', () => {
  test('only the values of the second before, the source untouched; nothing new: undefined', () => {
    const source = createHistogram();
    const seconds = new LastSecondOf(source);
    try {
      for (let v = 1; v <= 100; v++) source.recordValue(1_000_000); // before the first look: not one second's
      expect(seconds.at(500_000)).toBeUndefined();
      for (let v = 1; v <= 100; v++) source.recordValue(v * 10);
      expect(seconds.at(900_000)).toBeUndefined(); // same second: the cached answer
      const q = seconds.at(1_000_000);
      expect(q?.count).toBe(100);
      expect(q?.max).toBe(1000);
      expect(q?.p50).toBe(500);
      expect(source.totalCount).toBe(200);
      expect(seconds.at(2_000_000)).toBeUndefined();
      // a second without a look (a tick skipped): what came over two seconds is not the last second's
      for (let v = 1; v <= 100; v++) source.recordValue(v);
      expect(seconds.at(4_000_000)).toBeUndefined();
      source.recordValue(7);
      expect(seconds.at(5_000_000)?.count).toBe(1);
    } finally {
      seconds.destroy();
      source.destroy();
    }
  });
});

describe('a progress tick carries the totals', () => {
  afterEach(() => vi.useRealTimers());

  test('sent, received, send errors, in flight, lost so far and the last second, as sampled last', () => {
    vi.useFakeTimers();
    const ticks: Progress[] = [];
    const workload = { messages: null, warmupUs: 1_000_000, durationUs: 10_000_000 } as Workload;
    const reporter = progressReporter(workload, (p) => ticks.push(p));
    reporter.started(0);
    const lastSecondUs = { count: 10, p50: 1, p90: 2, p99: 3, p999: 4, max: 5 };
    reporter.update({ sentAll: 120, receivedAll: 100, errorsAll: 2, inFlight: 18, missing: 4, lastSecondUs });
    vi.advanceTimersByTime(1000);
    reporter.stop();
    expect(ticks.at(-1)?.totals).toEqual({ sent: 120, received: 100, sendErrors: 2, inFlight: 18, lostSoFar: 4, lastSecondUs, lastSecondSendDelayUs: null });
    expect(ticks.at(-1)?.p99Us).toBe(3);
  });
});
