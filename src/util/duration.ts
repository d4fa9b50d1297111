import { UsageError } from '../errors.js';
import { quantityOf } from './number.js';

const unitToMicros: Record<string, number> = {
  us: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
};

/**
 * Parses "500ms", "5s", "2m", "1h" or a bare number of seconds into integer microseconds (the number
 * read by util/number.ts, as every option's). `allowZero` exists because a warmup of 0 is meaningful
 * while a duration of 0 is not. Upper bounds are the caller's (the options table's rows).
 */
export function parseDurationUs(text: string | number, what: string, allowZero = false): number {
  const raw = String(text).trim();
  const quantity = quantityOf(typeof text === 'number' ? text : raw);
  const unit = quantity?.unit === '' ? 's' : quantity?.unit ?? '';
  // own keys only: "5constructor" must not find Object's prototype
  const factor = quantity && Object.hasOwn(unitToMicros, unit) ? unitToMicros[unit] : undefined;
  if (!quantity || factor === undefined) {
    throw new UsageError(`${what}: cannot parse duration "${raw}" (use e.g. 500ms, 5s, 2m)`);
  }
  const micros = Math.round(quantity.value * factor);
  if (micros < 0 || (!allowZero && micros === 0)) {
    throw new UsageError(`${what}: must be ${allowZero ? 'zero or more' : 'greater than zero'}, got "${raw}"`);
  }
  return micros;
}
