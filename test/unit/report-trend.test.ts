/** bench trend: points in the order they ran, one per commit, judged against the previous one with check's rules. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { defaultThresholds } from '../../src/report/check.js';
import { defaultRules } from '../../src/report/compare.js';
import { renderTrendText, trendSeries } from '../../src/report/trend.js';
import { renderTrendHtml } from '../../src/report/trend-document.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

function run(commit: string, hour: number, receivedPerSec: number, p99: number): RunResult {
  const r = structuredClone(fixture);
  r.id = `${commit}${hour}`;
  r.environment.gitCommit = commit.repeat(40).slice(0, 40);
  r.startedAt = `2026-11-2${Math.floor(hour / 24)}T${String(hour % 24).padStart(2, '0')}:00:00.000Z`;
  r.throughput.receivedPerSec = receivedPerSec;
  r.latencyUs.endToEnd = { ...r.latencyUs.endToEnd, p99 };
  return r;
}

describe('trend', () => {
  test('points ordered by when they ran (not by file order), one per commit, repeats summarised', () => {
    const results = [run('c', 30, 1000, 900), run('a', 10, 1000, 1000), run('b', 20, 1000, 1000), run('a', 11, 1010, 1100), run('d', 40, 990, 1000), run('e', 50, 1000, 1000)];
    const [series] = trendSeries(results, defaultThresholds, defaultRules);
    expect(series?.points.map((p) => p.commit[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(series?.points[0]).toMatchObject({ runs: ['a10', 'a11'], band: null, throughput: { median: 1005, min: 1000, max: 1010 } });
    expect(series?.points[1]?.band).toEqual({ minThroughput: 1005 * 0.9, maxP99Us: 1050 * 1.2 });
    expect(renderTrendText(results.length ? [series!] : [])).toMatch(/bbbbbbb 2026-11-20 20:00 {2}1 run .* ✓ \(too few repeats to call a change\)/);
  });

  test('the first trend anyone draws (two commits): the one bound the check applies is drawn, not a line through one point', () => {
    const series = trendSeries([run('a', 1, 1000, 1000), run('b', 2, 1000, 1000)], defaultThresholds, defaultRules);
    const charts = renderTrendHtml(series, 'two commits').split('<figure').slice(1);
    expect(charts).toHaveLength(2);
    for (const chart of charts) {
      // the bound series (index 1) has a mark at the second point (data index 1), none at the first (no bound)
      expect(chart).toMatch(/<path [^>]*fill="#999" ecmeta_series_index="1" ecmeta_data_index="1"/);
      expect(chart).not.toMatch(/ecmeta_series_index="1" ecmeta_data_index="0"/);
    }
  });

  test('a point the check would fail is marked: 3 runs significantly and beyond the threshold slower than the 3 before', () => {
    const before = [run('a', 1, 1000, 1000), run('a', 2, 1010, 1010), run('a', 3, 990, 990)];
    const after = [run('b', 4, 1000, 1600), run('b', 5, 1000, 1620), run('b', 6, 1000, 1580)];
    const [series] = trendSeries([...after, ...before], defaultThresholds, defaultRules);
    expect(series?.points[1]?.called).toBe(true);
    expect(series?.points[1]?.failures).toEqual(['end-to-end p99 60.0% (p=0.100)']);
    expect(renderTrendText([series!])).toMatch(/✗ check would fail: end-to-end p99 60\.0%/);
  });
});
