/** `bench calibrate --floor`: the rates parser, the figures read from a result, the rows and the table. */
import { describe, expect, it } from 'vitest';
import { floorRows, floorValuesOf, parseRates, type FloorReport, type FloorSample, type FloorValues } from '../../src/calibrate/floor-report.js';
import { renderFloor } from '../../src/calibrate/floor-render.js';
import type { LatencySummary, RunResult } from '../../src/results/types.js';

describe('--rates', () => {
  it('defaults to 2000,5000,20000; takes numbers > 0 in the order given', () => {
    expect(parseRates(undefined)).toEqual([2000, 5000, 20000]);
    expect(parseRates('500')).toEqual([500]);
    expect(parseRates('20000, 1000,2.5')).toEqual([20000, 1000, 2.5]);
  });

  it('refuses zero, words, empty parts, negative numbers and a rate given twice, in one line', () => {
    for (const raw of ['0', '2000,x', '', '1000,,2000', '-5', 'max', '1e3']) {
      expect(() => parseRates(raw), raw).toThrow(`--rates: must be messages per second, comma-separated, each greater than zero (e.g. 2000,5000,20000), got "${raw}"`);
    }
    expect(() => parseRates('1000,1000')).toThrow('--rates: 1000 is given twice');
  });
});

const latency = (p50: number, p99: number, p999: number): LatencySummary => ({ count: 1, min: 1, mean: p50, p50, p90: p99, p99, p999, p9999: p999, max: p999, hdr: 'HIST' });

describe('the figures of one run', () => {
  it('reads corrected end-to-end and send-delay percentiles and the client cost, unrounded', () => {
    const result = {
      latencyUs: { endToEnd: latency(150, 900, 2500), endToEndUncorrected: latency(1, 2, 3), publish: latency(1, 2, 3), sendDelay: latency(5, 40, 300) },
      client: { cpuUs: 1, cpuPerMessageUs: 12.34, busiestProcessCpuShare: 0.2, eventLoopDelayP99Us: 1100, eventLoopDelayMaxUs: 9000, processes: 1 },
    } as unknown as RunResult;
    expect(floorValuesOf(result)).toEqual({ endToEndP50Us: 150, endToEndP99Us: 900, endToEndP999Us: 2500, sendDelayP99Us: 40, sendDelayP999Us: 300, eventLoopDelayP99Us: 1100, cpuPerMessageUs: 12.34 });
    expect(floorValuesOf({ ...result, client: undefined } as unknown as RunResult)).toBeUndefined();
  });
});

const values = (base: number): FloorValues => ({
  endToEndP50Us: base,
  endToEndP99Us: base * 10,
  endToEndP999Us: base * 100,
  sendDelayP99Us: base / 2,
  sendDelayP999Us: base,
  eventLoopDelayP99Us: base * 3,
  cpuPerMessageUs: base / 40,
});
const sample = (round: number, rate: number, side: string, base: number, targetReached = true): FloorSample => ({
  round,
  rate,
  side,
  resultId: `r${round}${side}${rate}`,
  status: 'completed',
  achievedSendPerSec: rate,
  targetReached,
  values: values(base),
});

describe('rows', () => {
  const samples = [sample(1, 2000, 'memory', 100), sample(1, 2000, 'rabbit', 400), sample(1, 500, 'memory', 80), sample(1, 500, 'rabbit', 300), sample(2, 2000, 'memory', 120), sample(2, 2000, 'rabbit', 500, false), sample(2, 500, 'memory', 90), sample(2, 500, 'rabbit', 350)];

  it('per rate in the order given, the floor then the broker: medians and min..max over the rounds', () => {
    const rows = floorRows([2000, 500], ['memory', 'rabbit'], samples);
    expect(rows.map((r) => `${r.rate}:${r.side}`)).toEqual(['2000:memory', '2000:rabbit', '500:memory', '500:rabbit']);
    expect(rows[0]?.metrics.endToEndP99Us).toEqual({ median: 1100, min: 1000, max: 1200, n: 2 });
    expect(rows[1]?.metrics.cpuPerMessageUs).toEqual({ median: 11.25, min: 10, max: 12.5, n: 2 });
    expect(rows[1]?.targetReached).toBe(1);
    expect(rows.every((r) => r.rounds === 2)).toBe(true);
  });

  it('a side with no samples has no row', () => {
    expect(floorRows([2000], ['memory', 'kafka'], samples).map((r) => r.side)).toEqual(['memory']);
  });

  it('the table: one row per rate and side, medians with min..max under them, the floor line, a shortfall note, the machine', () => {
    const report: FloorReport = {
      kind: 'mqbench-floor',
      version: 1,
      id: 'abcd1234',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
      broker: { name: 'rabbit', url: 'amqp://127.0.0.1:5672', version: '4.1.0', client: { name: 'amqplib', version: '0.10.8' } },
      environment: { mqbenchVersion: '0.1.0', gitCommit: '0123456789abcdef0123-dirty', node: 'v20.0.0', os: 'Linux x64', cpuModel: 'Test CPU', cores: 2, memoryBytes: 1, hostname: 'h' },
      workload: { size: 100, durationSec: 10, warmupSec: 2, rounds: 2, rates: [2000, 500] },
      samples,
      rows: floorRows([2000, 500], ['memory', 'rabbit'], samples),
    };
    const text = renderFloor(report);
    expect(text).toMatch(/2,000 .* memory .* 110 us .* 1.10 ms/);
    expect(text).toMatch(/1000\.\.1200|1\.00\.\.1\.20 ms/);
    expect(text).toContain("floor (memory): mqbench's own latency and CPU with nothing but the harness: the in-memory broker in this process (subtract it from rabbit's rows)");
    expect(text).toContain('note: 2,000 msg/s rabbit: 1 of 2 runs sent under 95% of the rate');
    expect(text).toContain('machine: Test CPU, 2 cores, Linux x64, node v20.0.0, mqbench 0.1.0 (0123456789ab-dirty)');
  });
});
