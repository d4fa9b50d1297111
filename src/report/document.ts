import type { RunResult } from '../results/types.js';
import { defaultChartOptions, type ChartOptions } from './axis-scale.js';
import { groupStyles, hasThroughput, latencyPercentileChart, p99TimelineChart, throughputTimelineChart } from './charts.js';
import { brokerComparisonChart, fixedCountNote } from './comparison-chart.js';
import { groupResults, type RunGroup } from './groups.js';
import { htmlPage } from './page.js';
import { accountingTable, brokerTable, comparisonTable, environmentTable, escapeHtml, htmlTable, markdownTable, percentileTable, timelineTable } from './tables.js';
import { plural } from '../util/plural.js';

const intro = [
  'Repeats of one workload (same broker, client, options and host) are merged: histograms added, median throughput.',
  'Latency is end to end, corrected for coordinated omission in open-loop runs; closed-loop latency is labelled.',
];

/** `bench report` as Markdown: RunResult[] -> string, readable in a terminal and on GitHub. Histograms must be initialised. */
export function renderMarkdownReport(results: readonly RunResult[], title: string): string {
  const groups = groupResults(results);
  return [
    `# ${title}`,
    '',
    `${plural(results.length, 'run')}. ${intro.join(' ')}`,
    '',
    '## Side by side',
    '',
    markdownTable(comparisonTable(groups)),
    '',
    '## Latency by percentile',
    '',
    markdownTable(percentileTable(groups)),
    '',
    '## Over time (whole seconds of the measured window)',
    '',
    markdownTable(timelineTable(groups)),
    '',
    '## Accounting',
    '',
    markdownTable(accountingTable(results)),
    '',
    '## Brokers and clients',
    '',
    markdownTable(brokerTable(results)),
    '',
    '## Environment',
    '',
    markdownTable(environmentTable(results)),
    '',
  ].join('\n');
}

function section(heading: string, id: string, svg: string, table: string, note = ''): string {
  const sentence = note === '' ? '' : `\n<p class="note">${escapeHtml(note)}</p>`;
  return `<h2>${escapeHtml(heading)}</h2>\n<figure id="${id}" class="chart">${svg}</figure>${sentence}\n${table}`;
}

/** Throughput over time, or one sentence when every run sent a fixed count (no rate to draw). */
function throughputSection(groups: readonly RunGroup[], styles: ReturnType<typeof groupStyles>, colourOf: (g: RunGroup) => string | undefined, options: ChartOptions): string {
  const note = fixedCountNote(groups);
  if (!groups.some(hasThroughput)) return `<h2>Throughput over time</h2>\n<p class="note">${escapeHtml(note)}</p>`;
  return section('Throughput over time', 'throughput-timeline', throughputTimelineChart(groups, styles, options), htmlTable(timelineTable(groups, colourOf, 'throughput'), 'timeline'), note);
}

/**
 * `bench report` as one self-contained HTML page: inline SVG charts and CSS, no script, works offline;
 * a table under every chart. `options.logAxis`: every value axis logarithmic (else only where the
 * values span more than 100x).
 */
export function renderHtmlReport(results: readonly RunResult[], title: string, options: ChartOptions = defaultChartOptions): string {
  const groups = groupResults(results);
  const styles = groupStyles(groups);
  const colourOf = (g: RunGroup) => styles.get(g)?.colour;
  return htmlPage(
    title,
    `<p class="note">${plural(results.length, 'run')}. ${intro.map(escapeHtml).join('\n')}
One hue per broker, the same on every page mqbench draws; several workloads or clients of one broker are shades of it, and differ by line style too.</p>
${section('Latency by percentile', 'latency-percentiles', latencyPercentileChart(groups, styles, options), htmlTable(percentileTable(groups, colourOf), 'percentiles'))}
${section('Side by side', 'broker-comparison', brokerComparisonChart(groups, styles, options), htmlTable(comparisonTable(groups, colourOf), 'comparison'), fixedCountNote(groups))}
${throughputSection(groups, styles, colourOf, options)}
${section('p99 over time', 'p99-timeline', p99TimelineChart(groups, styles, options), htmlTable(timelineTable(groups, colourOf, 'p99'), 'timeline-p99'))}
<h2>Accounting</h2>
${htmlTable(accountingTable(results), 'accounting')}
<h2>Brokers and clients</h2>
${htmlTable(brokerTable(results), 'brokers')}
<h2>Environment</h2>
${htmlTable(environmentTable(results), 'environment')}`,
  );
}
