/** The closing table after several runs (--repeat, --broker a,b): one row per broker and workload, medians with their range. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { renderRunsSummary } from '../../src/report/runs-summary.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

function run(broker: string, receivedPerSec: number, p99: number, lost = 0): RunResult {
  const r = structuredClone(fixture);
  r.workload.broker = broker;
  r.broker.name = broker;
  r.throughput.receivedPerSec = receivedPerSec;
  r.latencyUs.endToEnd = { ...r.latencyUs.endToEnd, p99 };
  r.counts.lost = lost;
  return r;
}

describe('runs summary', () => {
  test('one row per broker over its repeats: median [min - max], lost summed', () => {
    const text = renderRunsSummary([run('rabbit', 1000, 2000), run('kafka', 3000, 9000), run('rabbit', 1200, 2600), run('kafka', 2800, 7000, 5), run('rabbit', 1100, 2200), run('kafka', 3100, 8000)]);
    const rows = text.split('\n').filter((line) => /^│ (rabbit|kafka):/.test(line));
    expect(rows).toHaveLength(2);
    const kafka = rows.find((line) => line.startsWith('│ kafka:')) as string;
    const rabbit = rows.find((line) => line.startsWith('│ rabbit:')) as string;
    expect(rabbit).toMatch(/│ 3 +│ 1,100 \[1,000 - 1,200\] +│ 2.20 ms \[2.00 ms - 2.60 ms\] +│ 0 +│/);
    expect(kafka).toMatch(/│ 3 +│ 3,000 \[2,800 - 3,100\] +│ 8.00 ms \[7.00 ms - 9.00 ms\] +│ 5 +│ 1 +│/);
    expect(text).toMatch(/^all runs \(6\)/);
  });

  test('a single run gets no closing table (its summary says it all)', () => {
    expect(renderRunsSummary([run('rabbit', 1000, 2000)])).toBe('');
  });
});
