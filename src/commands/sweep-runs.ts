/** What `bench sweep` and `bench find-rate` share: their runs' plans, one run through `bench run`'s path, the files. */
import { join } from 'node:path';
import { planRuns, type GivenOptions, type RunPlan, type Target } from '../plan/index.js';
import { newRunId } from '../run/benchmark.js';
import { writeFileAtomic, writeFilesAtomic } from '../util/atomic-write.js';
import type { Quit } from './interrupts.js';
import { runCommand, type RunOutcome } from './run.js';

export { targetOf, type GivenOptions, type Target } from '../plan/index.js';

/** The plans of one point (the target with some options set), one per broker, checked before anything connects. */
export function planPoint(target: Target, set: GivenOptions): RunPlan[] {
  return planRuns({ ...target.options, ...set, broker: target.brokers.join(','), scenario: target.scenario });
}

/** One planned run through `bench run`'s own path: result file written, nothing printed on stdout. */
export function runPlanned(plan: RunPlan, out: string, progress: boolean, quit: Quit): Promise<RunOutcome> {
  return runCommand(plan, { out, json: false, progress, print: false, quit });
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
