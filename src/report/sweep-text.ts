/** What `bench sweep` and `bench find-rate` print on the terminal (pure). */
import Table from 'cli-table3';
import type { RateSearchDocument, SweepDocument } from '../results/sweep.js';
import { searchStepsTable, searchVerdict, sweepOverviewTable } from './sweep-tables.js';
import type { TableData } from './tables.js';
import { plural } from '../util/plural.js';

function terminalTable(data: TableData): string {
  const table = new Table({ head: data.head, style: { head: [], border: [] } });
  for (const row of data.rows) table.push(row);
  return table.toString();
}

export function renderSweepText(document: SweepDocument, sweepFile: string, reportFiles: readonly string[]): string {
  return [
    `mqbench sweep ${document.id}: ${document.scenario}, ${document.vary.option} = ${document.vary.values.join(', ')} on ${document.brokers.join(', ')}, ${plural(document.repeats, 'repeat')}${document.complete ? '' : ' (INTERRUPTED)'}`,
    'medians across repeats (min..max when more than one)',
    terminalTable(sweepOverviewTable(document)),
    `sweep: ${sweepFile}`,
    `report: ${reportFiles.join(', ')}`,
    '',
  ].join('\n');
}

export function renderSearchText(document: RateSearchDocument, searchFile: string, reportFiles: readonly string[]): string {
  const steps = searchStepsTable(document);
  // the result file column is long: the search file names them
  const compact = { head: steps.head.slice(0, -1), rows: steps.rows.map((r) => r.slice(0, -1)) };
  return [`mqbench find-rate ${document.id}: ${document.broker} / ${document.scenario}, ${document.slo}`, terminalTable(compact), searchVerdict(document), `search: ${searchFile}`, `report: ${reportFiles.join(', ')}`, ''].join('\n');
}
