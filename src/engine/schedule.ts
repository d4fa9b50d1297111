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

/** How many of the producer's messages are due at `nowUs` (intended time <= now). */
export function messagesDue(schedule: Schedule, nowUs: number): number {
  if (nowUs < schedule.startUs) return 0;
  const globalDue = Math.floor(((nowUs - schedule.startUs) * schedule.ratePerSec) / 1_000_000) + 1;
  // global slots 0..globalDue-1 are due; this producer owns slots producerIndex, producerIndex+P, ...
  if (globalDue <= schedule.producerIndex) return 0;
  let due = Math.floor((globalDue - 1 - schedule.producerIndex) / schedule.producers) + 1;
  // floating point guard: the definition is intendedTimeUs(i) <= now
  while (due > 0 && intendedTimeUs(schedule, due - 1) > nowUs) due--;
  while (intendedTimeUs(schedule, due) <= nowUs) due++;
  return due;
}

/** Messages a producer sends in [startUs, endUs): its intended times fall inside the window. */
export function messagesInWindow(schedule: Schedule, endUs: number): number {
  return messagesDue(schedule, endUs - 1);
}

/** Splits a total across n parts, the remainder going to the first parts (e.g. 10 over 3 -> 4,3,3). */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const remainder = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < remainder ? 1 : 0));
}
