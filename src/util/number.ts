/**
 * The one number parser of every numeric option (counts, sizes, rates, durations; flags, workload
 * files and --vary alike): decimal digits with an optional fraction, nothing else. JavaScript's
 * Number() would also take "0x10", "1e-9", "0b1" or "Infinity", so `--rate 0x10` ran at 16 msg/s while
 * `--size 0x40` was refused; here every option refuses them the same way, with one line.
 */

/** Digits with an optional fraction ("16", "2.5", ".5"); no sign, exponent, base prefix or separator. */
const decimalPattern = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
/** A decimal number followed by a unit word ("500ms", "1 KiB"); the unit may be empty. */
const quantityPattern = /^((?:\d+(?:\.\d*)?|\.\d+))\s*([a-z]*)$/i;

/** What every numeric option says about a number written another way (hex, exponent, Infinity). */
export const decimalOnly = 'must be written in decimal digits (e.g. 16 or 2.5: no 0x, exponent or Infinity)';

/**
 * A number from an option's raw value: a finite number as is (a workload file's or the library's
 * numbers), or a decimal string; undefined for anything else (a sign, hex, exponent, a word).
 */
export function decimalOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!decimalPattern.test(text)) return undefined;
  const value = Number(text);
  // 400 digits are decimal but not finite
  return Number.isFinite(value) ? value : undefined;
}

/** A decimal number and the unit word after it, as written ("1.5MiB" -> 1.5, "MiB"), or undefined. */
export function quantityOf(raw: unknown): { value: number; unit: string } | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? { value: raw, unit: '' } : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = quantityPattern.exec(raw.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  return Number.isFinite(value) ? { value, unit: match[2] ?? '' } : undefined;
}

/**
 * True for a text JavaScript would read as a number but that is not decimal ("0x10", "1e3", "0b11",
 * "Infinity", "1e999"): the option then says `decimalOnly`, whatever its kind. A plain negative
 * number is not one of these: its option says its range.
 */
export function isOtherNotation(raw: unknown): boolean {
  if (typeof raw === 'number') return !Number.isFinite(raw);
  if (typeof raw !== 'string') return false;
  const text = raw.trim().replace(/^[+-]/, '');
  if (text === '' || decimalPattern.test(text)) return false;
  return /^infinity$/i.test(text) || !Number.isNaN(Number(text));
}
