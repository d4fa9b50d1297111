/** The run plan: options parsed once per `bench run`, resolved in one chain, plain data. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import * as faultOptions from '../../src/plan/fault-options.js';
import * as options from '../../src/options.js';
import { runMany } from '../../src/commands/run.js';
import { planRuns } from '../../src/plan/index.js';

vi.mock('../../src/options.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/options.js')>();
  return { ...actual, parseOptions: vi.fn(actual.parseOptions) };
});
vi.mock('../../src/plan/fault-options.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/plan/fault-options.js')>();
  return { ...actual, withScenarioDefaults: vi.fn(actual.withScenarioDefaults), faultPlanOf: vi.fn(actual.faultPlanOf) };
});

const out = await mkdtemp(join(tmpdir(), 'mqbench-plan-'));
afterAll(() => rm(out, { recursive: true, force: true }));
const quit = (code: number): never => {
  throw new Error(`quit(${code}) was called`);
};

describe('the options are parsed once', () => {
  test('a whole `bench run` of two repeats parses its options once', async () => {
    vi.mocked(options.parseOptions).mockClear();
    const code = await runMany({ broker: 'memory', scenario: 'noack', duration: '1s', warmup: '0s', repeat: 2 }, { out, json: false, progress: false, print: false, quit });
    expect(code).toBe(0);
    expect(vi.mocked(options.parseOptions)).toHaveBeenCalledTimes(1);
    expect((await readdir(out)).filter((name) => name.endsWith('.json'))).toHaveLength(2);
  });

  test('a failover plan applies the scenario defaults and makes its fault plan once', () => {
    vi.mocked(faultOptions.withScenarioDefaults).mockClear();
    vi.mocked(faultOptions.faultPlanOf).mockClear();
    const [plan] = planRuns({ broker: 'rabbit', scenario: 'failover' });
    expect(vi.mocked(faultOptions.withScenarioDefaults)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(faultOptions.faultPlanOf)).toHaveBeenCalledTimes(1);
    expect(plan?.fault).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: 15_000_000 });
    expect(plan?.workload.fault).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: 15_000_000, clients: 'spread', lateJoiners: 0 });
  });
});

describe('planRuns', () => {
  test('one plain, serialisable plan per broker, each with only its own plug-in options', () => {
    const plans = planRuns({ broker: 'rabbit,kafka', scenario: 'ack', prefetch: 500, linger: 2, duration: '3s' });
    expect(plans.map((p) => p.broker)).toEqual(['rabbit', 'kafka']);
    for (const plan of plans) expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(plans[0]?.workload.driver).toMatchObject({ prefetch: 500 });
    expect(plans[1]?.workload.driver).toMatchObject({ lingerMs: 2 });
    expect(plans[0]?.workload.durationUs).toBe(3_000_000);
  });

  test('a bad value for the second broker is refused before any plan is returned', () => {
    expect(() => planRuns({ broker: 'memory,nosuch', scenario: 'noack' })).toThrow(/^unknown broker "nosuch"; valid brokers: /);
    expect(() => planRuns({ broker: 'memory', scenario: 'noack', workers: 0 })).toThrow('--workers: must be a whole number from 1 to 16, got "0"');
  });
});
