import type { RunResult } from '../results/types.js';
import { brokerComparisonChart, latencyPercentileChart, throughputTimelineChart } from './charts.js';
import { groupResults } from './groups.js';
import { accountingTable, brokerTable, comparisonTable, environmentTable, escapeHtml, htmlTable, markdownTable } from './tables.js';

/** `bench report` as Markdown: RunResult[] -> string. Histograms must be initialised. */
export function renderMarkdownReport(results: readonly RunResult[], title: string): string {
  const groups = groupResults(results);
  return [
    `# ${title}`,
    '',
    `${results.length} run(s); repeats of one workload on one broker are merged (histograms added, median throughput).`,
    'Latency is end to end, corrected for coordinated omission in open-loop runs; closed-loop latency is labelled.',
    '',
    '## Brokers side by side',
    '',
    markdownTable(comparisonTable(groups)),
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

const style = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
.note { color: #555; }
`;

/** `bench report` as one self-contained HTML page: inline SVG charts and CSS, no script, works offline. */
export function renderHtmlReport(results: readonly RunResult[], title: string): string {
  const groups = groupResults(results);
  const figure = (id: string, svg: string) => `<figure id="${id}" class="chart">${svg}</figure>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${results.length} run(s). Repeats of one workload on one broker are merged (histograms added, median throughput).
Latency is end to end, corrected for coordinated omission in open-loop runs; closed-loop latency is labelled.</p>
<h2>Latency by percentile</h2>
${figure('latency-percentiles', latencyPercentileChart(groups))}
<h2>Brokers side by side</h2>
${figure('broker-comparison', brokerComparisonChart(groups))}
${htmlTable(comparisonTable(groups), 'comparison')}
<h2>Throughput over time</h2>
${figure('throughput-timeline', throughputTimelineChart(results))}
<h2>Accounting</h2>
${htmlTable(accountingTable(results), 'accounting')}
<h2>Brokers and clients</h2>
${htmlTable(brokerTable(results), 'brokers')}
<h2>Environment</h2>
${htmlTable(environmentTable(results), 'environment')}
</body>
</html>
`;
}
