/** `bench run --csv` (issue 31, item 10): a row per second of the timeline, the drain marked, nothing invented. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import { csvPathOf, timelineCsv } from '../../src/results/timeline-csv.js';
import type { RunResult, TimelinePoint } from '../../src/results/types.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

const point = (second: number, received: number, extra: Partial<TimelinePoint> = {}): TimelinePoint => ({
  second,
  sent: 10,
  acked: 9,
  received,
  bytes: received * 100,
  p99Us: received > 0 ? 1500 : 0,
  coveredUs: 1_000_000,
  ...extra,
});

function withTimeline(points: TimelinePoint[], change: (r: RunResult) => void = () => undefined): RunResult {
  const r = structuredClone(fixture);
  r.workload.messages = null;
  r.workload.durationUs = 2_000_000;
  r.timeline = points;
  change(r);
  return r;
}

describe('timelineCsv', () => {
  test.concurrent('a row per second; the seconds after the window are the drain; no arrival leaves the p99 empty, not 0', () => {
    const csv = timelineCsv(withTimeline([point(0, 10), point(1, 0), point(2, 3, { coveredUs: 250_000, sent: 0 })]));
    expect(csv).toBe(
      [
        'second,phase,covered_s,sent,acked,received,received_bytes,e2e_p99_us',
        '0,window,1,10,9,10,1000,1500',
        '1,window,1,10,9,0,0,',
        '2,drain,0.25,0,9,3,300,1500',
        '',
      ].join('\n'),
    );
  });

  test.concurrent("the broker's columns only when its processes were sampled; a fixed count has no drain", () => {
    const sampled = timelineCsv(withTimeline([point(0, 1, { brokerCpuUs: 700, brokerRssBytes: 4096 }), point(1, 1)]));
    expect(sampled.split('\n')[0]).toBe('second,phase,covered_s,sent,acked,received,received_bytes,e2e_p99_us,broker_cpu_us,broker_rss_bytes');
    expect(sampled.split('\n').slice(1, 3)).toEqual(['0,window,1,10,9,1,100,1500,700,4096', '1,window,1,10,9,1,100,1500,,']);
    const hello = timelineCsv(withTimeline([point(0, 1), point(5, 1)], (r) => (r.workload.messages = 1)));
    expect(hello.split('\n').slice(1, 3).map((row) => row.split(',')[1])).toEqual(['window', 'window']);
  });

  test.concurrent('beside the result: the same name ending .csv', () => {
    expect(csvPathOf('results/2026-12-07T16-24-01Z_rabbit_noack_eda32f62.json')).toBe('results/2026-12-07T16-24-01Z_rabbit_noack_eda32f62.csv');
  });
});
