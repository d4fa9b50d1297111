/**
 * reports/calibration.md's generated part: per `bench calibrate` of the sitting, its provenance, the
 * table bench calibrate prints (both framings where the tool has them: both tools at once, and each
 * alone), each side's settings as the report recorded them, and a sentence per framing quoting its ratio.
 */
import { renderMarkdownTable } from '../../src/calibrate/render.js';
import type { CalibrationReport } from '../../src/calibrate/run.js';
import type { CalibrationRow } from '../../src/drivers/native-tool/types.js';
import { provenanceLine } from './provenance.js';
import type { TableRuns } from './cells.js';
import type { Sitting } from './sitting.js';

/** The documented runs' closed-loop window (README, notes.md): mqbench's default. */
const documentedInflight = 1000;

const flagsOf = (options: Record<string, string | number | boolean>): string =>
  Object.entries(options)
    .map(([k, v]) => `--${k} ${String(v)}`)
    .join(' ');

function settingsLines(report: CalibrationReport): string[] {
  return report.cases.map((c) => `- ${c.title}: mqbench \`${flagsOf(c.mqbench)}\`; native \`${c.native.map((n) => n.replace(/mqbench-calibrate-[\w-]+/g, '<name>')).join(' ; ')}\`${c.note ? `. ${c.note}` : ''}`);
}

function ratioOf(row: CalibrationRow | undefined): string {
  if (!row || row.ratio === null) return 'n/a';
  return `${row.ratio.toFixed(2)}x (medians of ${row.rounds} round${row.rounds === 1 ? '' : 's'})`;
}

/** Both framings in words, quoting the table's own ratios; and the window, said when it is not the documented runs'. */
function framingLines(report: CalibrationReport): string[] {
  const byMetric = (id: string) => report.rows.filter((r) => r.metric === id);
  const lines: string[] = [];
  for (const atOnce of byMetric('consumed-at-once')) {
    const alone = byMetric('produced').find((r) => r.case === atOnce.case);
    lines.push(`- ${atOnce.title}: both tools at once (as mqbench runs: producing and consuming together), consumed ${ratioOf(atOnce)}; the producer alone, produced ${ratioOf(alone)}.`);
  }
  for (const c of report.cases) {
    const inflight = Number(c.mqbench.inflight);
    if (c.mqbench.rate === 'max' && Number.isFinite(inflight) && inflight !== documentedInflight && inflight > 1) {
      lines.push(`- ${c.title}: mqbench keeps ${inflight.toLocaleString('en-US')} in flight here, as much as the native producer holds unacknowledged; the documented runs keep ${documentedInflight.toLocaleString('en-US')}: the table after this section is mqbench on the same settings at ${documentedInflight.toLocaleString('en-US')}.`);
    }
  }
  return lines;
}

function reportSection(title: string, command: string, report: CalibrationReport, sitting: Sitting | undefined): string {
  const provenance = provenanceLine(
    { environments: [report.environment], startedAt: [report.startedAt], finishedAt: [report.finishedAt], versions: [`${report.broker} ${report.brokerVersion} via ${report.client.name} ${report.client.version}; native: ${report.nativeTool}`] },
    sitting,
  );
  return [`### ${title}`, '', provenance, '', `\`${command}\``, '', renderMarkdownTable(report), '', 'Each side\'s settings:', '', ...settingsLines(report), '', ...framingLines(report)].join('\n');
}

/** A cell's flag value, or its default when the cell does not give it. */
function flagValue(args: readonly string[], flag: string, fallback: string): string {
  const at = args.indexOf(flag);
  return at < 0 ? fallback : (args[at + 1] ?? fallback);
}

export function calibrationSection(t: TableRuns, reports: readonly CalibrationReport[], sitting: Sitting | undefined): string {
  const parts: string[] = [];
  for (const { cell } of t.cells) {
    const size = (r: CalibrationReport): string => (r.workload.size % 1024 === 0 ? `${r.workload.size / 1024}KiB` : String(r.workload.size));
    const report = reports.find((r) => r.broker === cell.broker && String(r.workload.partitions) === flagValue(cell.args, '--partitions', '1') && size(r) === flagValue(cell.args, '--size', '100'));
    if (!report) {
      const failed = sitting?.runs.filter((r) => r.cell === cell.id && r.exitCode !== 0) ?? [];
      if (failed.length > 0) parts.push(`### ${cell.label}\n\n*Not measured: \`npx bench calibrate ${cell.args.join(' ')}\` exited ${failed.map((r) => r.exitCode).join(', ')} in this sitting and left no report (its commands and exit codes: sitting.json).*`);
      continue;
    }
    parts.push(reportSection(cell.label, `npx bench calibrate ${cell.args.join(' ')} --rounds ${report.workload.rounds}`, report, sitting));
  }
  if (parts.length === 0) return `*${t.spec.title}: not measured in this sitting.*`;
  return parts.join('\n\n');
}
