/**
 * The generated sections of README.md, reports/notes.md and reports/calibration.md, from one results
 * folder: a table per TableSpec with its provenance line, its cells' spread and the client's flags, and
 * the sentences that quote its figures. Pure: loaded results in, Markdown out.
 */
import type { RunResult } from '../../src/results/types.js';
import { formatCount, formatLatencyUs, formatMb } from '../../src/util/format.js';
import { tables, type Cell, type TableRuns } from './cells.js';
import type { ResultsFolder } from './load.js';
import { provenanceLine, type Provenance } from './provenance.js';
import { calibrationSection } from './calibration-section.js';
import { failoverSection } from './failover-section.js';
import { sampleSection } from './readme-sample.js';
import { clientCell, clientReading, evidence, markGrowth, pick, spreadCell, type ClientReading } from './spread.js';

/** A run's figures count when it went to the end; an aborted or errored run is counted in "runs" only. */
export const finished = (r: RunResult): boolean => r.status === 'completed' || r.status === 'completed-with-errors';

export function provenanceOf(runs: readonly RunResult[]): Provenance {
  return {
    environments: runs.map((r) => r.environment),
    startedAt: runs.map((r) => r.startedAt),
    finishedAt: runs.map((r) => r.finishedAt),
    versions: runs.map((r) => `${r.broker.name} ${r.broker.version} via ${r.broker.client.name} ${r.broker.client.version}`),
  };
}

const usCell = (v: number): string => `${v < 10 ? v.toFixed(1) : formatCount(v)} µs`;
const mibCell = (v: number): string => `${Math.round(v / 2 ** 20)} MiB`;
const bytesCell = (v: number): string => (v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${Math.round(v)} B`);

/** finished runs / attempts: the manifest's attempts when the folder has one (a run that crashed left no result). */
function runsCell(runs: readonly RunResult[], attempts = runs.length): string {
  return `${runs.filter(finished).length}/${Math.max(attempts, runs.length)}`;
}

/** The footnote under a table with flagged rows: which, and why, in words the reading can quote. */
function flagNote(rows: { label: string; reading: ClientReading }[]): string {
  const flagged = rows.filter((r) => r.reading.limits.length > 0);
  if (flagged.length === 0) return 'No row was client-limited (busiest client process below 75% of a core, client CPU per message not growing with the varied option).';
  return `⚑ client-limited: the load generator, not the broker, set these rows' numbers: ${flagged.map((r) => `${r.label} (${r.reading.limits.join('; ')})`).join('; ')}.`;
}

const rowsHead = '| configuration | runs | received msg/s | MB/s | p50 | p99 | lost | client: busiest CPU, loop delay p99 | command |\n|---|---|---|---|---|---|---|---|---|';

function rowsTable(t: TableRuns): string {
  const lines = [rowsHead];
  const readings: { label: string; reading: ClientReading }[] = [];
  for (const { cell, runs, attempts } of t.cells) {
    const done = runs.filter(finished);
    const reading = clientReading(done);
    readings.push({ label: cell.label, reading });
    const e = (get: (r: RunResult) => number) => pick(done, get);
    lines.push(
      `| ${cell.label} | ${runsCell(runs, attempts)} | ${spreadCell(e((r) => r.throughput.receivedPerSec), formatCount)} | ${spreadCell(e((r) => r.throughput.mbPerSec), formatMb)} | ` +
        `${spreadCell(e((r) => r.latencyUs.endToEnd.p50), formatLatencyUs)} | ${spreadCell(e((r) => r.latencyUs.endToEnd.p99), formatLatencyUs)} | ${spreadCell(e((r) => r.counts.lost), formatCount)} | ` +
        `${clientCell(reading)} | \`npx bench run ${cell.args.join(' ')}\` |`,
    );
  }
  return `${lines.join('\n')}\n\n${flagNote(readings)}`;
}

const seriesHead = (varied: string): string =>
  `| broker | ${varied} | runs | received msg/s | p50 | p99 | client CPU/msg | broker CPU/msg | broker disk written/msg | broker peak RSS | lost | client: busiest CPU, loop delay p99 |\n|---|---|---|---|---|---|---|---|---|---|---|---|`;

function brokerCost(done: readonly RunResult[], get: (c: Extract<RunResult['brokerCost'], { measured: true }>) => number | undefined, format: (v: number) => string): string {
  const values = done.flatMap((r) => (r.brokerCost?.measured ? [get(r.brokerCost)] : [])).filter((v): v is number => v !== undefined);
  return values.length === 0 ? 'not measured' : spreadCell(values, format);
}

/** A series per broker over the varied option: the rows, then one sentence per broker quoting the ends of its series. */
function seriesTable(t: TableRuns): string {
  const varied = t.spec.varied ?? 'value';
  const brokers = [...new Set(t.cells.map((c) => c.cell.broker))];
  const rows: string[] = [];
  const readings: { label: string; reading: ClientReading }[] = [];
  const sentences: string[] = [];
  for (const broker of brokers) {
    const series = t.cells.filter((c) => c.cell.broker === broker && c.runs.some(finished));
    const seriesReadings = series.map((c) => clientReading(c.runs.filter(finished)));
    markGrowth(seriesReadings, varied);
    series.forEach((c, i) => readings.push({ label: c.cell.label, reading: seriesReadings[i] as ClientReading }));
    sentences.push(seriesSentence(broker, varied, series, seriesReadings));
  }
  for (const { cell, runs, attempts } of t.cells) {
    const done = runs.filter(finished);
    const reading = readings.find((r) => r.label === cell.label)?.reading ?? clientReading(done);
    const e = (get: (r: RunResult) => number | undefined) => pick(done, get);
    rows.push(
      `| ${cell.broker} | ${cell.value ?? '-'} | ${runsCell(runs, attempts)} | ${spreadCell(e((r) => r.throughput.receivedPerSec), formatCount)} | ${spreadCell(e((r) => r.latencyUs.endToEnd.p50), formatLatencyUs)} | ` +
        `${spreadCell(e((r) => r.latencyUs.endToEnd.p99), formatLatencyUs)} | ${spreadCell(e((r) => r.client?.cpuPerMessageUs), usCell)} | ${brokerCost(done, (c) => c.cpuPerMessageUs, usCell)} | ` +
        `${brokerCost(done, (c) => c.diskWriteBytesPerMessage, bytesCell)} | ${brokerCost(done, (c) => c.peakRssBytes, mibCell)} | ${spreadCell(e((r) => r.counts.lost), formatCount)} | ${clientCell(reading)} |`,
    );
  }
  const commands = t.cells.map((c) => `\`npx bench run ${c.cell.args.join(' ')}\``);
  return `${seriesHead(varied)}\n${rows.join('\n')}\n\n${flagNote(readings)}\n\n${sentences.filter(Boolean).join('\n')}\n\nCommands, one per row: ${commands.join(', ')}.`;
}

function seriesSentence(broker: string, varied: string, series: TableRuns['cells'], readings: ClientReading[]): string {
  const first = series[0];
  const last = series.at(-1);
  if (!first || !last || first === last) return '';
  const rate = (c: (typeof series)[number]) => pick(c.runs.filter(finished), (r) => r.throughput.receivedPerSec);
  const [a, b] = [rate(first), rate(last)].map((v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)] ?? 0);
  const n = Math.min(rate(first).length, rate(last).length);
  const limited = readings.some((r) => r.limits.length > 0);
  return (
    `- ${broker}: from ${varied}=${first.cell.value ?? '?'} to ${last.cell.value ?? '?'}, received ${formatCount(a ?? 0)} -> ${formatCount(b ?? 0)} msg/s (${((b ?? 0) / (a || 1)).toFixed(2)}x; ${evidence(n)} each)` +
    `${limited ? '; client-limited rows (⚑): this says what the load generator could do, not what the broker could' : ''}.`
  );
}

/** One table's generated text: heading line, provenance, table, reading. */
export function renderTable(t: TableRuns, folder: ResultsFolder): string {
  const runs = t.cells.flatMap((c) => c.runs);
  const calibrations = folder.calibrations.filter((c) => t.cells.some((x) => x.cell.id === c.cell));
  if (t.spec.kind === 'calibration') return calibrationSection(t, calibrations.map((c) => c.value), folder.sitting);
  if (runs.length === 0) return `*${t.spec.title}: not measured in this sitting (${folder.sitting ? `${folder.sitting.profile} profile` : folder.folder}).*`;
  if (t.spec.kind === 'sample') return sampleSection(t, folder);
  const body = t.spec.kind === 'rows' ? rowsTable(t) : t.spec.kind === 'series' ? seriesTable(t) : failoverSection(t);
  return `${provenanceLine(provenanceOf(runs), folder.sitting)}\n\n${body}`;
}

/** The folder's runs grouped by table and cell, in the manifest's order (or the full profile's, without one). */
export function tablesOf(folder: ResultsFolder, cells: readonly Cell[]): TableRuns[] {
  return tables.map((spec) => ({
    spec,
    cells: cells
      .filter((c) => c.table === spec.id)
      .map((cell) => {
        const mine = folder.runs.filter((r) => r.cell === cell.id);
        const attempts = folder.sitting?.runs.filter((r) => r.cell === cell.id).length ?? mine.length;
        return { cell, runs: mine.map((r) => r.value), files: mine.map((r) => r.file), attempts };
      }),
  }));
}
