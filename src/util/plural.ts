/**
 * A count and its noun, in the number the count asks for ("1 run", "3 runs", "2 processes"):
 * what users read, where "run(s)" made them do the grammar. Pure.
 */
import { formatCount } from './format.js';

/** The noun alone: `singular` for exactly 1, else `pluralForm` (by default the singular plus "s"). */
export function nounFor(count: number, singular: string, pluralForm = `${singular}s`): string {
  return count === 1 ? singular : pluralForm;
}

/** "1 run", "1,200 runs", "2 processes" (the count formatted as every count is: formatCount). */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${nounFor(count, singular, pluralForm)}`;
}
