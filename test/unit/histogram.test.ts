import { describe, expect, test } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, mergeEncoded, summarize } from '../../src/metrics/histogram.js';

describe('histograms', () => {
  test('percentiles of 1..10000 us within 3 significant digits', () => {
    const h = createHistogram();
    for (let v = 1; v <= 10_000; v++) h.recordValue(v);
    const s = summarize(h);
    expect(s.count).toBe(10_000);
    expect(s.min).toBe(1);
    // 3 significant digits: every value is within 0.1% of the truth
    const near = (value: number, truth: number) => expect(Math.abs(value - truth)).toBeLessThanOrEqual(truth * 0.001);
    near(s.p50, 5000);
    near(s.p90, 9000);
    near(s.p99, 9900);
    near(s.max, 10_000);
    h.destroy();
  });

  test('encode -> decode round-trips counts and percentiles', () => {
    const h = createHistogram();
    [5, 50, 500, 5000, 50_000].forEach((v) => h.recordValue(v));
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(5);
    expect(back.getValueAtPercentile(50)).toBe(h.getValueAtPercentile(50));
    expect(back.getValueAtPercentile(100)).toBe(h.getValueAtPercentile(100));
    h.destroy();
    back.destroy();
  });

  test('merging encoded histograms equals recording everything in one', () => {
    const a = createHistogram();
    const b = createHistogram();
    const all = createHistogram();
    for (let v = 1; v <= 1000; v++) {
      a.recordValue(v);
      all.recordValue(v);
    }
    for (let v = 100_000; v <= 100_500; v++) {
      b.recordValue(v);
      all.recordValue(v);
    }
    const merged = mergeEncoded([encodeHistogram(a), encodeHistogram(b)]);
    expect(merged.totalCount).toBe(1501);
    for (const p of [50, 90, 99, 99.9]) expect(merged.getValueAtPercentile(p)).toBe(all.getValueAtPercentile(p));
    [a, b, all, merged].forEach((h) => h.destroy());
  });

  test('an empty histogram summarizes to zeros', () => {
    const s = summarize(createHistogram());
    expect([s.count, s.min, s.p99, s.max]).toEqual([0, 0, 0, 0]);
  });
});

describe('live p99 of the timeline', () => {
  test('the last whole second, none before one has passed, and not the second still going', async () => {
    const { Timeline } = await import('../../src/metrics/timeline.js');
    const timeline = new Timeline(1_000_000);
    expect(timeline.lastSecondP99Us(1_500_000)).toBeUndefined();
    for (let v = 1; v <= 100; v++) timeline.received(1_000_000 + v * 1000, 100, v * 100);
    timeline.received(2_100_000, 100, 999_000); // second 1, still going when asked at 2.2 s
    // HDR histograms keep 3 significant digits
    const near = (value: number | undefined, expected: number) => expect(Math.abs((value ?? 0) - expected) / expected).toBeLessThan(0.001);
    near(timeline.lastSecondP99Us(2_200_000), 9900);
    near(timeline.lastSecondP99Us(3_100_000), 999_000);
  });
});

describe('timeline seconds sealed as they end', () => {
  test('a long run keeps every second exact, late receipts included, and the live p99 of a sealed second', async () => {
    const { Timeline, mergeTimelines } = await import('../../src/metrics/timeline.js');
    const origin = 1_000_000;
    const timeline = new Timeline(origin);
    // second s gets latencies (s+1)*1000 .. (s+1)*1000+99
    for (let s = 0; s < 6; s++) for (let i = 0; i < 100; i++) timeline.received(origin + s * 1_000_000 + i * 1000, 10, (s + 1) * 1000 + i);
    // second 0 is sealed by now (seconds 4 and 5 are open): its p99 still answers
    timeline.received(origin + 5_500_000, 10, 6000);
    const near = (value: number | undefined, expected: number) => expect(Math.abs((value ?? 0) - expected) / expected).toBeLessThan(0.001);
    // receipts stamped in an old, sealed second reopen it instead of being lost (2 of 102: the p99)
    timeline.received(origin + 500_000, 10, 900_000);
    timeline.received(origin + 600_000, 10, 900_000);
    const points = mergeTimelines([timeline.toPartial()], 6_000_000);
    expect(points.map((p) => p.received)).toEqual([102, 100, 100, 100, 100, 101]);
    near(points[0]?.p99Us, 900_000);
    near(points[3]?.p99Us, 4098);
    near(points[5]?.p99Us, 6098);
  });

  test('the live p99 of a second already encoded', async () => {
    const { Timeline } = await import('../../src/metrics/timeline.js');
    const timeline = new Timeline(0);
    for (let i = 0; i < 100; i++) timeline.received(i * 1000, 10, 1000 + i);
    timeline.received(1_000_000, 10, 5);
    timeline.received(2_000_000, 10, 5); // seals second 0
    expect(Math.abs((timeline.lastSecondP99Us(1_500_000) ?? 0) - 1098)).toBeLessThan(2);
  });
});
