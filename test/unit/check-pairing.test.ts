/**
 * `bench check` says when it paired workloads that differ, as `bench compare` does (issue 31, item 9):
 * the pair named "A  vs  B" and the fields that differ, in compare's words; repeats of one workload
 * get no such line.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { judge, pairingNotes } from '../../src/report/check.js';
import { defaultRules } from '../../src/report/compare.js';
import { groupResults } from '../../src/report/groups.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);
const limits = { maxP99IncreasePct: 20, maxThroughputDropPct: 10, maxLost: 0, maxSendErrors: 0 };

function run(id: string, change: (r: RunResult) => void = () => undefined): RunResult {
  const r = structuredClone(fixture);
  r.id = id;
  r.counts = { ...r.counts, lost: 0, sendErrors: 0 };
  change(r);
  return r;
}

describe('check: paired workloads that differ', () => {
  test.concurrent('the one baseline workload against another scenario: named as a pair, the differences said', () => {
    const baseline = groupResults([run('b1'), run('b2')]);
    const current = groupResults([run('c1', (r) => (r.workload.scenario = 'noack'))]);
    const verdict = judge(baseline, current, limits, defaultRules);
    const [workload] = verdict.workloads;
    expect(workload?.name).toMatch(/^rabbit: ack .* {2}vs {2}rabbit: noack /);
    expect(workload?.differences).toEqual(['scenario: "ack" -> "noack"']);
    const notes = pairingNotes(verdict);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^paired {5}rabbit: ack .* {2}vs {2}rabbit: noack .*\n {2}differs in: scenario: "ack" -> "noack"$/);
  });

  test.concurrent('a setting the label does not show (prefetch): the name stays, the difference is still said', () => {
    const verdict = judge(groupResults([run('b1')]), groupResults([run('c1', (r) => (r.workload.driver.prefetch = 7))]), limits, defaultRules);
    expect(verdict.workloads[0]?.name).not.toMatch(/ vs /);
    expect(pairingNotes(verdict)).toEqual([expect.stringMatching(/\n {2}differs in: driver\.prefetch: \d+ -> 7$/)]);
  });

  test.concurrent('repeats of the same workload: no differences, no note, the name as before', () => {
    const verdict = judge(groupResults([run('b1')]), groupResults([run('c1')]), limits, defaultRules);
    expect(verdict.workloads[0]?.differences).toBeUndefined();
    expect(verdict.workloads[0]?.name).not.toMatch(/ vs /);
    expect(pairingNotes(verdict)).toEqual([]);
  });
});
