/**
 * The charts' option objects (pure: no browser): one colour assignment for every page, shades for the
 * workloads of one broker, log axes where a linear one hides runs, no throughput for runs of a fixed
 * count, no empty broker-CPU chart, find-rate's legend matching its bars, labels and legends with room.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { brokerComparisonSpec, wrapLabel } from '../../src/report/comparison-chart.js';
import { groupStyles, latencyPercentileSpec, p99TimelineSpec, throughputTimelineSpec } from '../../src/report/charts.js';
import { renderHtmlReport } from '../../src/report/document.js';
import { groupResults, type RunGroup } from '../../src/report/groups.js';
import { brokerHues, hashedHue, palette } from '../../src/report/palette.js';
import { renderSearchHtml, renderSweepHtml, renderSweepMarkdown, searchChartSpec, sweepChartSpec } from '../../src/report/sweep.js';
import { sweepMetrics, type SweepMetric } from '../../src/report/sweep-tables.js';
import { renderTrendHtml } from '../../src/report/trend-document.js';
import { trendSeries } from '../../src/report/trend.js';
import { defaultThresholds } from '../../src/report/check.js';
import { defaultRules } from '../../src/report/compare.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RateSearchDocument, SampleSpread, SweepDocument, SweepPoint } from '../../src/results/sweep.js';
import type { RunResult } from '../../src/results/types.js';
import { driverNames } from '../../src/drivers/index.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

/** A run of `broker` at `rate` (or a fixed count: hello-world), `receivedPerSec` received, p99 `p99Us`, three whole seconds. */
function run(id: string, broker: string, rate: number | 'hello', receivedPerSec = typeof rate === 'number' ? rate : 1, p99Us = 2000): RunResult {
  const r = structuredClone(fixture);
  r.id = id;
  r.workload.broker = broker;
  r.broker.client = { name: `${broker}-client`, version: '1' };
  if (rate === 'hello') {
    r.workload.scenario = 'hello-world';
    r.workload.messages = 1;
  } else r.workload.rate = rate;
  const h = createHistogram();
  h.recordValueWithCount(Math.round(p99Us / 4), 90);
  h.recordValueWithCount(p99Us, 10);
  r.latencyUs.endToEnd = { ...summarize(h), p99: p99Us };
  h.destroy();
  r.throughput.receivedPerSec = receivedPerSec;
  r.timeline = rate === 'hello' ? [] : [0, 1, 2].map((second) => ({ ...(fixture.timeline[0] as RunResult['timeline'][number]), second, coveredUs: 1_000_000, received: receivedPerSec, p99Us }));
  return r;
}

function spread(median: number): SampleSpread {
  return { n: 1, median, min: median * 0.9, max: median * 1.1 };
}

function point(broker: string, value: string, received: number, brokerCpu: number | null): SweepPoint {
  return {
    broker,
    value,
    parsedValue: Number(value),
    runs: [{ file: `${broker}-${value}.json`, id: `${broker}${value}`, repeat: 1, status: 'completed' }],
    receivedPerSec: spread(received),
    p50Us: spread(500),
    p99Us: spread(2000),
    clientCpuPerMessageUs: spread(20),
    brokerCpuPerMessageUs: brokerCpu === null ? null : spread(brokerCpu),
    ...(brokerCpu === null ? { brokerCostNotMeasured: 'the broker runs inside the client process' } : {}),
  };
}

function sweep(points: SweepPoint[]): SweepDocument {
  return {
    kind: 'mqbench-sweep',
    version: 1,
    id: 's1',
    createdAt: '2026-12-07T00:00:00Z',
    scenario: 'noack',
    brokers: [...new Set(points.map((p) => p.broker))],
    vary: { option: 'rate', values: [...new Set(points.map((p) => p.value))] },
    repeats: 1,
    order: 'interleaved',
    options: {},
    complete: true,
    points,
  };
}

const metric = (key: SweepMetric['key']) => sweepMetrics.find((m) => m.key === key) as SweepMetric;
/** The series of an option, as plain objects. */
const seriesOf = (option: { series?: unknown }) => option.series as Record<string, any>[];
const colourOfGroup = (groups: RunGroup[], broker: string) => groupStyles(groups).get(groups.find((g) => g.broker === broker) as RunGroup)?.colour;

describe('one colour assignment for every page', () => {
  test.concurrent('the same broker and workload has the same colour in report, sweep, trend and find-rate', () => {
    const groups = groupResults([run('a', 'memory', 2000), run('b', 'rabbit', 2000)]);
    const sweepSeries = seriesOf(sweepChartSpec(sweep([point('rabbit', '2000', 2000, 30), point('memory', '2000', 2000, null)]), metric('receivedPerSec')).option);
    for (const broker of ['memory', 'rabbit']) {
      const inReport = colourOfGroup(groups, broker);
      expect(inReport).toMatch(/^#[0-9a-f]{6}$/);
      expect(sweepSeries.filter((s) => s.name === broker).map((s) => s.color)).toEqual([inReport, inReport]);
    }
    // the rendered pages agree too: the report's swatch is a stroke on the sweep's page and the trend's
    const memory = colourOfGroup(groups, 'memory') as string;
    expect(renderHtmlReport([run('a', 'memory', 2000)], 'r')).toContain(`background:${memory}`);
    expect(renderSweepHtml(sweep([point('memory', '2000', 2000, null)]), 's')).toContain(`stroke="${memory}"`);
    const trend = trendSeries([run('t1', 'memory', 2000)], defaultThresholds, defaultRules);
    expect(renderTrendHtml(trend, 't')).toContain(`stroke="${memory}"`);
    expect(seriesOf(searchChartSpec(search('memory')).option).find((s) => s.name === 'received msg/s')?.color).toBe(memory);
  });

  test.concurrent('three workloads of one broker: three distinct colours, none another broker\'s', () => {
    const groups = groupResults([run('a', 'rabbit', 1000), run('b', 'rabbit', 2000), run('c', 'rabbit', 3000), run('d', 'kafka', 1000)]);
    const styles = groupStyles(groups);
    const rabbit = groups.filter((g) => g.broker === 'rabbit').map((g) => styles.get(g)?.colour);
    expect(new Set(rabbit).size).toBe(3);
    expect(rabbit).not.toContain(colourOfGroup(groups, 'kafka'));
    // the first is the broker's hue itself: what a page with one workload of the broker shows
    expect(rabbit).toContain(brokerHues(['rabbit']).get('rabbit'));
    // and the lines differ by dash as well (grey print, colour-vision deficiencies)
    expect(new Set(groups.filter((g) => g.broker === 'rabbit').map((g) => styles.get(g)?.dash)).size).toBe(3);
  });

  test.concurrent('every registered broker hashes to a hue of its own, so no page has to move one aside', () => {
    const hues = driverNames.map(hashedHue);
    expect(new Set(hues).size).toBe(driverNames.length);
    expect(hues.every((h) => h >= 0 && h < palette.length)).toBe(true);
    // and a broker keeps its hue whatever else is on the page
    const alone = brokerHues(['rabbit']).get('rabbit');
    expect(brokerHues([...driverNames]).get('rabbit')).toBe(alone);
  });
});

describe('log axes', () => {
  test.concurrent('2,000 msg/s beside 488,000: the throughput axes are logarithmic, and the titles say why', () => {
    const groups = groupResults([run('a', 'rabbit', 2000), run('b', 'memory', 488_000)]);
    const styles = groupStyles(groups);
    const bars = brokerComparisonSpec(groups, styles).option;
    expect((bars.xAxis as Record<string, unknown>[])[0]).toMatchObject({ type: 'log', min: 1000 });
    expect((bars.title as { text: string }).text).toMatch(/msg\/s: log scale: the largest value is 244x the smallest/);
    const timeline = throughputTimelineSpec(groups, styles).option;
    expect(timeline.yAxis).toMatchObject({ type: 'log' });
    expect((timeline.title as { text: string }).text).toMatch(/log scale/);
  });

  test.concurrent('close values stay linear from zero; --log-axis makes every value axis logarithmic and says so', () => {
    const groups = groupResults([run('a', 'rabbit', 2000), run('b', 'memory', 3000)]);
    const styles = groupStyles(groups);
    const linear = brokerComparisonSpec(groups, styles).option;
    expect((linear.xAxis as Record<string, unknown>[])[0]).toMatchObject({ type: 'value', min: 0 });
    expect((linear.title as { text: string }).text).not.toMatch(/log/);
    const forced = { logAxis: true };
    expect((brokerComparisonSpec(groups, styles, forced).option.xAxis as Record<string, unknown>[]).map((a) => a.type)).toEqual(['log', 'log']);
    for (const spec of [latencyPercentileSpec(groups, styles, forced), throughputTimelineSpec(groups, styles, forced), p99TimelineSpec(groups, styles, forced)]) {
      expect(spec.option.yAxis).toMatchObject({ type: 'log' });
      expect((spec.option.title as { text: string }).text).toMatch(/log scale \(--log-axis\)/);
    }
  });

  test.concurrent('the sweep\'s curves on a log axis when its values span more than 100x, with no zero drawn', () => {
    const doc = sweep([point('memory', '1000', 1000, null), point('memory', '500000', 488_000, null)]);
    const option = sweepChartSpec(doc, metric('receivedPerSec')).option;
    expect(option.yAxis).toMatchObject({ type: 'log' });
    expect((option.title as { text: string }).text).toMatch(/log scale/);
  });
});

describe('hello-world runs (a fixed count, no rate)', () => {
  test.concurrent('no throughput bar or line, a sentence instead; their latency is still drawn', () => {
    const groups = groupResults([run('a', 'memory', 'hello'), run('b', 'rabbit', 2000)]);
    const styles = groupStyles(groups);
    const hello = groups.findIndex((g) => g.scenario === 'hello-world');
    const [throughput, p99] = seriesOf(brokerComparisonSpec(groups, styles).option);
    expect(throughput?.data[hello].value).toBeNull();
    expect(throughput?.data.filter((d: { value: number | null }) => d.value !== null)).toHaveLength(1);
    expect(p99?.data[hello].value).toBeGreaterThan(0);
    expect(seriesOf(throughputTimelineSpec(groups, styles).option).map((s) => s.name)).toEqual(['rabbit: ack 2000 msg/s, 100 B, 5s after 2s warmup']);
    const html = renderHtmlReport([run('a', 'memory', 'hello'), run('b', 'rabbit', 2000)], 'r');
    expect(html).toContain('memory: hello-world 1 msg, 100 B: a fixed count of messages at no set rate, so no throughput is shown (its latency is).');
  });

  test.concurrent('only hello-world runs: no throughput chart at all, the sentence in its place', () => {
    const html = renderHtmlReport([run('a', 'memory', 'hello')], 'r');
    expect(html).not.toContain('id="throughput-timeline"');
    expect(html).toMatch(/<h2>Throughput over time<\/h2>\n<p class="note">memory: hello-world 1 msg, 100 B: a fixed count/);
  });
});

describe('the sweep\'s broker-CPU chart', () => {
  test.concurrent('drawn from the brokers that have broker cost: only they have a curve and a legend entry', () => {
    const doc = sweep([point('rabbit', '1000', 1000, 30), point('memory', '1000', 1000, null), point('rabbit', '2000', 2000, 25), point('memory', '2000', 2000, null)]);
    const option = sweepChartSpec(doc, metric('brokerCpuPerMessageUs')).option;
    expect((option.legend as { data: string[] }).data).toEqual(['rabbit']);
    const lines = seriesOf(option).filter((s) => s.type === 'line');
    expect(lines.map((s) => s.name)).toEqual(['rabbit']);
    expect(lines[0]?.data).toEqual([30, 25]);
    expect(renderSweepMarkdown(doc, 's')).toMatch(/\| memory \| 1000 \| 0 \| not measured \| - \| - \|/);
  });

  test.concurrent('left out, with one sentence, when no run has broker cost', () => {
    const doc = sweep([point('memory', '1000', 1000, null), point('memory', '2000', 2000, null)]);
    const html = renderSweepHtml(doc, 's');
    expect(html).not.toContain('id="sweep-brokerCpuPerMessageUs"');
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).toContain('Broker CPU per message: not measured in any run of this sweep (see why above), so no chart.');
    expect(renderSweepMarkdown(doc, 's')).toMatch(/## Broker CPU per message\n\nBroker CPU per message: not measured in any run/);
  });
});

function search(broker: string): RateSearchDocument {
  const step = (rate: number, pass: boolean) => ({
    rate,
    phase: 'bracket' as const,
    pass,
    reasons: pass ? [] : ['p99 over the objective'],
    runId: `r${rate}`,
    file: `r${rate}.json`,
    status: 'completed' as const,
    achievedSendPerSec: rate,
    achievedReceivePerSec: rate,
    sloValueUs: pass ? 1000 : 30_000,
    lost: 0,
    sendErrors: 0,
  });
  return {
    kind: 'mqbench-rate-search',
    version: 1,
    id: 'f1',
    createdAt: '2026-12-07T00:00:00Z',
    broker,
    scenario: 'noack',
    slo: 'p99<10ms',
    sloThresholdUs: 10_000,
    rules: { startRate: 1000, resolution: 0.05, maxSteps: 4, rateTolerance: 0.05 },
    options: {},
    foundRate: 2000,
    failedRate: 4000,
    stoppedBecause: 'resolution reached',
    margin: { us: 9000, share: 0.9 },
    steps: [step(1000, true), step(2000, true), step(4000, false)],
  };
}

describe('find-rate\'s chart', () => {
  test.concurrent('each legend swatch is the colour of its bars: passed and failed steps are two series of one colour each', () => {
    const bars = seriesOf(searchChartSpec(search('memory')).option).filter((s) => s.type === 'bar');
    expect(bars.map((s) => s.name)).toEqual(['asked, passed', 'asked, failed']);
    for (const s of bars) {
      expect(s.color).toMatch(/^#[0-9a-f]{6}$/);
      // no per-bar colour that the legend's swatch would contradict
      expect(s.data.every((d: unknown) => d === null || typeof d === 'number')).toBe(true);
    }
    expect(bars[0]?.data).toEqual([1000, 2000, null]);
    expect(bars[1]?.data).toEqual([null, null, 4000]);
    expect(bars[0]?.color).not.toBe(bars[1]?.color);
    expect(renderSearchHtml(search('memory'), 'f')).toContain('asked, failed');
  });
});

describe('labels and legends with room', () => {
  test.concurrent('side by side: one row per group named in wrapped lines on the left, no legend to overlap anything', () => {
    const groups = groupResults([run('a', 'rabbit', 2000), run('b', 'memory', 3000), run('c', 'memory', 4000)]);
    const spec = brokerComparisonSpec(groups, groupStyles(groups));
    expect(spec.option.legend).toBeUndefined();
    expect((spec.option.yAxis as Record<string, any>[])[0]?.data).toHaveLength(3);
    const label = (spec.option.yAxis as Record<string, any>[])[0]?.axisLabel.formatter('', 0) as string;
    expect(label.split('\n').length).toBeGreaterThan(1);
    expect(wrapLabel('memory: noack max (1000 in flight), 100 B, 3s after 1s warmup, driver.prefetch=10').every((line) => line.length <= 46)).toBe(true);
    // taller with more rows: the labels never squeeze
    const more = groupResults([1, 2, 3, 4, 5, 6].map((i) => run(`m${i}`, 'memory', 1000 * i)));
    expect(brokerComparisonSpec(more, groupStyles(more)).height).toBeGreaterThan(spec.height);
  });

  test.concurrent('timelines: the legend has its own room under the plot, and the warmup marker\'s label is inside the plot', () => {
    const groups = groupResults([run('a', 'rabbit', 2000), run('b', 'memory', 3000), run('c', 'memory', 4000)]);
    const option = throughputTimelineSpec(groups, groupStyles(groups)).option;
    expect((option.grid as { bottom: number }).bottom).toBeGreaterThanOrEqual(50 + 20 * 3);
    const first = seriesOf(option)[0];
    expect(first?.markLine.data).toEqual([{ xAxis: 0, name: 'warmup end' }]);
    expect(first?.markLine.label.position).toBe('insideEndBottom');
  });
});
