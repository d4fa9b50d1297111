/**
 * Sweep and rate-search reports: Markdown and one offline HTML page (inline SVG from ECharts'
 * server-side renderer, no script), a table under every chart.
 */
import * as echarts from 'echarts';
import type { RateSearchDocument, SampleSpread, SweepDocument } from '../results/sweep.js';
import { axisScale, defaultChartOptions, onScale, scaledTitle, valueAxis, type ChartOptions } from './axis-scale.js';
import { drawChart, titleHeight, type ChartSpec } from './charts.js';
import { assignColours, entryKey, shade, stepColours } from './palette.js';
import { searchStepsTable, searchVerdict, sweepMetrics, sweepMetricTable, type SweepMetric } from './sweep-tables.js';
import { htmlPage } from './page.js';
import { escapeHtml, htmlTable, markdownTable } from './tables.js';
import { plural } from '../util/plural.js';

/** The brokers' colours on a sweep or search page: the hue each has on every page (one variant each). */
function brokerColours(brokers: readonly string[]): Map<string, string> {
  const entries = brokers.map((broker) => ({ broker, variant: '' }));
  const colours = assignColours(entries);
  return new Map(brokers.map((b) => [b, colours.get(entryKey({ broker: b, variant: '' })) as string]));
}

/** The points of one broker for a metric, in the order of the varied values (null where none was measured). */
function brokerPoints(document: SweepDocument, metric: SweepMetric, broker: string): (SampleSpread | null)[] {
  return document.vary.values.map((value) => document.points.find((p) => p.broker === broker && p.value === value)?.[metric.key] ?? null);
}

/** Brokers with at least one measured point of the metric: only they get a curve and a legend entry. */
export function measuredBrokers(document: SweepDocument, metric: SweepMetric): string[] {
  return document.brokers.filter((broker) => brokerPoints(document, metric, broker).some((s) => s !== null));
}

/** A vertical bar from min to max, with short caps. */
function rangeBar(_params: unknown, api: echarts.CustomSeriesRenderItemAPI): echarts.CustomSeriesRenderItemReturn {
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
}

/**
 * One curve per broker (the median across repeats) against the varied value, and a vertical bar
 * from min to max at every point (the spread across repeats); in each broker's colour on every page.
 */
export function sweepChartSpec(document: SweepDocument, metric: SweepMetric, options: ChartOptions = defaultChartOptions): ChartSpec {
  const brokers = measuredBrokers(document, metric);
  const colours = brokerColours(document.brokers);
  const all = brokers.flatMap((b) => brokerPoints(document, metric, b).flatMap((s) => (s ? [s.min / metric.scale, s.max / metric.scale] : [])));
  const scale = axisScale(all, options);
  const series = brokers.flatMap((broker) => {
    const points = brokerPoints(document, metric, broker);
    const colour = colours.get(broker) as string;
    return [
      { name: broker, type: 'line' as const, color: colour, connectNulls: false, data: points.map((s) => (s ? onScale(s.median / metric.scale, scale) : null)) },
      {
        name: broker,
        type: 'custom' as const,
        color: colour,
        renderItem: rangeBar,
        encode: { x: 0, y: [1, 2] },
        data: points.flatMap((s, i) => (s && (!scale.log || s.min > 0) ? [[i, s.min / metric.scale, s.max / metric.scale]] : [])),
        z: 3,
      },
    ];
  });
  const title = scaledTitle(`${metric.title} against ${document.vary.option} (median, bars: min-max of ${plural(document.repeats, 'repeat')})`, { scale });
  const top = titleHeight(title);
  return {
    option: {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0, data: brokers },
      grid: { left: 80, right: 30, top, bottom: 70 },
      xAxis: { type: 'category', data: document.vary.values, name: document.vary.option, nameLocation: 'middle', nameGap: 28 },
      yAxis: valueAxis(scale, { name: metric.unit }),
      series: series as echarts.SeriesOption[],
    },
    width: 900,
    height: top + 330,
  };
}

export function sweepChart(document: SweepDocument, metric: SweepMetric, options: ChartOptions = defaultChartOptions): string {
  return drawChart(sweepChartSpec(document, metric, options));
}

/** The steps: asked rate (bars: passed, failed), achieved receive rate, and the objective's metric. */
export function searchChartSpec(document: RateSearchDocument, options: ChartOptions = defaultChartOptions): ChartSpec {
  const steps = document.steps.map((_, i) => `${i + 1}`);
  const colour = brokerColours([document.broker]).get(document.broker) as string;
  const scale = axisScale(document.steps.flatMap((s) => [s.rate, s.achievedReceivePerSec]), options);
  const metricName = document.slo.replace(/[<=].*$/, '');
  // two bar series, one per verdict, at the same place: each legend swatch is the colour of its bars
  const asked = (pass: boolean) => ({
    name: pass ? 'asked, passed' : 'asked, failed',
    type: 'bar' as const,
    barGap: '-100%',
    color: pass ? stepColours.pass : stepColours.fail,
    data: document.steps.map((s) => (s.pass === pass ? onScale(s.rate, scale) : null)),
  });
  const title = scaledTitle(`find-rate steps: asked rate (bars: passed / failed), received rate, and ${document.slo}`, { scale, axis: 'msg/s' });
  const top = titleHeight(title);
  return {
    option: {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0 },
      grid: { left: 80, right: 80, top, bottom: 70 },
      xAxis: { type: 'category', data: steps, name: 'step', nameLocation: 'middle', nameGap: 28 },
      yAxis: [valueAxis(scale, { name: 'msg/s' }), valueAxis({ log: false, why: '' }, { name: 'latency (ms)' })],
      series: [
        asked(true),
        asked(false),
        { name: 'received msg/s', type: 'line', color: colour, data: document.steps.map((s) => onScale(Math.round(s.achievedReceivePerSec), scale)) },
        {
          name: `${metricName} (ms)`,
          type: 'line',
          yAxisIndex: 1,
          color: shade(colour, 1),
          lineStyle: { type: 'dashed' },
          data: document.steps.map((s) => s.sloValueUs / 1000),
          markLine: { symbol: 'none', lineStyle: { color: '#555' }, data: [{ yAxis: document.sloThresholdUs / 1000, name: document.slo }], label: { formatter: document.slo, position: 'insideEndTop' } },
        },
      ],
    },
    width: 900,
    height: top + 330,
  };
}

export function searchChart(document: RateSearchDocument, options: ChartOptions = defaultChartOptions): string {
  return drawChart(searchChartSpec(document, options));
}

function sweepIntro(document: SweepDocument): string {
  const runs = document.points.reduce((n, p) => n + p.runs.length, 0);
  return (
    `${plural(runs, 'run')} of ${document.scenario} on ${document.brokers.join(', ')}, ${document.vary.option} = ${document.vary.values.join(', ')}, ` +
    `${plural(document.repeats, 'repeat')}; order: ${document.order}.${document.complete ? '' : ' INTERRUPTED: some points have fewer runs.'} ` +
    'Medians across repeats, with their min-max range; aborted and errored runs are listed but not summarised. Latency is end to end, corrected in open-loop runs.'
  );
}

function notMeasuredNote(document: SweepDocument): string {
  const reasons = [...new Set(document.points.flatMap((p) => (p.brokerCostNotMeasured ? [`${p.broker}: ${p.brokerCostNotMeasured}`] : [])))];
  return reasons.length > 0 ? `Broker cost not measured for ${reasons.join('; ')}.` : '';
}

/** A metric no run measured (broker CPU of brokers without a sampler) gets this sentence instead of an empty chart. */
export function unmeasuredSentence(metric: SweepMetric): string {
  return `${metric.title}: not measured in any run of this sweep${metric.key === 'brokerCpuPerMessageUs' ? ' (see why above)' : ''}, so no chart.`;
}

export function renderSweepMarkdown(document: SweepDocument, title: string): string {
  const sections = sweepMetrics.flatMap((m) =>
    measuredBrokers(document, m).length > 0 ? [`## ${m.title}`, '', markdownTable(sweepMetricTable(document, m)), ''] : [`## ${m.title}`, '', unmeasuredSentence(m), ''],
  );
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

function sweepSection(document: SweepDocument, m: SweepMetric, options: ChartOptions): string {
  const heading = `<h2>${escapeHtml(m.title)}</h2>`;
  if (measuredBrokers(document, m).length === 0) return `${heading}\n<p class="note">${escapeHtml(unmeasuredSentence(m))}</p>`;
  return `${heading}\n<figure id="sweep-${m.key}">${sweepChart(document, m, options)}</figure>\n${htmlTable(sweepMetricTable(document, m), `sweep-${m.key}`)}`;
}

export function renderSweepHtml(document: SweepDocument, title: string, options: ChartOptions = defaultChartOptions): string {
  const sections = sweepMetrics.map((m) => sweepSection(document, m, options));
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
    `then the found rate must pass ${plural(document.rules.confirmations ?? 0, 'more run')}, else the next lower passing rate is confirmed instead.`
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
