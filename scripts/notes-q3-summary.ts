/**
 * The tables behind reports/notes.md question 3: per case folder under the given directory (written by
 * scripts/notes-q3.sh), medians and spreads (min..max) of the failover block over the repeats, one
 * row per case and one per client population; headed by where and when the results were measured.
 * Results from more than one machine are refused: one table never mixes machines.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readResults } from '../src/results/store.js';
import type { PopulationOutcome, RunResult } from '../src/results/types.js';
import { afterWindow, gapOf, type GapReading } from './publish/failover-section.js';

const root = process.argv[2] ?? 'results/baselines/q3-populations';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** "median (min..max)" of a figure over the runs that have it; a null ("never") and a stretch after the window are counted apart. */
function spread<T>(items: T[], pick: (item: T) => GapReading, scale: number, digits: number): string {
  const raw = items.map(pick);
  const values = raw.filter((v): v is number => typeof v === 'number').map((v) => v / scale);
  const never = raw.filter((v) => v === null).length;
  const after = raw.filter((v) => v === afterWindow).length;
  const notes = [...(never > 0 ? [`never back in ${never}`] : []), ...(after > 0 ? [`after the window only in ${after}`] : [])];
  if (values.length === 0) return never > 0 && after === 0 ? `never (${never})` : notes.length > 0 ? notes.join(', ') : '-';
  const text = `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)})`;
  return [text, ...notes].join(', ');
}

async function casesIn(dir: string): Promise<{ name: string; results: RunResult[] }[]> {
  const cases: { name: string; results: RunResult[] }[] = [];
  for (const name of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const files = (await readdir(join(dir, name))).filter((f) => f.endsWith('.json')).map((f) => join(dir, name, f));
    const results = (await readResults(files)).filter((r) => r.failover);
    if (results.length > 0) cases.push({ name, results });
  }
  return cases;
}

/** Machine, commits, dates, versions: the provenance line; throws when the results come from more than one machine. */
function provenance(all: RunResult[]): string {
  const machines = [...new Set(all.map((r) => `${r.environment.cpuModel}, ${r.environment.cores} cores`))];
  if (machines.length > 1) throw new Error(`results from more than one machine: ${machines.join(' and ')}`);
  const commits = [...new Set(all.map((r) => r.environment.gitCommit))].join(', ');
  const dates = all.map((r) => r.startedAt).sort();
  const brokers = [...new Set(all.map((r) => `${r.broker.name} ${r.broker.version} (${r.broker.client.name} ${r.broker.client.version})`))].sort().join(', ');
  return `Machine: ${machines[0] ?? '?'}, ${all[0]?.environment.os ?? '?'}, Node ${all[0]?.environment.node ?? '?'}. Commit: ${commits}. Runs from ${dates[0] ?? '?'} to ${dates[dates.length - 1] ?? '?'}. ${brokers}.`;
}

function caseRow(name: string, results: RunResult[]): string {
  const statuses = results.map((r) => r.status).reduce<Record<string, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {});
  const f = (r: RunResult) => r.failover;
  return (
    `| ${name} | ${results.length} | ${Object.entries(statuses).map(([s, n]) => `${s} ${n}`).join(', ')} | ` +
    `${spread(results, (r) => gapOf(f(r)?.publish, r.throughput.sendWindowUs), 1e6, 2)} | ${spread(results, (r) => gapOf(f(r)?.consume, r.throughput.receiveWindowUs), 1e6, 2)} | ` +
    `${spread(results, (r) => gapOf(f(r)?.restoreGaps?.publish, r.throughput.sendWindowUs), 1e6, 2)} | ${spread(results, (r) => f(r)?.recoveryUs, 1e6, 2)} | ` +
    `${spread(results, (r) => f(r)?.ackedThenLost, 1, 0)} | ${spread(results, (r) => f(r)?.neverAckedLost, 1, 0)} | ${spread(results, (r) => f(r)?.duplicated, 1, 0)} | ` +
    `${spread(results, (r) => (f(r)?.latency.during.count ? f(r)?.latency.during.p99Us : undefined), 1e3, 0)} |`
  );
}

function populationRows(name: string, results: RunResult[]): string[] {
  const names = [...new Set(results.flatMap((r) => r.failover?.populations?.map((p) => p.population) ?? []))];
  return names.map((population) => {
    const seen = results.flatMap((r) => (r.failover?.populations ?? []).filter((p) => p.population === population).map((p) => ({ r, p })));
    const pick = (get: (x: { r: RunResult; p: PopulationOutcome }) => GapReading, scale: number, digits: number): string => spread(seen, get, scale, digits);
    return (
      `| ${name} | ${population} | ${seen.length} | ${pick(({ r, p }) => gapOf(p.publish, r.throughput.sendWindowUs), 1e6, 2)} | ${pick(({ r, p }) => gapOf(p.consume, r.throughput.receiveWindowUs), 1e6, 2)} | ` +
      `${pick(({ r, p }) => gapOf(p.restoreGaps?.publish, r.throughput.sendWindowUs), 1e6, 2)} | ${pick(({ p }) => (p.latency.during.count ? p.latency.during.p99Us : undefined), 1e3, 0)} | ` +
      `${pick(({ p }) => p.ackedThenLost, 1, 0)} | ${pick(({ p }) => p.duplicated, 1, 0)} |`
    );
  });
}

/** A partition case's divergence: in how many runs both sides took writes, and what each side lost. */
function divergenceRow(name: string, results: RunResult[]): string[] {
  const seen = results.flatMap((r) => (r.failover?.divergence ? [r.failover.divergence] : []));
  if (seen.length === 0) return [];
  const both = seen.filter((d) => d.bothSidesAccepted).length;
  return [
    `| ${name} | ${seen.length} | ${both} | ${spread(seen, (d) => d.cutSide.ackedDuringPartition, 1, 0)} | ${spread(seen, (d) => d.cutSide.ackedThenLost, 1, 0)} | ` +
      `${spread(seen, (d) => d.majoritySide.ackedDuringPartition, 1, 0)} | ${spread(seen, (d) => d.majoritySide.ackedThenLost, 1, 0)} |`,
  ];
}

/** A titled table with a row per case that has any; nothing at all when none has. */
function optionalTable(title: string, columns: string[], rows: string[]): string[] {
  if (rows.length === 0) return [];
  return [title, '', `| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows, ''];
}

type Case = { name: string; results: RunResult[] };

const divergenceTable = (cases: Case[]): string[] =>
  optionalTable(
    'Divergence (partitions: the cut side is the failed-node population, the majority the survivors and late joiners):',
    ['case', 'runs', 'both sides accepted writes', 'cut side acked while apart', 'cut side acked then lost', 'majority acked while apart', 'majority acked then lost'],
    cases.flatMap((c) => divergenceRow(c.name, c.results)),
  );

const populationTable = (cases: Case[]): string[] =>
  optionalTable(
    "Per client population (RabbitMQ runs: `--clients spread --late-joiners 4`; Kafka's clients follow the partition leader and are not placed):",
    ['case', 'population', 'runs', 'publish gap s', 'consume gap s', 'publish gap once restored s', 'p99 during ms', 'acked then lost', 'duplicates'],
    cases.flatMap((c) => populationRows(c.name, c.results)),
  );

const cases = await casesIn(root);
process.stdout.write(
  [
    `# Failover runs (${root}): median (min..max) over the repeats`,
    '',
    provenance(cases.flatMap((c) => c.results)),
    '',
    '| case | runs | status | publish unavailable s | consume unavailable s | publish gap once restored s | back to 90% s | acked then lost | never acked, lost | duplicates | p99 during ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...cases.map((c) => caseRow(c.name, c.results)),
    '',
    ...populationTable(cases),
    ...divergenceTable(cases),
  ].join('\n'),
);
