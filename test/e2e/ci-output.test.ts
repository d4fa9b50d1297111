/**
 * CI-native output, through the real CLI on results of a real run (the memory broker): `bench check
 * --junit FILE` validated against Apache Ant's JUnit schema, the Markdown table appended to
 * GITHUB_STEP_SUMMARY, and `bench report --format omb`.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import type { LatencySummary, RunResult } from '../../src/results/types.js';
import { bench } from '../helpers.js';

let dir: string;
let resultFile: string;
let baseline: string;
let current: string;
const schema = readFile(new URL('../fixtures/junit/JUnit.xsd', import.meta.url), 'utf8');
// never append to a real job summary when the suite itself runs in GitHub Actions
const noSummary = { GITHUB_STEP_SUMMARY: '' };

/** The run with every end-to-end figure 1.5x (its histogram untouched): a p99 50% worse. */
async function slowerCopy(target: string): Promise<void> {
  const result = JSON.parse(await readFile(resultFile, 'utf8')) as RunResult;
  const e2e = result.latencyUs.endToEnd;
  for (const key of ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'p9999', 'max'] as const satisfies readonly (keyof LatencySummary)[]) e2e[key] = Math.round(e2e[key] * 1.5);
  await writeFile(target, JSON.stringify(result));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-ci-output-'));
  const runs = join(dir, 'runs');
  const run = await bench(['run', '--broker', 'memory', '--scenario', 'ack', '--rate', '1000', '--duration', '1s', '--warmup', '0.5s', '--out', runs, '--no-progress'], { env: noSummary });
  expect(run.code, run.stderr).toBe(0);
  resultFile = join(runs, (await readdir(runs)).find((f) => f.endsWith('.json')) as string);
  baseline = join(dir, 'baseline');
  current = join(dir, 'current');
  await mkdir(baseline);
  await mkdir(current);
  for (const i of [1, 2, 3]) {
    await cp(resultFile, join(baseline, `run${i}.json`));
    await slowerCopy(join(current, `run${i}.json`));
  }
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench check --junit and GITHUB_STEP_SUMMARY', () => {
  test('a regression: exit 1, a JUnit file valid against JUnit.xsd with the failure and its figures, the table appended to the summary', async () => {
    const junit = join(dir, 'out', 'check.xml');
    const summary = join(dir, 'summary.md');
    await writeFile(summary, 'an earlier step wrote this\n');
    const check = await bench(['check', '--baseline', baseline, '--current', current, '--junit', junit], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(check.code, check.stderr).toBe(1);
    const xml = await readFile(junit, 'utf8');
    const validation = await validateXML({ xml: [{ fileName: 'check.xml', contents: xml }], schema: [await schema] });
    expect(validation.errors).toEqual([]);
    expect(xml).toMatch(/<testsuite name="bench check: baseline vs current" [^>]*tests="5" failures="1" errors="0" skipped="0"/);
    expect(xml).toMatch(/name="end-to-end p99" time="0">\n\s*<failure message="end-to-end p99 median [\d.]+ (us|ms) -&gt; [\d.]+ (us|ms) \(\+50\.\d%, limit \+20%, p=0\.100\)" type="regression">/);
    const markdown = await readFile(summary, 'utf8');
    expect(markdown).toMatch(/^an earlier step wrote this\n### bench check: baseline vs current: 1 regression\n/);
    expect(markdown).toMatch(/\n\| ❌ regressed \| memory: ack 1000 msg\/s, 100 B, 1s after 0\.5s warmup \| end-to-end p99 \| end-to-end p99 median .* \|\n/);
  });

  test('no regression: exit 0, failures="0"', async () => {
    const junit = join(dir, 'same.xml');
    const check = await bench(['check', '--baseline', baseline, '--candidate', baseline, '--junit', junit], { env: noSummary });
    expect(check.code, check.stderr).toBe(0);
    expect(await readFile(junit, 'utf8')).toMatch(/tests="5" failures="0" errors="0" skipped="0"/);
  });

  test('bad --junit is one line and exit 2: no file named (before any result is read), a folder', async () => {
    for (const [junit, inputs, message] of [
      ['', join(dir, 'nonexistent'), 'bench: --junit: name the file to write, e.g. --junit reports/check.xml'],
      [dir, baseline, `bench: --junit ${dir}: cannot write it (EISDIR)`],
    ] as const) {
      const check = await bench(['check', '--baseline', inputs, '--candidate', inputs, '--junit', junit], { env: noSummary });
      expect(check.code).toBe(2);
      expect(check.stderr.trim()).toBe(message);
    }
  });
});

describe('bench report --format omb', () => {
  test("one OMB result per run: OMB's units (ms), the run's own figures; a bad --format is one line, exit 2", async () => {
    const out = join(dir, 'omb');
    const report = await bench(['report', resultFile, '--format', 'omb', '--out', out, '--json'], { env: noSummary });
    expect(report.code, report.stderr).toBe(0);
    const written = JSON.parse(report.stdout) as { runs: number; omb: string[]; periodSeconds: number };
    expect(written).toMatchObject({ runs: 1, periodSeconds: 10 });
    const result = JSON.parse(await readFile(resultFile, 'utf8')) as RunResult;
    const omb = JSON.parse(await readFile(written.omb[0] as string, 'utf8')) as Record<string, unknown>;
    expect(omb.aggregatedEndToEndLatency99pct).toBe(result.latencyUs.endToEndUncorrected.p99 / 1000);
    expect(omb.driver).toBe(result.broker.name);
    expect((omb.publishRate as number[]).length).toBe(1);

    const bad = await bench(['report', resultFile, '--format', 'xml'], { env: noSummary });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('bench: --format: must be md+html or omb, got "xml"');
  });
});
