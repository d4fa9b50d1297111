import * as echarts from 'echarts';
import type { RunResult } from '../results/types.js';
import { percentileCurve, type RunGroup } from './groups.js';

/** Charts rendered to SVG at report time (ECharts server-side rendering): no script in the page. */
function renderSvg(option: echarts.EChartsOption, width = 900, height = 380): string {
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

function percentLabel(x: number): string {
  const p = 100 * (1 - 1 / x);
  if (x <= 1) return '0%';
  const digits = Math.max(0, Math.round(Math.log10(x)) - 2);
  return `${p.toFixed(digits)}%`;
}

/** End-to-end latency by percentile, log-scale percentile axis (90%, 99%, 99.9%, ...), one line per group. */
export function latencyPercentileChart(groups: readonly RunGroup[], title = 'End-to-end latency by percentile (corrected where open loop)'): string {
  return renderSvg({
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, type: 'plain' },
    grid: { left: 70, right: 30, top: 50, bottom: 40 + 22 * Math.ceil(groups.length / 2) },
    tooltip: {},
    xAxis: { type: 'log', name: 'percentile', nameLocation: 'middle', nameGap: 28, min: 1, axisLabel: { formatter: (value: number) => percentLabel(value) } },
    yAxis: { type: 'value', name: 'latency (ms)' },
    series: groups.map((g) => ({
      name: seriesName(g),
      type: 'line',
      showSymbol: false,
      data: percentileCurve(g.runs.map((r) => r.latencyUs.endToEnd.hdr)).map((p) => [p.x, p.valueUs / 1000]),
    })),
  }, 900, 420 + 22 * Math.ceil(groups.length / 2));
}

/** Messages received per second over the measured window, one line per run. */
export function throughputTimelineChart(results: readonly RunResult[]): string {
  return renderSvg({
    title: { text: 'Throughput over time (received msg/s)', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 80, right: 30, top: 50, bottom: 40 + 22 * Math.ceil(results.length / 2) },
    xAxis: { type: 'value', name: 'second of the measured window', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: 'msg/s' },
    series: results.map((r) => ({
      name: `${r.workload.broker} ${r.workload.scenario} ${r.id}`,
      type: 'line',
      showSymbol: false,
      // a partial second (the last one) is left out rather than drawn as a drop in rate
      data: r.timeline.filter((p) => p.coveredUs === 1_000_000).map((p) => [p.second, p.received]),
    })),
  }, 900, 400 + 22 * Math.ceil(results.length / 2));
}

/** Per scenario workload, the brokers side by side: throughput bars and p99 bars. */
export function brokerComparisonChart(groups: readonly RunGroup[]): string {
  const workloads = [...new Set(groups.map((g) => g.label))];
  const brokers = [...new Set(groups.map((g) => g.broker))];
  const find = (broker: string, label: string) => groups.find((g) => g.broker === broker && g.label === label);
  return renderSvg({
    title: { text: 'Brokers side by side: median throughput (left) and p99 end-to-end latency (right)', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: [
      { left: 80, right: '53%', top: 60, bottom: 120 },
      { left: '57%', right: 30, top: 60, bottom: 120 },
    ],
    xAxis: [
      { type: 'category', gridIndex: 0, data: workloads, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
      { type: 'category', gridIndex: 1, data: workloads, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, name: 'msg/s' },
      { type: 'value', gridIndex: 1, name: 'p99 (ms)' },
    ],
    series: brokers.flatMap((broker) => [
      {
        name: broker,
        type: 'bar' as const,
        xAxisIndex: 0,
        yAxisIndex: 0,
        data: workloads.map((label) => Math.round(find(broker, label)?.throughput.receivedPerSec ?? 0)),
      },
      {
        name: broker,
        type: 'bar' as const,
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: workloads.map((label) => (find(broker, label)?.latencyUs.endToEnd.p99 ?? 0) / 1000),
      },
    ]),
  }, 900, 460);
}
