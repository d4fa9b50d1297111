import type { Ramp } from '../results/types.js';
import type { SendTimes } from './schedule.js';

/** A stretch of the rate curve: the rate moves linearly from `fromPerSec` to `toPerSec` over `durationUs`. */
interface Segment {
  durationUs: number;
  fromPerSec: number;
  toPerSec: number;
}

/**
 * A ramping arrival rate as a curve of messages over time (k6's ramping-arrival-rate): the area under
 * the rate is the number of messages intended so far, and message n (from 1) is intended when that
 * area reaches n, k6's rule (lib/executor/ramping_arrival_rate.go, `cal`): a stage's fraction of a
 * message is carried into the next stage, and a stage at rate 0 intends nothing. The warmup comes
 * first, at the ramp's starting rate, so the stages are the measured window.
 */
export class RampCurve {
  private readonly segments: Segment[];
  /** where each segment starts, from the curve's start (us) */
  private readonly startsUs: number[] = [];
  /** messages intended before each segment (fractional) */
  private readonly areasBefore: number[] = [];
  /** messages the whole curve intends (fractional) */
  readonly totalArea: number;

  constructor(
    ramp: Ramp,
    warmupUs: number,
    /** the curve's start: when sending starts (the warmup's start) */
    private readonly startUs: number,
  ) {
    const warmup = warmupUs > 0 ? [{ durationUs: warmupUs, fromPerSec: ramp.startPerSec, toPerSec: ramp.startPerSec }] : [];
    let from = ramp.startPerSec;
    const stages = ramp.stages.map((stage) => {
      const segment = { durationUs: stage.durationUs, fromPerSec: from, toPerSec: stage.targetPerSec };
      from = stage.targetPerSec;
      return segment;
    });
    this.segments = [...warmup, ...stages];
    let atUs = 0;
    let area = 0;
    for (const segment of this.segments) {
      this.startsUs.push(atUs);
      this.areasBefore.push(area);
      atUs += segment.durationUs;
      area += areaOf(segment, segment.durationUs);
    }
    this.totalArea = area;
  }

  /** Messages intended from the curve's start until `timeUs` (absolute; fractional). */
  areaAt(timeUs: number): number {
    const sinceUs = timeUs - this.startUs;
    if (sinceUs <= 0) return 0;
    for (let j = this.segments.length - 1; j >= 0; j--) {
      const startUs = this.startsUs[j] ?? 0;
      const segment = this.segments[j];
      if (segment && sinceUs >= startUs) return (this.areasBefore[j] ?? 0) + areaOf(segment, Math.min(sinceUs - startUs, segment.durationUs));
    }
    return 0;
  }

  /** When the area reaches `area` (absolute integer us), or Infinity past the curve's end. */
  timeOfArea(area: number): number {
    const j = this.segmentHolding(area);
    if (j < 0) return Number.POSITIVE_INFINITY;
    const segment = this.segments[j] as Segment;
    const n = area - (this.areasBefore[j] ?? 0);
    const from = segment.fromPerSec;
    const slope = (segment.toPerSec - from) / (segment.durationUs / 1_000_000);
    // from * t + slope * t^2 / 2 = n, solved in the form that stays exact when slope is 0 or negative
    const seconds = (2 * n) / (from + Math.sqrt(Math.max(0, from * from + 2 * slope * n)));
    return this.startUs + (this.startsUs[j] ?? 0) + Math.min(segment.durationUs, Math.floor(seconds * 1_000_000));
  }

  /** The segment in which the area reaches `area` (binary search: this runs once per send), or -1. */
  private segmentHolding(area: number): number {
    if (area > this.totalArea || area <= 0) return -1;
    let low = 0;
    let high = this.segments.length - 1;
    // the last segment whose start area is below `area`: a segment at rate 0 adds no area and is never it
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((this.areasBefore[middle] ?? 0) < area) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

/** Messages a segment intends in its first `us` microseconds (the trapezoid under the rate). */
function areaOf(segment: Segment, us: number): number {
  const seconds = us / 1_000_000;
  const rateAt = segment.fromPerSec + ((segment.toPerSec - segment.fromPerSec) * us) / segment.durationUs;
  return ((segment.fromPerSec + rateAt) / 2) * seconds;
}

/**
 * Producer k of P's send times on the curve: it takes every P-th message (k, k+P, ...), so the
 * combined send times follow the ramp, as the constant open loop's producers share its schedule.
 */
export function rampSendTimes(curve: RampCurve, producers: number, producerIndex: number): SendTimes {
  const intendedUs = (i: number): number => curve.timeOfArea(i * producers + producerIndex + 1);
  return {
    intendedUs,
    countBefore(timeUs: number): number {
      // message n is intended before t when n < area(t) (roughly): the guards below make it exact
      let i = Math.max(0, Math.ceil((curve.areaAt(timeUs) - 1 - producerIndex) / producers));
      while (i > 0 && intendedUs(i - 1) >= timeUs) i--;
      while (intendedUs(i) < timeUs) i++;
      return i;
    },
  };
}

/** Messages the whole run's ramp intends in [fromUs, untilUs) (the open-loop outcome's `scheduled`). */
export function rampScheduledIn(ramp: Ramp, warmupUs: number, startUs: number, fromUs: number, untilUs: number): number {
  const whole = rampSendTimes(new RampCurve(ramp, warmupUs, startUs), 1, 0);
  return Math.max(0, whole.countBefore(untilUs) - whole.countBefore(fromUs));
}
