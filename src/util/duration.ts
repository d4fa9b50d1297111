import { UsageError } from '../errors.js';

const unitToMicros: Record<string, number> = {
  us: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
};

/**
 * Parses "500ms", "5s", "2m", "1h" or a bare number of seconds into integer microseconds.
 * `allowZero` exists because a warmup of 0 is meaningful while a duration of 0 is not.
 */
export function parseDurationUs(text: string | number, what: string, allowZero = false): number {
  const raw = String(text).trim();
  const match = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?$/.exec(raw);
  if (!match) {
    throw new UsageError(`${what}: cannot parse duration "${raw}" (use e.g. 500ms, 5s, 2m)`);
  }
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const micros = Math.round(value * (unitToMicros[unit] ?? 1_000_000));
  if (micros < 0 || (!allowZero && micros === 0)) {
    throw new UsageError(`${what}: must be ${allowZero ? 'zero or more' : 'greater than zero'}, got "${raw}"`);
  }
  return micros;
}
