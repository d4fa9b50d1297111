/**
 * The side-by-side chart: one row per group (broker and workload), its median throughput on the left
 * and its p99 on the right. Rows rather than columns: long workload labels are read across, wrapped
 * to the room they have, and need no legend (each row names its group, with its colour's swatch).
 */
import type { EChartsOption } from 'echarts';
import { axisScale, defaultChartOptions, onScale, scaledTitle, valueAxis, type ChartOptions } from './axis-scale.js';
import { drawChart, hasThroughput, seriesName, styleOf, titleHeight, type ChartSpec, type GroupStyle } from './charts.js';
import type { RunGroup } from './groups.js';

const labelWidth = 330;
const labelChars = 46;
const lineHeight = 14;

/** `text` broken at spaces into lines of at most `width` characters (a longer word stays whole). */
export function wrapLabel(text: string, width = labelChars): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return line === '' ? lines : [...lines, line];
}

/** Each row's label: its colour's swatch (rich text style s<i>) and the group's name, wrapped. */
function rowLabels(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>) {
  const rich: Record<string, { color?: string; fontSize?: number; lineHeight?: number }> = { t: { fontSize: 11, lineHeight } };
  groups.forEach((g, i) => (rich[`s${i}`] = { color: styleOf(styles, g).colour, fontSize: 13, lineHeight }));
  const lines = groups.map((g) => wrapLabel(seriesName(g)));
  const formatter = (_value: string, index: number): string => (lines[index] ?? []).map((line, n) => (n === 0 ? `{s${index}|■} {t|${line}}` : `{t|${line}}`)).join('\n');
  return { rich, formatter, lineCount: lines.map((l) => l.length) };
}

function bars(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, axis: 0 | 1, value: (g: RunGroup) => number | null) {
  return {
    type: 'bar' as const,
    xAxisIndex: axis,
    yAxisIndex: axis,
    barMaxWidth: 18,
    data: groups.map((g) => ({ value: value(g), itemStyle: { color: styleOf(styles, g).colour } })),
  };
}

/** Where a run of a fixed count would have its throughput bar: a few words saying why there is none. */
function noRateLabels(groups: readonly RunGroup[], at: number) {
  return {
    type: 'scatter' as const,
    xAxisIndex: 0,
    yAxisIndex: 0,
    symbolSize: 0,
    silent: true,
    label: { show: true, position: 'right' as const, formatter: 'fixed count, no rate', color: '#777', fontSize: 11 },
    data: groups.flatMap((g, i) => (hasThroughput(g) ? [] : [[at, i]])),
  };
}

/** Per group, median throughput and p99 as bars; a run of a fixed count (hello-world) has no throughput bar. */
export function brokerComparisonSpec(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): ChartSpec {
  const throughput = (g: RunGroup) => (hasThroughput(g) ? g.throughput.receivedPerSec : null);
  const p99 = (g: RunGroup) => g.latencyUs.endToEnd.p99 / 1000;
  const rateScale = axisScale(groups.map(throughput), options);
  const p99Scale = axisScale(groups.map(p99), options);
  const title = scaledTitle('Side by side: median throughput and p99 end-to-end latency', { scale: rateScale, axis: 'msg/s' }, { scale: p99Scale, axis: 'p99' });
  const labels = rowLabels(groups, styles);
  const top = titleHeight(title);
  const rows = labels.lineCount.reduce((sum, n) => sum + Math.max(26, n * lineHeight + 10), 0);
  const category = { type: 'category' as const, data: groups.map(seriesName), inverse: true, axisTick: { show: false } };
  const option: EChartsOption = {
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    grid: [
      { left: labelWidth, width: 250, top, bottom: 50 },
      { left: labelWidth + 290, right: 30, top, bottom: 50 },
    ],
    yAxis: [
      { ...category, gridIndex: 0, axisLabel: { interval: 0, formatter: labels.formatter, rich: labels.rich } },
      { ...category, gridIndex: 1, axisLabel: { show: false } },
    ],
    xAxis: [
      valueAxis(rateScale, { gridIndex: 0, name: 'median received msg/s', nameLocation: 'middle', nameGap: 28 }),
      valueAxis(p99Scale, { gridIndex: 1, name: 'p99 end-to-end (ms)', nameLocation: 'middle', nameGap: 28 }),
    ] as EChartsOption['xAxis'],
    series: [
      bars(groups, styles, 0, (g) => onScale(throughput(g), rateScale)),
      bars(groups, styles, 1, (g) => onScale(p99(g), p99Scale)),
      noRateLabels(groups, rateScale.log ? (rateScale.floor ?? 1) : 0),
    ],
  };
  return { option, width: 900, height: top + rows + 60 };
}

export function brokerComparisonChart(groups: readonly RunGroup[], styles: Map<RunGroup, GroupStyle>, options: ChartOptions = defaultChartOptions): string {
  return drawChart(brokerComparisonSpec(groups, styles, options));
}

/** The sentence that stands in for the throughput of runs of a fixed count; '' when there are none. */
export function fixedCountNote(groups: readonly RunGroup[]): string {
  const fixed = groups.filter((g) => !hasThroughput(g));
  if (fixed.length === 0) return '';
  const names = fixed.map(seriesName).join('; ');
  return `${names}: a fixed count of messages at no set rate, so no throughput is shown (its latency is).`;
}
