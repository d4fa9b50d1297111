/**
 * README.md's sample output: a committed result of the main job rendered by the summary bench run
 * prints, with the line above it saying where and when it ran. Of a sitting's runs of the cell, the one
 * with the median received rate is shown. test/unit/readme.test.ts renders the file README names and
 * checks that README shows exactly that.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { renderSummary } from '../../src/report/summary.js';
import { baseCommit, hasUncommittedChanges } from '../../src/results/environment.js';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { repoRoot } from '../../src/util/paths.js';
import type { ResultsFolder } from './load.js';
import { machineOf } from './load.js';
import type { TableRuns } from './cells.js';
import type { Sitting } from './sitting.js';

export const sampleCommand = 'npx bench run --broker rabbit --scenario noack';

/** The sample's text between its markers; `file` is relative to the repository. */
export function renderSample(result: RunResult, file: string, runs: number, sitting: Sitting | undefined): string {
  const e = result.environment;
  const commit = `${baseCommit(e.gitCommit).slice(0, 7)}${hasUncommittedChanges(e.gitCommit) ? ' with uncommitted changes' : ''}`;
  const quick = sitting?.profile === 'quick' ? ' **QUICK profile: not for publishing.**' : '';
  const which = runs > 1 ? `the run with the median received rate of ${runs}` : 'a single run';
  const intro =
    `A real run of the main job (${which} made by \`${sitting?.invocation ?? 'bench run'}\`, ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC) ` +
    `on ${machineOf(e)}, Node ${e.node.replace(/^v/, '')}, ${result.broker.name} ${result.broker.version} on the same host, mqbench at ${commit}:${quick}`;
  return [intro, '', '```', `$ ${sampleCommand}`, renderSummary(result).trimEnd(), `result: ${file}`, '```'].join('\n');
}

/** The sample from a committed result file alone (what the README test does): its sitting and sibling runs found beside it. */
export async function sampleFromFile(file: string): Promise<string> {
  const absolute = join(repoRoot, file);
  const siblings = readdirSync(dirname(absolute)).filter((f) => f.endsWith('.json')).length;
  const manifest = join(dirname(absolute), '..', '..', 'sitting.json');
  const sitting = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as Sitting) : undefined;
  return renderSample(await readResult(absolute), file, siblings, sitting);
}

/** The median run of the sample cell by received rate (the lower middle one of an even count). */
export function sampleSection(t: TableRuns, folder: ResultsFolder): string {
  const entry = t.cells[0];
  if (!entry || entry.runs.length === 0) return '*The sample: not measured in this sitting.*';
  const order = entry.runs.map((r, i) => ({ r, file: entry.files[i] as string })).sort((a, b) => a.r.throughput.receivedPerSec - b.r.throughput.receivedPerSec);
  const chosen = order[Math.floor((order.length - 1) / 2)] as { r: RunResult; file: string };
  return renderSample(chosen.r, relative(repoRoot, chosen.file), entry.runs.length, folder.sitting);
}
