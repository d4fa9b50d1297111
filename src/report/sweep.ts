/**
 * Sweep and rate-search reports: Markdown and one offline HTML page (inline SVG from ECharts'
 * server-side renderer, no script), a table under every chart.
 */
import * as echarts from 'echarts';
import type { RateSearchDocument, SweepDocument } from '../results/sweep.js';
import { searchStepsTable, searchVerdict, sweepMetrics, sweepMetricTable, type SweepMetric } from './sweep-tables.js';
import { renderSvg } from './charts.js';
import { htmlPage } from './page.js';
import { escapeHtml, htmlTable, markdownTable } from './tables.js';

/**
 * One curve per broker (the median across repeats) against the varied value, and a vertical bar
 * from min to max at every point (the spread across repeats).
 */
export function sweepChart(document: SweepDocument, metric: SweepMetric): string {
  const values = document.vary.values;
  const series = document.brokers.flatMap((broker) => {
    const points = values.map((value) => document.points.find((p) => p.broker === broker && p.value === value)?.[metric.key] ?? null);
    return [
      {
        name: broker,
        type: 'line' as const,
        connectNulls: false,
        data: points.map((s) => (s ? s.median / metric.scale : null)),
      },
      {
        name: broker,
        type: 'custom' as const,
        renderItem: (_params: unknown, api: echarts.CustomSeriesRenderItemAPI) => {
          const low = api.coord([api.value(0), api.value(1)]);
          const high = api.coord([api.value(0), api.value(2)]);
          const style = { stroke: api.visual('color') as string, lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: 'line', shape: { x1: (low[0] as number) - 5, y1: low[1], x2: (low[0] as number) + 5, y2: low[1] }, style },
              { type: 'line', shape: { x1: (high[0] as number) - 5, y1: high[1], x2: (high[0] as number) + 5, y2: high[1] }, style },
            ],
          } as echarts.CustomSeriesRenderItemReturn;
        },
        encode: { x: 0, y: [1, 2] },
        data: points.flatMap((s, i) => (s ? [[i, s.min / metric.scale, s.max / metric.scale]] : [])),
        z: 3,
      },
    ];
  });
  return renderSvg({
    title: { text: `${metric.title} against ${document.vary.option} (median, bars: min-max of ${document.repeats} repeat(s))`, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, data: document.brokers },
    grid: { left: 80, right: 30, top: 50, bottom: 70 },
    xAxis: { type: 'category', data: values, name: document.vary.option, nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: metric.unit, min: 0 },
    series: series as echarts.SeriesOption[],
  });
}

/** The steps: asked rate (bar, pass or fail), achieved receive rate, and the objective's metric. */
export function searchChart(document: RateSearchDocument): string {
  const steps = document.steps.map((_, i) => `${i + 1}`);
  const threshold = document.sloThresholdUs / 1000;
  return renderSvg({
    title: { text: `find-rate steps: asked rate (bars: pass / fail), received rate, and ${document.slo}`, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 80, right: 80, top: 50, bottom: 70 },
    xAxis: { type: 'category', data: steps, name: 'step', nameLocation: 'middle', nameGap: 28 },
    yAxis: [
      { type: 'value', name: 'msg/s', min: 0 },
      { type: 'value', name: 'latency (ms)', min: 0 },
    ],
    series: [
      {
        name: 'asked (pass: green, fail: red)',
        type: 'bar',
        data: document.steps.map((s) => ({ value: s.rate, itemStyle: { color: s.pass ? '#3a9a4a' : '#c8412f' } })),
      },
      { name: 'received msg/s', type: 'line', data: document.steps.map((s) => Math.round(s.achievedReceivePerSec)) },
      {
        name: `${document.slo.replace(/[<=].*$/, '')} (ms)`,
        type: 'line',
        yAxisIndex: 1,
        data: document.steps.map((s) => s.sloValueUs / 1000),
        markLine: { symbol: 'none', data: [{ yAxis: threshold, name: document.slo }], label: { formatter: document.slo } },
      },
    ],
  });
}

function sweepIntro(document: SweepDocument): string {
  const runs = document.points.reduce((n, p) => n + p.runs.length, 0);
  return (
    `${runs} run(s) of ${document.scenario} on ${document.brokers.join(', ')}, ${document.vary.option} = ${document.vary.values.join(', ')}, ` +
    `${document.repeats} repeat(s); order: ${document.order}.${document.complete ? '' : ' INTERRUPTED: some points have fewer runs.'} ` +
    'Medians across repeats, with their min-max range; aborted and errored runs are listed but not summarised. Latency is end to end, corrected in open-loop runs.'
  );
}

function notMeasuredNote(document: SweepDocument): string {
  const reasons = [...new Set(document.points.flatMap((p) => (p.brokerCostNotMeasured ? [`${p.broker}: ${p.brokerCostNotMeasured}`] : [])))];
  return reasons.length > 0 ? `Broker cost not measured for ${reasons.join('; ')}.` : '';
}

export function renderSweepMarkdown(document: SweepDocument, title: string): string {
  const sections = sweepMetrics.flatMap((m) => [`## ${m.title}`, '', markdownTable(sweepMetricTable(document, m)), '']);
  const runs = document.points.flatMap((p) => p.runs.map((r) => [p.broker, p.value, String(r.repeat), r.status, r.file]));
  return [
    `# ${title}`,
    '',
    [sweepIntro(document), notMeasuredNote(document)].filter((line) => line !== '').join(' '),
    '',
    ...sections,
    '## Runs',
    '',
    markdownTable({ head: ['broker', document.vary.option, 'repeat', 'status', 'result file'], rows: runs }),
    '',
  ].join('\n');
}

export function renderSweepHtml(document: SweepDocument, title: string): string {
  const sections = sweepMetrics.map(
    (m) => `<h2>${escapeHtml(m.title)}</h2>\n<figure id="sweep-${m.key}">${sweepChart(document, m)}</figure>\n${htmlTable(sweepMetricTable(document, m), `sweep-${m.key}`)}`,
  );
  const runs = document.points.flatMap((p) => p.runs.map((r) => [p.broker, p.value, String(r.repeat), r.status, r.file]));
  return htmlPage(
    title,
    [
      `<p class="note">${escapeHtml(sweepIntro(document))} ${escapeHtml(notMeasuredNote(document))}</p>`,
      ...sections,
      '<h2>Runs</h2>',
      htmlTable({ head: ['broker', document.vary.option, 'repeat', 'status', 'result file'], rows: runs }, 'runs'),
    ].join('\n'),
  );
}

function searchIntro(document: RateSearchDocument): string {
  return (
    `${document.broker} / ${document.scenario}, objective ${document.slo} on the corrected end-to-end latency. A step passes when sent and received ` +
    `rates reach ${((1 - document.rules.rateTolerance) * 100).toFixed(0)}% of the asked rate, the objective holds, nothing is lost, no send fails and the run is not aborted. ` +
    'Bracket by doubling from the start rate (halving if it fails), then bisect; never a rate twice, at most the step budget; ' +
    `then the found rate must pass ${document.rules.confirmations ?? 0} more run(s), else the next lower passing rate is confirmed instead.`
  );
}

export function renderSearchMarkdown(document: RateSearchDocument, title: string): string {
  return [`# ${title}`, '', searchVerdict(document), '', searchIntro(document), '', '## Steps', '', markdownTable(searchStepsTable(document)), ''].join('\n');
}

export function renderSearchHtml(document: RateSearchDocument, title: string): string {
  return htmlPage(
    title,
    [
      `<p><strong>${escapeHtml(searchVerdict(document))}</strong></p>`,
      `<p class="note">${escapeHtml(searchIntro(document))}</p>`,
      '<h2>Steps</h2>',
      `<figure id="search-steps">${searchChart(document)}</figure>`,
      htmlTable(searchStepsTable(document), 'steps'),
    ].join('\n'),
  );
}
