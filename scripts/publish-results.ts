/**
 * `npm run publish-results`: every measurement behind README.md, reports/notes.md and
 * reports/calibration.md in one sitting on this machine (interleaved, at least 3 runs per cell) into a
 * fresh results/baselines/published/<date>-<commit>/, then those documents' generated sections written
 * from that folder. `--from-results <folder>` only writes the documents; `--resume <folder>` continues a
 * sitting that stopped part way (same machine, same commit) and then writes them; `--quick` tries it in minutes;
 * `--dry-run` prints the plan and how long it would take. A folder that mixes machines or commits is
 * refused (one line, exit 2) before a document is touched.
 */
import { join, relative } from 'node:path';
import { MqbenchError, UsageError } from '../src/errors.js';
import { describeEnvironment } from '../src/results/environment.js';
import { repoRoot } from '../src/util/paths.js';
import { plural } from '../src/util/plural.js';
import { parseArgs, type PublishArgs } from './publish/args.js';
import { cellsOf, estimateSeconds, type Cell, type DocumentName } from './publish/cells.js';
import { writeDocument } from './publish/documents.js';
import { loadFolder, refuseMixed, setAsideName } from './publish/load.js';
import { renderTable, tablesOf } from './publish/sections.js';
import { setAsideUnrecorded, sittingToResume } from './publish/resume.js';
import { newSitting, runSitting, runsToDo, sittingFolder } from './publish/sitting.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function plannedCells(args: PublishArgs): Cell[] {
  const cells = cellsOf(args.profile).filter((c) => (!args.only || args.only.includes(c.table)) && (!args.brokers || args.brokers.includes(c.broker)));
  if (cells.length === 0) throw new UsageError('no cell left to measure: --only and --brokers exclude every one');
  return cells;
}

function describePlan(cells: readonly Cell[], repeats: number): string {
  const minutes = Math.ceil(estimateSeconds(cells, repeats) / 60);
  const runs = cells.filter((c) => c.command === 'run').length;
  return `${cells.length} cells (${runs} bench run x ${repeats} repeats, ${cells.length - runs} bench calibrate x ${repeats} rounds): about ${minutes} minutes`;
}

/** Writes every document's generated sections from one folder; returns what it wrote, a line per document. */
async function writeDocuments(folder: string, documents: readonly DocumentName[], writeTo: string, acceptUncommitted: boolean): Promise<string[]> {
  const loaded = await loadFolder(folder);
  refuseMixed(loaded, acceptUncommitted);
  // without the manifest nothing says which table a result belongs to
  if (!loaded.sitting) throw new UsageError(`${folder}: no sitting.json: not a folder publish-results measured into, so its results have no place in the documents' tables`);
  const cells = loaded.sitting.cells;
  const rendered = tablesOf(loaded, cells).map((t) => ({ spec: t.spec, text: renderTable(t, loaded) }));
  const lines: string[] = [];
  for (const document of documents) {
    const sections = new Map(rendered.filter((r) => r.spec.document === document).map((r) => [r.spec.id, r.text]));
    const { written, unmarked } = await writeDocument(document, sections, repoRoot, writeTo);
    lines.push(`${document}: ${written.length} section(s) written (${written.join(', ') || 'none'})${unmarked.length > 0 ? `; no markers for ${unmarked.join(', ')}` : ''}`);
  }
  return lines;
}

/** Continues the sitting in `folder` where it stopped (resume.ts); its interrupted run's files are set aside first. */
async function resumeSitting(folder: string): Promise<void> {
  const sitting = await sittingToResume(folder, describeEnvironment());
  const setAside = await setAsideUnrecorded(folder, sitting);
  if (setAside.length > 0) log(`publish-results: set aside what the interrupted run left (kept in ${join(relative(repoRoot, folder), setAsideName)}): ${setAside.join(', ')}`);
  const left = runsToDo(sitting.cells, sitting.repeats, sitting.runs).length;
  log(`publish-results: resuming ${relative(repoRoot, folder)}: ${plural(sitting.runs.length, 'run')} done, ${left} to go`);
  sitting.resumedAt = [...(sitting.resumedAt ?? []), new Date().toISOString()];
  await runSitting(sitting, folder, log);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const writeTo = args.writeTo ?? repoRoot;
  let folder = args.fromResults ?? args.resume;
  if (args.resume) await resumeSitting(args.resume);
  if (!folder) {
    const cells = plannedCells(args);
    log(`publish-results (${args.profile} profile): ${describePlan(cells, args.repeats)}`);
    if (args.dryRun) {
      for (const c of cells) process.stdout.write(`${c.id}: npx bench ${c.command} ${c.args.join(' ')}\n`);
      return;
    }
    folder = sittingFolder();
    const invocation = `npm run publish-results --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`.replace(/ --$/, '');
    await runSitting(newSitting(cells, { profile: args.profile, repeats: args.repeats, invocation }), folder, log);
    log(`publish-results: results in ${relative(repoRoot, folder)}`);
  }
  for (const line of await writeDocuments(folder, args.documents, writeTo, args.acceptUncommitted)) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`publish-results: ${message.split('\n')[0]}\n`);
  process.exit(error instanceof UsageError ? 2 : error instanceof MqbenchError ? error.exitCode : 4);
});
