/**
 * reports/notes.md question 3 on 3-node clusters: the tables scripts/notes-q3.sh wrote (results and
 * summary under results/baselines/q3-populations), with what they show (notes-q3-text.ts). Run alone
 * (`npm run notes:q3`), it rewrites that section of reports/notes.md in place from the existing results,
 * measuring nothing; `npm run notes` includes it when it writes the whole file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { repoRoot } from '../src/util/paths.js';
import { clusterIntro, clusterReading, partitionGroups, partitionIntro, partitionReading } from './notes-q3-text.js';

export const q3Folder = join('results', 'baselines', 'q3-populations');
export const q3PartitionsFolder = join('results', 'baselines', 'q3-partitions');

/** A summary.md without its own heading. */
const tablesOf = (summary: string): string => summary.replace(/^# .*\n\n/, '').trim();

/** The partition sitting (scripts/notes-q3-partitions.sh): one block of tables per cluster setting. */
async function partitionSection(): Promise<string> {
  const blocks: string[] = [];
  for (const group of partitionGroups) {
    const summary = await readFile(join(repoRoot, q3PartitionsFolder, group.folder, 'summary.md'), 'utf8').catch(() => undefined);
    if (summary) blocks.push(`#### ${group.title}\n\n${tablesOf(summary)}`);
  }
  if (blocks.length === 0) return `No partition runs found in ${q3PartitionsFolder}: run \`scripts/notes-q3-partitions.sh\` (about 25 minutes, as root).`;
  return `${partitionIntro}\n\n${blocks.join('\n\n')}\n\n${partitionReading}`;
}

export async function clusterSection(): Promise<string> {
  const summary = await readFile(join(repoRoot, q3Folder, 'summary.md'), 'utf8').catch(() => undefined);
  const kills = summary ? `${clusterIntro}\n\n${tablesOf(summary)}\n\n${clusterReading}` : `No failover runs found in ${q3Folder}: run \`scripts/notes-q3.sh\` (about 35 minutes with the settings below).`;
  return `${kills}\n\n${await partitionSection()}`;
}

/** Replaces the section from its heading to the next "## " heading. */
async function rewriteNotes(): Promise<void> {
  const path = join(repoRoot, 'reports', 'notes.md');
  const notes = await readFile(path, 'utf8');
  const start = notes.indexOf('### On 3-node clusters');
  const end = notes.indexOf('\n## ', start);
  if (start < 0 || end < 0) throw new Error('reports/notes.md has no "### On 3-node clusters" section followed by a "## " heading');
  await writeFileAtomic(path, `${notes.slice(0, start)}${await clusterSection()}\n${notes.slice(end)}`);
  process.stderr.write(`rewrote question 3's cluster section of ${path}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await rewriteNotes();
