import * as echarts from 'echarts';
import type { RunResult } from '../results/types.js';
import { axisScale, defaultChartOptions, logFloor, onScale, scaledTitle, valueAxis, type ChartOptions } from './axis-scale.js';
import { median, percentileCurve, type RunGroup } from './groups.js';
import { assignColours, dashes, entryKey, type ColourEntry } from './palette.js';

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

/** A chart before it is drawn: the option object (what unit tests read) and the size of its SVG. */
export interface ChartSpec {
  option: echarts.EChartsOption;
  width: number;
  height: number;
}

export function drawChart(spec: ChartSpec): string {
  return renderSvg(spec.option, spec.width, spec.height);
}

export function seriesName(group: RunGroup): string {
  return `${group.broker}: ${group.label}`;
}

/** What a group is among its broker's others on one page: the client and the workload. */
export function groupColourEntry(group: RunGroup): ColourEntry {
  return { broker: group.broker, variant: `${(group.runs[0] as RunResult).broker.client.name} ${group.label}` };
}

/** How each group is drawn in every chart of one report: a shade of its broker's hue, and a dash per workload of the broker. */
export interface GroupStyle {
  colour: string;
  dash: (typeof dashes)[number];
}

export function groupStyles(groups: readonly RunGroup[]): Map<RunGroup, GroupStyle> {
  const entries = groups.map(groupColourEntry);
  const colours = assignColours(entries);
  const styles = new Map<RunGroup, GroupStyle>();
  for (const g of groups) {
    const mine = entryKey(groupColourEntry(g));
    // the same order as the shades: the nth variant of the broker, by name
    const variants = [...new Set(entries.filter((e) => e.broker === g.broker).map(entryKey))].sort();
    styles.set(g, { colour: colours.get(mine) as string, dash: dashes[variants.indexOf(mine) % dashes.length] as GroupStyle['dash'] });
  }
  return styles;
}

export function styleOf(styles: Map<RunGroup, GroupStyle>, g: RunGroup): GroupStyle {
  return styles.get(g) ?? { colour: '#888', dash: 'solid' };
}

/** A run of a fixed message count (hello-world) has no rate: it gets no throughput bar or line. */
export function hasThroughput(group: RunGroup): boolean {
  return (group.runs[0] as RunResult).workload.messages === null;
}

/** One legend entry per line under the plot: long workload labels never overlap each other or the plot. */
function legendHeight(count: number): number {
  return 20 * count + 10;
}

const legend = { bottom: 0, left: 70, orient: 'vertical' as const, itemGap: 6 };

/** Room for the title: one line, or two when it says why an axis is logarithmic. */
export function titleHeight(title: string): number {
  return 28 + 18 * title.split('\n').length;
}

/** x = 1/(1-p) as the percentile it stands for: 10 -> 90%, 1000 -> 99.9%. */
export function percentLabel(x: number): string {
  if (x <= 1) return '0%';
  const p = 100 * (1 - 1 / x);
  const digits = Math.max(0, Math.round(Math.log10(x)) - 2);
  return `${p.toFixed(digits)}%`;
}

/** End-to-end latency by percentile, HdrHistogram's plot: x = 1/(1-p) on a log axis (90%, 99%, 99.9%, ...). */
export function latencyPercentileSpec(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): ChartSpec {
  const curves = groups.map((g) => percentileCurve(g.runs.map((r) => r.latencyUs.endToEnd.hdr)).map((p) => [p.x, p.valueUs / 1000] as [number, number]));
  // the groups are compared by where their curves lie (their medians); a log axis starts below the lowest point of any curve
  const compared = axisScale(groups.map((g) => g.latencyUs.endToEnd.p50 / 1000), options);
  const floor = logFloor(curves.flatMap((c) => c.map(([, ms]) => ms)));
  const scale = { ...compared, ...(compared.log && floor !== undefined ? { floor } : {}) };
  const title = scaledTitle('End-to-end latency by percentile (corrected where open loop)', { scale });
  const top = titleHeight(title);
  return {
    option: {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend,
      grid: { left: 70, right: 30, top, bottom: 50 + legendHeight(groups.length) },
      xAxis: { type: 'log', name: 'percentile', nameLocation: 'middle', nameGap: 28, min: 1, axisLabel: { formatter: (value: number) => percentLabel(value) } },
      yAxis: valueAxis(scale, { name: 'latency (ms)' }),
      series: groups.map((g, i) => ({
        name: seriesName(g),
        type: 'line',
        showSymbol: false,
        color: styleOf(styles, g).colour,
        lineStyle: { type: styleOf(styles, g).dash, width: 2 },
        data: (curves[i] ?? []).map(([x, ms]) => [x, onScale(ms, scale)]),
      })),
    },
    width: 900,
    height: top + 370 + legendHeight(groups.length),
  };
}

export function latencyPercentileChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): string {
  return drawChart(latencyPercentileSpec(groups, styles, options));
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

/** The level of each run, for the axis scale: the median of its seconds (a dip in one second does not make an axis logarithmic). */
function runLevels(groups: readonly RunGroup[], value: TimelineValue): number[] {
  return groups.flatMap((g) => g.runs.map((r) => median(fullSeconds(r).flatMap((p) => value(p) ?? []))));
}

function timelineSeries(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, value: TimelineValue, scale: ReturnType<typeof axisScale>) {
  return groups.flatMap((g) =>
    g.runs.map((r, i) => ({
      // one legend entry per group: its repeats share the name and toggle together
      name: seriesName(g),
      type: 'line' as const,
      showSymbol: false,
      color: styleOf(styles, g).colour,
      lineStyle: { type: styleOf(styles, g).dash, width: 1.5 },
      data: fullSeconds(r).map((p) => [p.second, onScale(value(p), scale)]),
      markLine: {
        symbol: 'none',
        silent: true,
        lineStyle: { color: '#555', type: 'dashed' as const, width: 1 },
        // along the line on its right, inside the plot: never over the y axis' labels
        label: { formatter: '{b}', fontSize: 10, position: 'insideEndBottom' as const, color: '#444' },
        data: markers(r, g === groups[0] && i === 0),
      },
    })),
  );
}

export function timelineSpec(all: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, heading: string, yName: string, value: TimelineValue, options: ChartOptions): ChartSpec {
  // a group with no whole second (a run of one message) has no line: no legend entry either
  const groups = all.filter((g) => g.runs.some((r) => fullSeconds(r).length > 0));
  const scale = axisScale(runLevels(groups, value), options);
  const title = scaledTitle(heading, { scale });
  const top = titleHeight(title);
  return {
    option: {
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      legend,
      grid: { left: 80, right: 30, top, bottom: 50 + legendHeight(groups.length) },
      xAxis: { type: 'value', name: 'second of the measured window (whole seconds)', nameLocation: 'middle', nameGap: 28, min: 0 },
      yAxis: valueAxis(scale, { name: yName }),
      series: timelineSeries(groups, styles, value, scale),
    },
    width: 900,
    height: top + 350 + legendHeight(groups.length),
  };
}

const received: TimelineValue = (p) => p.received;
const p99: TimelineValue = (p) => (p.received > 0 ? p.p99Us / 1000 : null);

/** Messages received per second over the measured window, one line per run; runs of a fixed count (no rate) are left out. */
export function throughputTimelineSpec(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): ChartSpec {
  return timelineSpec(groups.filter(hasThroughput), styles, 'Throughput over time (received msg/s)', 'msg/s', received, options);
}

export function throughputTimelineChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): string {
  return drawChart(throughputTimelineSpec(groups, styles, options));
}

/** p99 of the messages received in each second; a second with none received has no point. */
export function p99TimelineSpec(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): ChartSpec {
  return timelineSpec(groups, styles, 'p99 end-to-end latency over time', 'p99 (ms)', p99, options);
}

export function p99TimelineChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): string {
  return drawChart(p99TimelineSpec(groups, styles, options));
}
