/**
 * Question 2 of reports/notes.md ("do Kafka's partitions make it more efficient?") from the sweeps that
 * scripts/notes-q2.sh wrote under results/baselines/q2/: one table per sweep, a row per broker and value,
 * medians over the repeats with their range. `npm run notes:q2` rewrites that section of notes.md in
 * place; scripts/notes.ts uses the same section when it regenerates the whole file.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatCount, formatLatencyUs, formatMb } from '../src/util/format.js';
import { spreadOf } from '../src/report/stats.js';
import type { SweepDocument, SweepPoint } from '../src/results/sweep.js';
import type { RunResult } from '../src/results/types.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { repoRoot } from '../src/util/paths.js';
import { q2Intro, q2Reading } from './notes-q2-text.js';

const baseDir = join(repoRoot, 'results', 'baselines', 'q2');

/** The sweeps of notes-q2.sh, in the order the section shows them. */
const sweeps: { name: string; title: string }[] = [
  { name: 'partitions-max', title: 'Partitions, as fast as each goes (closed loop, 1,000 in flight)' },
  { name: 'partitions-rate', title: 'Partitions at a fixed 5,000 msg/s (open loop, latency corrected for coordinated omission)' },
  { name: 'sizes', title: 'Message size, 4 partitions, as fast as each goes' },
];

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

async function sweepDocuments(name: string): Promise<SweepDocument[]> {
  const dir = join(baseDir, name, 'sweeps');
  if (!existsSync(dir)) return [];
  // newest first: a sweep re-run for some brokers (notes-q2.sh GROUP=...) replaces the older points
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort().reverse();
  return Promise.all(files.map((f) => readJson<SweepDocument>(join(dir, f))));
}

/** The median alone, for figures that follow from another column or barely vary. */
function medianCell(values: readonly number[], format: (v: number) => string): string {
  return values.length === 0 ? '-' : format(spreadOf(values).median);
}

/** "median (min-max)" of the runs' values, or "-" when none has it. */
function cell(values: readonly number[], format: (v: number) => string): string {
  if (values.length === 0) return '-';
  const { median, min, max } = spreadOf(values);
  return values.length === 1 || min === max ? format(median) : `${format(median)} (${format(min)}-${format(max)})`;
}

const us = (v: number): string => `${v < 10 ? v.toFixed(1) : formatCount(v)} us`;
const bytes = (v: number): string => (v >= 1024 * 1024 ? `${(v / 2 ** 20).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${Math.round(v)} B`);
const mib = (v: number): string => `${Math.round(v / 2 ** 20)} MiB`;

/** A sweep's run files are named relative to the sweep's --out folder. */
async function runsOf(point: SweepPoint, dir: string): Promise<RunResult[]> {
  const results = await Promise.all(point.runs.map((r) => readJson<RunResult>(join(dir, r.file)).catch(() => undefined)));
  return results.filter((r): r is RunResult => r !== undefined && (r.status === 'completed' || r.status === 'completed-with-errors'));
}

async function row(point: SweepPoint, dir: string): Promise<string> {
  const runs = await runsOf(point, dir);
  const cost = runs.flatMap((r) => (r.brokerCost?.measured ? [r.brokerCost] : []));
  const pick = (f: (r: RunResult) => number | undefined): number[] => runs.flatMap((r) => (f(r) === undefined ? [] : [f(r) as number]));
  const broker = point.brokerCostNotMeasured && cost.length === 0 ? 'not measured' : cell(cost.map((c) => c.cpuPerMessageUs), us);
  return [
    point.broker,
    point.value,
    `${runs.length}/${point.runs.length}`,
    cell(pick((r) => r.throughput.receivedPerSec), formatCount),
    medianCell(pick((r) => r.throughput.mbPerSec), formatMb),
    cell(pick((r) => r.latencyUs.endToEnd.p50), formatLatencyUs),
    cell(pick((r) => r.latencyUs.endToEnd.p99), formatLatencyUs),
    cell(pick((r) => r.client?.cpuPerMessageUs), us),
    broker,
    medianCell(cost.flatMap((c) => (c.diskWriteBytesPerMessage === undefined ? [] : [c.diskWriteBytesPerMessage])), bytes),
    medianCell(cost.map((c) => c.peakRssBytes), mib),
    cell(pick((r) => r.counts.lost), formatCount),
  ].join(' | ');
}

const head = (option: string): string =>
  `| broker | ${option} | runs | received msg/s | MB/s | p50 | p99 | client CPU/msg | broker CPU/msg | broker disk written/msg | broker peak RSS | lost |\n|---|---|---|---|---|---|---|---|---|---|---|---|`;

/** One sweep's table: rows by value in the sweep's order, then by broker; each point from the newest sweep that has it. */
async function table(name: string): Promise<string | undefined> {
  const docs = await sweepDocuments(name);
  const first = docs[0];
  if (!first) return undefined;
  const values = first.vary.values;
  const brokers = [...new Set(docs.flatMap((d) => d.brokers))];
  const rows: string[] = [];
  const used = new Set<SweepDocument>();
  for (const value of values) {
    for (const broker of brokers) {
      const doc = docs.find((d) => d.points.some((p) => p.broker === broker && p.value === value));
      const point = doc?.points.find((p) => p.broker === broker && p.value === value);
      if (!doc || !point) continue;
      used.add(doc);
      rows.push(`| ${await row(point, join(baseDir, name))} |`);
    }
  }
  const commands = [...used].map((d) => `\`bench sweep --broker ${d.brokers.join(',')} --scenario ${d.scenario} --vary ${d.vary.option}=${d.vary.values.join(',')} --repeat ${d.repeats}\` (${d.createdAt.slice(0, 16).replace('T', ' ')} UTC)`);
  const older = docs.length - used.size;
  return `${head(first.vary.option)}\n${rows.join('\n')}\n\n(from ${commands.join(' and ')}; raw results in \`results/baselines/q2/${name}/\`${older > 0 ? `, with ${older} older sweep file${older === 1 ? '' : 's'} these replace` : ''})`;
}

/** The whole of question 2 as it stands in notes.md, header included. */
export async function q2Section(): Promise<string> {
  const parts = [`## 2. Do Kafka's partitions make it more efficient?`, q2Intro];
  let found = 0;
  for (const sweep of sweeps) {
    const t = await table(sweep.name);
    if (!t) continue;
    found++;
    parts.push(`### ${sweep.title}`, t);
  }
  if (found === 0) return `${parts[0]}\n\nNo sweeps found in results/baselines/q2: run \`scripts/notes-q2.sh\` (see its header).`;
  parts.push(q2Reading);
  return parts.join('\n\n');
}

/** Replaces question 2 in reports/notes.md (from its header to the next question's). */
async function main(): Promise<void> {
  const file = join(repoRoot, 'reports', 'notes.md');
  const notes = await readFile(file, 'utf8');
  const start = notes.indexOf('## 2. ');
  const end = notes.indexOf('## 3. ');
  if (start < 0 || end < start) throw new Error('reports/notes.md has no "## 2." and "## 3." sections to replace between');
  await writeFileAtomic(file, `${notes.slice(0, start)}${await q2Section()}\n\n${notes.slice(end)}`);
  process.stderr.write('reports/notes.md: question 2 rewritten from results/baselines/q2\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
