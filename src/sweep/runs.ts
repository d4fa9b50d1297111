/** What `bench sweep` and `bench find-rate` share: checking the run options, one run through `bench run`'s path, the files. */
import { join } from 'node:path';
import { newRunId, planBenchmark } from '../benchmark.js';
import { runCommand, type RunOutcome } from '../commands/run.js';
import { allOptionRows, driverNames } from '../drivers/index.js';
import { UsageError } from '../errors.js';
import { parseOptions, type OptionValues } from '../options.js';
import { scenarioNames } from '../scenarios/index.js';
import { writeFileAtomic, writeFilesAtomic } from '../util/atomic-write.js';

export type GivenOptions = Readonly<Record<string, string | number | boolean>>;

export interface Target {
  brokers: string[];
  scenario: string;
  /** the run options (flag name -> raw value), without broker and scenario */
  options: Record<string, string | number | boolean>;
  values: OptionValues;
}

function required(value: unknown, what: string, valid: readonly string[]): string {
  if (value === undefined || String(value).trim() === '') throw new UsageError(`--${what} is required; valid ${what}s: ${valid.join(', ')}`);
  return String(value);
}

/** Brokers, scenario and the other run options, checked by the options table (one line, before anything connects). */
export function targetOf(given: GivenOptions): Target {
  const { broker, scenario, ...options } = given;
  const brokers = required(broker, 'broker', driverNames).split(',').map((b) => b.trim());
  return { brokers, scenario: required(scenario, 'scenario', scenarioNames), options, values: parseOptions(allOptionRows(), options, brokers) };
}

/** A plug-in's options only for its own runs (as `bench run --broker a,b` does). */
export function optionsFor(broker: string, options: GivenOptions): Record<string, string | number | boolean> {
  const foreign = new Set(allOptionRows().filter((row) => row.broker !== undefined && row.broker !== broker).map((row) => row.name));
  return Object.fromEntries(Object.entries(options).filter(([name]) => !foreign.has(name)));
}

/** Checks a run's whole workload before the first run starts (a typo must not cost the runs before it). */
export function checkRun(broker: string, scenario: string, options: GivenOptions): void {
  planBenchmark({ broker, scenario, options: optionsFor(broker, options) });
}

/** One run through `bench run`'s own path: result file written, nothing printed on stdout. */
export function runOne(broker: string, scenario: string, options: GivenOptions, out: string, progress: boolean): Promise<RunOutcome> {
  return runCommand({ broker, scenario, options: optionsFor(broker, options), out, json: false, progress, print: false });
}

export const interrupted = (outcome: RunOutcome): boolean => outcome.result.status === 'aborted' && outcome.result.error === 'interrupted';

/** `2026-11-25T14-37-47Z` */
export function stampOf(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** The tying file: `<out>/<folder>/<name>.json`, kept out of <out> itself so `bench report <out>` reads only results. */
export async function writeDocument(out: string, folder: string, name: string, document: object, problem: string | undefined): Promise<string> {
  if (problem) throw new Error(`refusing to write an invalid ${folder} file: ${problem}`);
  const path = join(out, folder, `${name}.json`);
  await writeFileAtomic(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

/** Writes <base>.md and <base>.html as a set. */
export async function writeReport(base: string, markdown: string, html: string): Promise<string[]> {
  const paths = [`${base}.md`, `${base}.html`];
  await writeFilesAtomic([
    { path: paths[0] as string, content: markdown },
    { path: paths[1] as string, content: html },
  ]);
  return paths;
}

export { newRunId };
