import { renderSvg } from './charts.js';
import { formatMedianRange } from './compare.js';
import { formatCount, formatLatencyUs } from '../util/format.js';
import { htmlPage } from './page.js';
import { assignColours, entryKey, failColour, type ColourEntry } from './palette.js';
import { htmlTable, escapeHtml, type TableData } from './tables.js';
import { pointName, type TrendPoint, type TrendSeries } from './trend.js';

interface TrendMetric {
  title: string;
  unit: string;
  median: (p: TrendPoint) => number;
  bound: (p: TrendPoint) => number | null;
  boundName: string;
}

const throughput: TrendMetric = {
  title: 'throughput (received msg/s, median of the runs)',
  unit: 'msg/s',
  median: (p) => p.throughput.median,
  bound: (p) => p.band?.minThroughput ?? null,
  boundName: 'lowest the check accepts',
};
const p99: TrendMetric = {
  title: 'p99 end-to-end (ms, median of the runs)',
  unit: 'ms',
  median: (p) => p.p99Us.median / 1000,
  bound: (p) => (p.band ? p.band.maxP99Us / 1000 : null),
  boundName: 'highest the check accepts',
};

/** One metric of one workload over commits: the medians, the band the check accepts, failing points marked. */
function trendChart(s: TrendSeries, metric: TrendMetric, colour: string): string {
  const names = s.points.map(pointName);
  return renderSvg(
    {
      title: { text: metric.title, left: 'center', textStyle: { fontSize: 13 } },
      legend: { bottom: 0, itemGap: 24 },
      grid: { left: 80, right: 30, top: 50, bottom: 110 },
      xAxis: { type: 'category', data: names, axisLabel: { rotate: 20, fontSize: 10, interval: 0 } },
      yAxis: { type: 'value', name: metric.unit },
      series: [
        {
          name: `${s.broker} (${s.client})`,
          type: 'line',
          color: colour,
          data: s.points.map((p) => ({
            value: metric.median(p),
            // a point `bench check` would fail against the one before: a red, larger symbol
            ...(p.failures.length > 0 ? { symbolSize: 14, itemStyle: { color: failColour } } : {}),
          })),
        },
        // each point's bound is also a dash of its own: with two commits there is one bound, and a
        // line through one point draws nothing
        { name: metric.boundName, type: 'line', color: '#999', lineStyle: { type: 'dashed' }, symbol: 'rect', symbolSize: [28, 3], showAllSymbol: true, data: s.points.map(metric.bound) },
      ],
    },
    900,
    400,
  );
}

function trendTable(s: TrendSeries): TableData {
  return {
    head: ['commit and time', 'runs', 'received msg/s (median [min - max])', 'p99 (median [min - max])', 'bench check against the previous point'],
    rows: s.points.map((p) => [
      pointName(p),
      String(p.runs.length),
      formatMedianRange(p.throughput, formatCount),
      formatMedianRange(p.p99Us, formatLatencyUs),
      p.band === null ? '(first point)' : p.failures.length > 0 ? `FAILS: ${p.failures.join('; ')}` : p.called ? 'passes' : 'passes (too few repeats to call a change)',
    ]),
  };
}

/** `bench trend` as one self-contained HTML page: per workload, throughput and p99 over commits, each with its table. */
export function renderTrendHtml(series: readonly TrendSeries[], title: string): string {
  // the same colour as the report gives this broker, client and workload (charts.ts groupColourEntry)
  const entry = (s: TrendSeries): ColourEntry => ({ broker: s.broker, variant: `${s.clientName} ${s.label}` });
  const colours = assignColours(series.map(entry));
  const sections = series.map((s, i) => {
    const colour = colours.get(entryKey(entry(s))) as string;
    return `<h2>${escapeHtml(`${s.broker}: ${s.label}`)}</h2>
<figure id="trend-${i}-throughput" class="chart">${trendChart(s, throughput, colour)}</figure>
<figure id="trend-${i}-p99" class="chart">${trendChart(s, p99, colour)}</figure>
${htmlTable(trendTable(s), 'trend')}`;
  });
  return htmlPage(
    title,
    `<p>Points in the order the runs started, one per commit; the dashed line is what <code>bench check</code> accepts against the previous point (its thresholds); a red point is one the check would fail (significant and beyond the threshold, same rules as <code>bench compare</code>).</p>
${sections.join('\n')}`,
  );
}
