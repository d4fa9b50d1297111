import * as echarts from 'echarts';
import type { RunResult } from '../results/types.js';
import { percentileCurve, type RunGroup } from './groups.js';
import { assignColours, colourKey, dashes } from './palette.js';

/** Charts rendered to SVG at report time (ECharts server-side rendering): no script in the page. */
export function renderSvg(option: echarts.EChartsOption, width = 900, height = 380): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function seriesName(group: RunGroup): string {
  return `${group.broker}: ${group.label}`;
}

export function groupColourKey(group: RunGroup): string {
  return colourKey(group.broker, (group.runs[0] as RunResult).broker.client.name);
}

/** How each group is drawn in every chart of one report: its broker + client colour, a dash per workload. */
export interface GroupStyle {
  colour: string;
  dash: (typeof dashes)[number];
}

export function groupStyles(groups: readonly RunGroup[]): Map<RunGroup, GroupStyle> {
  const colours = assignColours(groups.map(groupColourKey));
  const seen = new Map<string, number>();
  const styles = new Map<RunGroup, GroupStyle>();
  for (const g of groups) {
    const key = groupColourKey(g);
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    styles.set(g, { colour: colours.get(key) as string, dash: dashes[nth % dashes.length] as GroupStyle['dash'] });
  }
  return styles;
}

function styleOf(styles: Map<RunGroup, GroupStyle>, g: RunGroup): GroupStyle {
  return styles.get(g) ?? { colour: '#888', dash: 'solid' };
}

/** One legend entry per line under the chart: long workload labels never overlap. */
function legendHeight(count: number): number {
  return 20 * count;
}

const legend = { bottom: 0, left: 70, orient: 'vertical' as const, itemGap: 6 };

/** x = 1/(1-p) as the percentile it stands for: 10 -> 90%, 1000 -> 99.9%. */
export function percentLabel(x: number): string {
  if (x <= 1) return '0%';
  const p = 100 * (1 - 1 / x);
  const digits = Math.max(0, Math.round(Math.log10(x)) - 2);
  return `${p.toFixed(digits)}%`;
}

/** End-to-end latency by percentile, HdrHistogram's plot: x = 1/(1-p) on a log axis (90%, 99%, 99.9%, ...). */
export function latencyPercentileChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, title = 'End-to-end latency by percentile (corrected where open loop)'): string {
  return renderSvg(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend,
      grid: { left: 70, right: 30, top: 50, bottom: 50 + legendHeight(groups.length) },
      xAxis: { type: 'log', name: 'percentile', nameLocation: 'middle', nameGap: 28, min: 1, axisLabel: { formatter: (value: number) => percentLabel(value) } },
      yAxis: { type: 'value', name: 'latency (ms)' },
      series: groups.map((g) => ({
        name: seriesName(g),
        type: 'line',
        showSymbol: false,
        color: styleOf(styles, g).colour,
        lineStyle: { type: styleOf(styles, g).dash, width: 2 },
        data: percentileCurve(g.runs.map((r) => r.latencyUs.endToEnd.hdr)).map((p) => [p.x, p.valueUs / 1000]),
      })),
    },
    900,
    420 + legendHeight(groups.length),
  );
}

/** Per workload, the groups side by side: median throughput and p99 bars, one colour per broker + client. */
export function brokerComparisonChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>): string {
  const workloads = [...new Set(groups.map((g) => g.label))];
  const keys = [...new Set(groups.map(groupColourKey))];
  const find = (key: string, label: string) => groups.find((g) => groupColourKey(g) === key && g.label === label);
  const colourOfKey = (key: string) => styleOf(styles, groups.find((g) => groupColourKey(g) === key) as RunGroup).colour;
  return renderSvg(
    {
      title: { text: 'Side by side: median throughput (left) and p99 end-to-end latency (right)', left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0 },
      grid: [
        { left: 80, right: '53%', top: 60, bottom: 140 },
        { left: '57%', right: 30, top: 60, bottom: 140 },
      ],
      xAxis: [
        { type: 'category', gridIndex: 0, data: workloads, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
        { type: 'category', gridIndex: 1, data: workloads, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
      ],
      yAxis: [
        { type: 'value', gridIndex: 0, name: 'msg/s' },
        { type: 'value', gridIndex: 1, name: 'p99 (ms)' },
      ],
      series: keys.flatMap((key) => [
        { name: key, type: 'bar' as const, xAxisIndex: 0, yAxisIndex: 0, color: colourOfKey(key), data: workloads.map((label) => find(key, label)?.throughput.receivedPerSec ?? null) },
        { name: key, type: 'bar' as const, xAxisIndex: 1, yAxisIndex: 1, color: colourOfKey(key), data: workloads.map((label) => { const g = find(key, label); return g ? g.latencyUs.endToEnd.p99 / 1000 : null; }) },
      ]),
    },
    900,
    480,
  );
}

/** Whole seconds only: the last, partial second is left out rather than drawn as a drop. */
export function fullSeconds(result: RunResult): RunResult['timeline'] {
  return result.timeline.filter((p) => p.coveredUs === 1_000_000);
}

/** Vertical markers: warmup end (second 0 of the measured window) and the run's events (faults, reconnects). */
function markers(result: RunResult, withWarmup: boolean): { xAxis: number; name: string }[] {
  const lines = withWarmup && result.workload.warmupUs > 0 ? [{ xAxis: 0, name: 'warmup end' }] : [];
  for (const e of result.events ?? []) lines.push({ xAxis: e.atUs / 1_000_000, name: e.kind });
  return lines;
}

type TimelineValue = (point: RunResult['timeline'][number]) => number | null;

function timelineChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, title: string, yName: string, value: TimelineValue): string {
  const series = groups.flatMap((g) =>
    g.runs.map((r, i) => ({
      // one legend entry per group: its repeats share the name and toggle together
      name: seriesName(g),
      type: 'line' as const,
      showSymbol: false,
      color: styleOf(styles, g).colour,
      lineStyle: { type: styleOf(styles, g).dash, width: 1.5 },
      data: fullSeconds(r).map((p) => [p.second, value(p)]),
      markLine: {
        symbol: 'none',
        silent: true,
        lineStyle: { color: '#555', type: 'dashed' as const, width: 1 },
        label: { formatter: '{b}', fontSize: 10, position: 'insideEndTop' as const },
        data: markers(r, g === groups[0] && i === 0),
      },
    })),
  );
  return renderSvg(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend,
      grid: { left: 80, right: 30, top: 50, bottom: 50 + legendHeight(groups.length) },
      xAxis: { type: 'value', name: 'second of the measured window (whole seconds)', nameLocation: 'middle', nameGap: 28, min: 0 },
      yAxis: { type: 'value', name: yName },
      series,
    },
    900,
    400 + legendHeight(groups.length),
  );
}

/** Messages received per second over the measured window, one line per run. */
export function throughputTimelineChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>): string {
  return timelineChart(groups, styles, 'Throughput over time (received msg/s)', 'msg/s', (p) => p.received);
}

/** p99 of the messages received in each second; a second with none received has no point. */
export function p99TimelineChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>): string {
  return timelineChart(groups, styles, 'p99 end-to-end latency over time', 'p99 (ms)', (p) => (p.received > 0 ? p.p99Us / 1000 : null));
}
