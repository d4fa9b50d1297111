/**
 * Open-loop arithmetic: the whole run sends at `ratePerSec`; producer k of P takes every P-th slot
 * of the global schedule, so the combined send times are evenly spaced.
 */
export interface Schedule {
  startUs: number;
  ratePerSec: number;
  producers: number;
  producerIndex: number;
}

/** Intended send time of the producer's i-th message (integer us). */
export function intendedTimeUs(schedule: Schedule, i: number): number {
  const globalSlot = i * schedule.producers + schedule.producerIndex;
  return schedule.startUs + Math.floor((globalSlot * 1_000_000) / schedule.ratePerSec);
}

/** How many of the producer's messages are intended before `timeUs` (arithmetic: no loop over slots). */
export function slotsBefore(schedule: Schedule, timeUs: number): number {
  if (timeUs <= schedule.startUs) return 0;
  // intendedTimeUs(i) >= t  <=>  (i*P + k) * 1e6 / rate >= t - start
  const exact = (((timeUs - schedule.startUs) * schedule.ratePerSec) / 1_000_000 - schedule.producerIndex) / schedule.producers;
  let i = Math.max(0, Math.ceil(exact));
  // floating point guard: the definition is the first i with intendedTimeUs(i) >= timeUs
  while (i > 0 && intendedTimeUs(schedule, i - 1) >= timeUs) i--;
  while (intendedTimeUs(schedule, i) < timeUs) i++;
  return i;
}

/** Splits a total across n parts, the remainder going to the first parts (e.g. 10 over 3 -> 4,3,3). */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const remainder = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < remainder ? 1 : 0));
}

/** Messages the whole run's schedule calls for with intended times in [fromUs, untilUs). */
export function scheduledIn(ratePerSec: number, startUs: number, fromUs: number, untilUs: number): number {
  const whole = { startUs, ratePerSec, producers: 1, producerIndex: 0 };
  return Math.max(0, slotsBefore(whole, untilUs) - slotsBefore(whole, fromUs));
}

/**
 * One producer's send times, whatever the load's shape: when its i-th send is intended (Infinity past
 * the schedule's end) and how many of its sends are intended before a time.
 */
export interface SendTimes {
  intendedUs(i: number): number;
  countBefore(timeUs: number): number;
}

/** The constant rate's send times (the open loop's). */
export function evenSendTimes(schedule: Schedule): SendTimes {
  return { intendedUs: (i) => intendedTimeUs(schedule, i), countBefore: (timeUs) => slotsBefore(schedule, timeUs) };
}
