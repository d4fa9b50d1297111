/** `bench check --junit`: the check as JUnit XML, validated against Apache Ant's JUnit schema; the job summary's table. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { judge, type Thresholds } from '../../src/report/check.js';
import { defaultRules } from '../../src/report/compare.js';
import { gateCases, renderCheckMarkdown } from '../../src/report/gate-cases.js';
import { groupResults } from '../../src/report/groups.js';
import { renderJUnit, type JUnitSuite } from '../../src/report/junit.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';

/** windyroad/JUnit-Schema's JUnit.xsd (test/fixtures/junit/SOURCE.md says where from). */
const schema = readFileSync(new URL('../fixtures/junit/JUnit.xsd', import.meta.url), 'utf8');
const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'check.xml', contents: xml }], schema: [schema] });
  return result.errors.map((e) => e.message);
}

/** The fixture with this end-to-end p99 (us), the one latency the check gates; `change` edits anything else. */
function run(id: string, p99: number, change: (r: RunResult) => void = () => undefined): RunResult {
  const r = structuredClone(fixture);
  r.id = id;
  r.latencyUs.endToEnd.p99 = p99;
  change(r);
  return r;
}

const limits: Thresholds = { maxP99IncreasePct: 20, maxThroughputDropPct: 10, maxLost: 0, maxSendErrors: 0 };
const three = (prefix: string, p99s: number[], change?: (r: RunResult) => void) => p99s.map((p99, i) => run(`${prefix}${i}`, p99, change));

function suiteOf(baseline: RunResult[], current: RunResult[], name = 'bench check: baseline vs current'): JUnitSuite {
  const verdict = judge(groupResults(baseline), groupResults(current), limits, defaultRules);
  return {
    name,
    startedAt: new Date('2026-12-07T10:00:00.123Z'),
    hostname: 'ci-runner',
    seconds: 0.25,
    properties: { ...limits, ...defaultRules },
    cases: gateCases(verdict, limits, defaultRules),
    text: 'thresholds: ...\nREGRESSED  rabbit: ...\n',
  };
}

describe('JUnit XML of bench check', () => {
  test.concurrent('a p99 regression: one test case per workload and metric, the regression a failure with the figures; valid against JUnit.xsd', async () => {
    const xml = renderJUnit(suiteOf(three('b', [1000, 1020, 980]), three('c', [1500, 1530, 1470])));
    expect(await schemaErrors(xml)).toEqual([]);
    expect(xml).toContain('tests="5" failures="1" errors="0" skipped="0" time="0.250"');
    expect(xml).toContain('timestamp="2026-12-07T10:00:00" hostname="ci-runner"');
    const names = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => m[2]);
    expect(names).toEqual(['received msg/s', 'end-to-end p99', 'lost messages', 'send errors', 'completed runs']);
    expect(xml).toMatch(
      /<testcase classname="rabbit: ack 1000 msg\/s, 100 B, 5s after 2s warmup" name="end-to-end p99" time="0">\n\s*<failure message="end-to-end p99 median 1\.00 ms -&gt; 1\.50 ms \(\+50\.0%, limit \+20%, p=0\.100\)" type="regression">/,
    );
  });

  test.concurrent('too few repeats: the performance metrics skipped with the counts; lost messages still judged and failed; valid', async () => {
    const xml = renderJUnit(suiteOf([run('b', 1000)], [run('c', 1000, (r) => (r.counts.lost = 3))]));
    expect(await schemaErrors(xml)).toEqual([]);
    expect(xml).toContain('tests="5" failures="1" errors="0" skipped="2"');
    expect(xml).toMatch(/name="received msg\/s" time="0">\n\s*<skipped message="[^"]*not enough repeats to call \(1 vs 1 run, need 3 on each side\)"\/>/);
    expect(xml).toMatch(/name="lost messages" time="0">\n\s*<failure message="3 lost \(limit 0\)" type="regression">/);
  });

  test.concurrent('a workload with no current run fails as one case; names with markup, quotes and control characters stay well-formed and valid', async () => {
    const hostile = (r: RunResult) => (r.workload.scenario = 'a<b>&"c\' \u0001\u001b[31m');
    const suite = suiteOf(three('b', [1000, 1000, 1000], hostile), [], 'bench check: <x> & "y"');
    const xml = renderJUnit(suite);
    expect(await schemaErrors(xml)).toEqual([]);
    expect(xml).toContain('tests="1" failures="1"');
    expect(xml).toContain('name="current runs"');
    expect(xml).toContain('classname="rabbit: a&lt;b&gt;&amp;&quot;c&apos; [31m 1000 msg/s');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  test.concurrent('the schema check is real: a suite without its hostname or with a failure lacking its type is refused', async () => {
    const xml = renderJUnit(suiteOf(three('b', [1000, 1020, 980]), three('c', [1500, 1530, 1470])));
    expect((await schemaErrors(xml.replace(/ hostname="[^"]*"/, ''))).join('\n')).toMatch(/hostname.*is required/);
    expect((await schemaErrors(xml.replace(' type="regression"', ''))).join('\n')).toMatch(/type.*is required/);
  });
});

describe('the check as a Markdown table (GITHUB_STEP_SUMMARY)', () => {
  test.concurrent('a heading, the thresholds, a row per workload and metric; pipes in names escaped', () => {
    const suite = suiteOf(three('b', [1000, 1020, 980], (r) => (r.workload.scenario = 'x|y')), three('c', [1500, 1530, 1470], (r) => (r.workload.scenario = 'x|y')));
    const md = renderCheckMarkdown(suite.cases, 'bench check: baseline vs current: 1 regression(s)', 'thresholds: p99 +20% at most');
    const lines = md.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual(['### bench check: baseline vs current: 1 regression(s)', '', 'thresholds: p99 +20% at most', '', '| result | workload | metric | figures |']);
    expect(lines.filter((l) => l.startsWith('| ❌'))).toEqual([
      '| ❌ regressed | rabbit: x\\|y 1000 msg/s, 100 B, 5s after 2s warmup | end-to-end p99 | end-to-end p99 median 1.00 ms -> 1.50 ms (+50.0%, limit +20%, p=0.100) |',
    ]);
    expect(lines.filter((l) => l.startsWith('| ✅'))).toHaveLength(4);
  });
});
