/**
 * A sweep's plan (pure): which option varies over which values, checked by the options table's own
 * parser, and the order of the runs.
 */
import { UsageError } from '../errors.js';
import { parseOptions, type OptionRow } from '../options.js';

/** Options whose values are numbers (counts, sizes, rates, durations) can be varied. */
const numericKinds: readonly OptionRow['kind'][] = ['whole', 'size', 'rate', 'duration'];

export interface VariedValue {
  /** as given, e.g. "1KiB" */
  raw: string;
  /** as the table parses it; null for rate "max" */
  parsed: number | null;
}

export interface Vary {
  option: string;
  values: VariedValue[];
}

const shape = 'must be option=value,value,... e.g. partitions=1,2,4,8';

/** `--vary partitions=1,2,4,8` for a run on `brokers`: one line on any problem, before anything connects. */
export function parseVary(text: string, rows: readonly OptionRow[], brokers: readonly string[]): Vary {
  const match = /^\s*([a-z][a-z0-9-]*)\s*=\s*(.+)$/.exec(text);
  if (!match) throw new UsageError(`--vary: ${shape}, got "${text.slice(0, 40)}"`);
  const [, option, list] = match as unknown as [string, string, string];
  const numeric = rows.filter((r) => numericKinds.includes(r.kind) && (r.broker === undefined || brokers.includes(r.broker)));
  const row = rows.find((r) => r.name === option);
  if (!row) throw new UsageError(`--vary: unknown option "${option}"; numeric options: ${numeric.map((r) => r.name).join(', ')}`);
  if (!numericKinds.includes(row.kind)) throw new UsageError(`--vary: --${option} is not numeric; numeric options: ${numeric.map((r) => r.name).join(', ')}`);
  // varied on a broker that ignores it, the curve would be flat and say nothing
  const others = brokers.filter((b) => row.broker !== undefined && b !== row.broker);
  if (row.broker && brokers.includes(row.broker) && others.length > 0) throw new UsageError(`--vary: --${option} is a ${row.broker} option; it has no meaning for ${others.join(', ')}: sweep it with --broker ${row.broker}`);
  const raws = list.split(',').map((v) => v.trim());
  if (raws.some((v) => v === '')) throw new UsageError(`--vary: an empty value in "${list.slice(0, 40)}"`);
  const values = raws.map((raw) => {
    const parsed = parseOptions(rows, { [option]: raw }, brokers)[option];
    return { raw, parsed: typeof parsed === 'number' ? parsed : null };
  });
  const seen = new Set<string>();
  for (const v of values) {
    const key = String(v.parsed ?? v.raw);
    if (seen.has(key)) throw new UsageError(`--vary: the value "${v.raw}" is given twice`);
    seen.add(key);
  }
  return { option, values };
}

export interface PlannedRun {
  repeat: number;
  value: VariedValue;
  broker: string;
}

/**
 * Interleaved: for each repeat, for each value, every broker, so slow drift (a warming JIT, a filling
 * disk, another process) spreads over all brokers and values; the brokers' order rotates from one
 * value to the next, so no broker always runs first.
 */
export function runOrder(brokers: readonly string[], values: readonly VariedValue[], repeats: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  let point = 0;
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const value of values) {
      for (let i = 0; i < brokers.length; i++) runs.push({ repeat, value, broker: brokers[(i + point) % brokers.length] as string });
      point++;
    }
  }
  return runs;
}

export const orderDescription = 'interleaved: for each repeat, for each value, every broker (their order rotating from one value to the next)';
