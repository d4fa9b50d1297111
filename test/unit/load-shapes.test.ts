/**
 * Load shapes (issue 31, item 10): --stages (a ramping arrival rate, k6's ramping-arrival-rate) and
 * --sizes (a message size distribution). Pure parts: the parsing and its one-line refusals, the
 * ramp's intended send times, the seeded size picker and its tally.
 */
import { describe, expect, test } from 'vitest';
import { RampCurve, rampScheduledIn, rampSendTimes } from '../../src/engine/ramp-schedule.js';
import { StagesExecutor } from '../../src/engine/executors/stages.js';
import { executorFor } from '../../src/engine/executors/index.js';
import { describeRamp, describeSizes, describeSizesSent } from '../../src/metrics/load-shape-words.js';
import { SizePicker, SizeTally, unitDraw } from '../../src/metrics/size-distribution.js';
import { parseSizes, parseStages } from '../../src/plan/load-shapes.js';
import { planRuns } from '../../src/plan/index.js';
import type { Ramp, SizeDistribution } from '../../src/results/types.js';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no refusal');
};

describe('--stages: parsing', () => {
  test('DURATION:RATE stages, and a leading starting rate', () => {
    expect(parseStages('10s:1000,30s:5000,10s:0')).toEqual({
      startPerSec: 0,
      stages: [
        { durationUs: 10_000_000, targetPerSec: 1000 },
        { durationUs: 30_000_000, targetPerSec: 5000 },
        { durationUs: 10_000_000, targetPerSec: 0 },
      ],
    });
    expect(parseStages(' 500 , 500ms:2.5 ')).toEqual({ startPerSec: 500, stages: [{ durationUs: 500_000, targetPerSec: 2.5 }] });
  });

  test.each([
    ['10s', '--stages: each stage is DURATION:RATE (a leading bare number is the starting rate, msg/s), e.g. "10s:1000,30s:5000,10s:0", got "10s"'],
    ['10s:1000,,5s:0', '--stages: give stages as DURATION:RATE separated by commas, e.g. "10s:1000,30s:5000,10s:0", got "10s:1000,,5s:0"'],
    ['10s:fast', '--stages: a stage\'s rate must be a number of messages per second from 0 to 10,000,000, got "10s:fast"'],
    ['10s:-5', '--stages: a stage\'s rate must be a number of messages per second from 0 to 10,000,000, got "10s:-5"'],
    ['10s:1e3', '--stages: a stage\'s rate must be a number of messages per second from 0 to 10,000,000, got "10s:1e3"'],
    ['0s:100', '--stages: stage "0s:100": must be greater than zero, got "0s"'],
    ['ten:100', '--stages: stage "ten:100": cannot parse duration "ten" (use e.g. 500ms, 5s, 2m)'],
    ['10s:0,5s:0', '--stages: every rate is 0: nothing would be sent, got "10s:0,5s:0"'],
    ['500', '--stages: give at least one stage, DURATION:RATE, e.g. "10s:1000,30s:5000,10s:0", got "500"'],
    ['10s:100,500', '--stages: each stage is DURATION:RATE, e.g. "10s:1000,30s:5000,10s:0", got "10s:100,500"'],
    ['100h:100,69h:0', '--stages: the stages must last at most 7 days in all, got "100h:100,69h:0"'],
  ])('%s is refused with one line', (raw, message) => {
    expect(refusal(() => parseStages(raw))).toBe(message);
  });

  test('through the plan: the window is the stages\' sum, the warmup 0, the rate their highest; what clashes is refused', () => {
    const [plan] = planRuns({ broker: 'memory', scenario: 'noack', stages: '2s:1000,3s:4000' });
    expect(plan?.workload).toMatchObject({ durationUs: 5_000_000, warmupUs: 0, rate: 4000, ramp: { startPerSec: 0 } });
    expect(executorFor(plan!.workload)).toBeInstanceOf(StagesExecutor);
    expect(executorFor(plan!.workload).description).toBe('ramping arrival rate 0 -> 1,000 msg/s over 2s, -> 4,000 over 3s, at most 400 sends outstanding');
    const plan2 = planRuns({ broker: 'memory', scenario: 'noack', stages: '100,2s:1000', warmup: '1s', 'max-outstanding': 50 })[0];
    expect(plan2?.workload).toMatchObject({ warmupUs: 1_000_000, maxOutstanding: 50 });
    const given = { broker: 'memory', scenario: 'noack', stages: '2s:1000' };
    expect(refusal(() => planRuns({ ...given, duration: '5s' }))).toBe("--stages sets the rate over time and the run's length (the stages' sum): leave out --duration");
    expect(refusal(() => planRuns({ ...given, rate: 100 }))).toBe("--stages sets the rate over time and the run's length (the stages' sum): leave out --rate");
    expect(refusal(() => planRuns({ ...given, warmup: '1s' }))).toBe(
      '--warmup: the warmup sends at the ramp\'s starting rate, which is 0 here: give one first (e.g. --stages "500,2s:1000") or leave out --warmup',
    );
    expect(refusal(() => planRuns({ ...given, scenario: 'hello-world' }))).toBe('--stages: this scenario sends a fixed message count; choose a timed scenario (e.g. --scenario noack)');
  });
});

/** Every intended time of a one-producer schedule, until the curve's end. */
function allTimes(ramp: Ramp, warmupUs = 0, producers = 1, index = 0): number[] {
  const times = rampSendTimes(new RampCurve(ramp, warmupUs, 1_000_000), producers, index);
  const out: number[] = [];
  for (let i = 0; Number.isFinite(times.intendedUs(i)); i++) out.push(times.intendedUs(i));
  return out;
}

describe('the ramp\'s intended send times (pure)', () => {
  const ramp: Ramp = { startPerSec: 0, stages: [{ durationUs: 2_000_000, targetPerSec: 1000 }, { durationUs: 1_000_000, targetPerSec: 1000 }, { durationUs: 1_000_000, targetPerSec: 0 }] };

  test('message n (from 1) is intended when the area under the rate reaches n, as k6 does', () => {
    const times = allTimes(ramp);
    // 0 -> 1,000 over 2 s: area t^2 * 250, so message n at sqrt(n / 250) s; then 1,000 flat; then down to 0
    expect(times[0]).toBe(1_000_000 + Math.floor(Math.sqrt(1 / 250) * 1e6));
    expect(times[249]).toBe(1_000_000 + 1_000_000);
    expect(times[999]).toBe(1_000_000 + 2_000_000);
    expect(times[1499]).toBe(1_000_000 + 2_500_000);
    // area 1,000 + 1,000 + 500 = 2,500: the last message falls on the end (the executor sends nothing at or after it)
    expect(times).toHaveLength(2500);
    expect(times.at(-1)).toBe(1_000_000 + 4_000_000);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0))).toBe(true);
    const perSecond = [0, 1, 2, 3].map((s) => times.filter((t) => t >= 1_000_000 + s * 1e6 && t < 1_000_000 + (s + 1) * 1e6).length);
    expect(perSecond).toEqual([249, 750, 1000, 500]);
  });

  test('a stage\'s fraction of a message carries into the next; a stage at rate 0 intends nothing', () => {
    const gappy: Ramp = { startPerSec: 3, stages: [{ durationUs: 500_000, targetPerSec: 3 }, { durationUs: 1_000_000, targetPerSec: 0 }, { durationUs: 1_000_000, targetPerSec: 0 }, { durationUs: 1_000_000, targetPerSec: 2 }] };
    const times = allTimes(gappy).map((t) => t - 1_000_000);
    // areas: 1.5, then 1.5 (3 -> 0 over 1 s), then 0, then 1 (0 -> 2 over 1 s): messages at areas 1, 2, 3, 4
    expect(times).toEqual([333_333, 500_000 + Math.floor((1 - Math.sqrt(1 - 1 / 3)) * 1e6), 1_500_000, 3_500_000]);
    const rising: Ramp = { startPerSec: 0, stages: [{ durationUs: 1_000_000, targetPerSec: 0 }, { durationUs: 1_000_000, targetPerSec: 4 }] };
    // nothing in the first second; then area 2 t^2 (2 in all): message n at sqrt(n / 2) s
    expect(allTimes(rising).map((t) => t - 2_000_000)).toEqual([707_106, 1_000_000]);
  });

  test('the warmup runs first at the starting rate; the stages are the measured window', () => {
    const withWarmup: Ramp = { startPerSec: 100, stages: [{ durationUs: 1_000_000, targetPerSec: 300 }] };
    const times = allTimes(withWarmup, 500_000);
    // 100 msg/s over 0.5 s of warmup: messages 1-49 before its end, the 50th on it; the stages add 200
    expect(times.filter((t) => t < 1_500_000)).toHaveLength(49);
    expect(times[49]).toBe(1_500_000);
    expect(times).toHaveLength(250);
  });

  test('producers take every P-th message: together they make the one schedule; countBefore agrees with the times', () => {
    const whole = allTimes(ramp);
    const three = [0, 1, 2].flatMap((k) => allTimes(ramp, 0, 3, k)).sort((a, b) => a - b);
    expect(three).toEqual(whole);
    const times = rampSendTimes(new RampCurve(ramp, 0, 1_000_000), 3, 1);
    const mine = allTimes(ramp, 0, 3, 1);
    for (const t of [0, 1_000_000, 1_000_001, 1_500_000, 2_000_000, 3_333_333, 5_000_000, 9_000_000]) {
      expect(times.countBefore(t)).toBe(mine.filter((x) => x < t).length);
    }
    expect(rampScheduledIn(ramp, 0, 1_000_000, 2_000_000, 3_000_000)).toBe(whole.filter((t) => t >= 2_000_000 && t < 3_000_000).length);
  });
});

describe('--sizes: parsing', () => {
  test('equal shares, percentage shares and a uniform range', () => {
    expect(parseSizes('100,1KiB,10KiB', 1)).toEqual({ kind: 'weighted', seed: 1, sizes: [{ bytes: 100, weight: 1 }, { bytes: 1024, weight: 1 }, { bytes: 10240, weight: 1 }] });
    expect(parseSizes('100:70%, 1KiB:25%, 10KiB:5%', 7)).toEqual({ kind: 'weighted', seed: 7, sizes: [{ bytes: 100, weight: 0.7 }, { bytes: 1024, weight: 0.25 }, { bytes: 10240, weight: 0.05 }] });
    expect(parseSizes('uniform:100-1KiB', 3)).toEqual({ kind: 'uniform', minBytes: 100, maxBytes: 1024, seed: 3 });
  });

  test.each([
    ['10,100', '--sizes: must be at least 32 bytes (the mqbench header), got "10"'],
    ['100:70%,1KiB:20%', '--sizes: the shares must add up to 100% (they add up to 90%), got "100:70%,1KiB:20%"'],
    ['100:70%,1KiB', '--sizes: give every size a share (100:70%,1KiB:30%) or none (equal shares), got "100:70%,1KiB"'],
    ['100:0.7,1KiB:0.3', '--sizes: a share is a percentage above 0 and at most 100, e.g. 1KiB:25%, got "100:0.7"'],
    ['100,100', '--sizes: a size is listed twice, got "100,100"'],
    ['uniform:1000-100', '--sizes: a uniform range needs MIN below MAX, got "uniform:1000-100"'],
    ['uniform:100', '--sizes: a uniform range is uniform:MIN-MAX, e.g. uniform:100-1KiB, got "uniform:100"'],
    ['100,,200', '--sizes: give sizes separated by commas, e.g. "100,1KiB,10KiB" (equal shares), "100:70%,1KiB:25%,10KiB:5%" or "uniform:100-1KiB", got "100,,200"'],
    ['big', '--sizes: must be a size in bytes, e.g. 100, 1KB (1000), 1KiB or 1k (1024), 1MiB, got "big"'],
  ])('%s is refused with one line', (raw, message) => {
    expect(refusal(() => parseSizes(raw, 1))).toBe(message);
  });

  test('through the plan: messageSize is the largest, the seed recorded (1 unless given); --size and a lone --seed are refused', () => {
    const [plan] = planRuns({ broker: 'memory', scenario: 'noack', sizes: '100,1KiB' });
    expect(plan?.workload).toMatchObject({ messageSize: 1024, sizes: { kind: 'weighted', seed: 1 } });
    expect(planRuns({ broker: 'memory', scenario: 'noack', sizes: 'uniform:64-128', seed: 42 })[0]?.workload.sizes).toEqual({ kind: 'uniform', minBytes: 64, maxBytes: 128, seed: 42 });
    expect(refusal(() => planRuns({ broker: 'memory', scenario: 'noack', sizes: '100,1KiB', size: 100 }))).toBe("--sizes draws each message's size: leave out --size");
    expect(refusal(() => planRuns({ broker: 'memory', scenario: 'noack', seed: 5 }))).toBe('--seed draws the sizes of --sizes: give --sizes too, or leave out --seed');
  });
});

describe('the size picker (seeded)', () => {
  const weighted: SizeDistribution = { kind: 'weighted', seed: 1, sizes: [{ bytes: 100, weight: 0.7 }, { bytes: 1024, weight: 0.25 }, { bytes: 10240, weight: 0.05 }] };
  const draws = (d: SizeDistribution, n: number, producer = 0): number[] => {
    const picker = new SizePicker(d);
    return Array.from({ length: n }, (_, seq) => picker.pick(producer, seq, true));
  };

  test('the same seed draws the same sizes; another seed or producer other ones', () => {
    expect(draws(weighted, 1000)).toEqual(draws(weighted, 1000));
    expect(draws(weighted, 1000)).not.toEqual(draws({ ...weighted, seed: 2 }, 1000));
    expect(draws(weighted, 1000)).not.toEqual(draws(weighted, 1000, 1));
    // a draw is a number in [0, 1) that depends on its inputs only
    expect(unitDraw(1, 2, 3, true)).toBe(unitDraw(1, 2, 3, true));
    expect(unitDraw(1, 2, 3, true)).not.toBe(unitDraw(1, 2, 3, false));
  });

  test('proportions within 1 point of the shares over 100,000 messages (4 producers)', () => {
    const sizes = [0, 1, 2, 3].flatMap((p) => draws(weighted, 25_000, p));
    const share = (bytes: number): number => sizes.filter((s) => s === bytes).length / sizes.length;
    expect(Math.abs(share(100) - 0.7)).toBeLessThan(0.01);
    expect(Math.abs(share(1024) - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(share(10240) - 0.05)).toBeLessThan(0.005);
  });

  test('uniform: every size within the range, both ends drawn, mean in the middle; the tally\'s ten buckets share it evenly', () => {
    const d: SizeDistribution = { kind: 'uniform', minBytes: 100, maxBytes: 1099, seed: 9 };
    const sizes = draws(d, 100_000);
    expect(Math.min(...sizes)).toBe(100);
    expect(Math.max(...sizes)).toBe(1099);
    expect(Math.abs(sizes.reduce((a, b) => a + b, 0) / sizes.length - 599.5)).toBeLessThan(5);
    const tally = new SizeTally(d);
    for (const s of sizes) tally.count(s);
    const buckets = tally.sent();
    expect(buckets.map((b) => [b.fromBytes, b.toBytes])).toEqual(Array.from({ length: 10 }, (_, i) => [100 + i * 100, 199 + i * 100]));
    expect(buckets.reduce((n, b) => n + b.sent, 0)).toBe(100_000);
    expect(buckets.reduce((n, b) => n + b.bytes, 0)).toBe(sizes.reduce((a, b) => a + b, 0));
    for (const b of buckets) expect(Math.abs(b.sent - 10_000)).toBeLessThan(500);
  });

  test('in words', () => {
    expect(describeSizes(weighted)).toBe('100 B 70%, 1,024 B 25%, 10,240 B 5% (seed 1)');
    expect(describeSizes({ kind: 'uniform', minBytes: 100, maxBytes: 1024, seed: 2 })).toBe('uniform 100-1,024 B (seed 2)');
    expect(describeSizesSent([{ fromBytes: 100, toBytes: 100, sent: 3, bytes: 300 }, { fromBytes: 200, toBytes: 299, sent: 1, bytes: 250 }])).toBe('100 B: 3 (75%), 200-299 B: 1 (25%); mean 138 B');
    expect(describeRamp({ startPerSec: 10, stages: [{ durationUs: 1_500_000, targetPerSec: 2000 }] })).toBe('10 -> 2,000 msg/s over 1.5s');
  });
});
