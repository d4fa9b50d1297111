/** Reports, compare and the regression gate on real result files from real RabbitMQ and Kafka runs. */
import * as hdr from 'hdr-histogram-js';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import type { RunResult } from '../../src/results/types.js';
import { bench, repoRoot } from '../helpers.js';

let dir: string;
let rabbitFile: string;
let kafkaFile: string;
let noackDir: string;
let ackDir: string;

/** Real runs of one scenario into their own folder (`--repeat`), short: the numbers are not under test here. */
async function realRuns(broker: string, scenario: string, repeat: number): Promise<string> {
  const out = join(dir, `runs-${broker}-${scenario}`);
  const run = await bench(['run', '--broker', broker, '--scenario', scenario, '--rate', '1000', '--duration', '1s', '--warmup', '0.5s', '--repeat', String(repeat), '--out', out, '--no-progress'], { timeoutMs: 180_000 });
  expect(run.code, run.stderr).toBe(0);
  return out;
}

async function firstResult(folder: string): Promise<string> {
  const [file] = (await readdir(folder)).filter((f) => f.endsWith('.json')).sort();
  return join(folder, file as string);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-report-'));
  const kafka = realRuns('kafka', 'noack', 1);
  noackDir = await realRuns('rabbit', 'noack', 3);
  ackDir = await realRuns('rabbit', 'ack', 3);
  rabbitFile = await firstResult(noackDir);
  kafkaFile = await firstResult(await kafka);
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chromiumPath = process.env.MQBENCH_CHROMIUM ?? '/usr/bin/chromium';

/** A copy of a real result with one event, as a failover run records them: the charts must mark it. */
async function copyWithEvent(file: string, target: string): Promise<void> {
  const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
  result.events = [{ atUs: 500_000, kind: 'fault-injected', detail: 'marker test' }];
  await writeFile(target, JSON.stringify(result, null, 2));
}

describe('bench report', () => {
  test('--out x.html writes x.html and x.md; the page renders every chart with a table under it, one colour per broker + client, in headless Chromium', async () => {
    const out = join(dir, 'reports', 'noack');
    const kafkaWithEvent = join(dir, 'kafka-with-event.json');
    await copyWithEvent(kafkaFile, kafkaWithEvent);
    const run = await bench(['report', rabbitFile, kafkaWithEvent, ackDir, '--out', `${out}.html`, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ runs: 5, markdown: `${out}.md`, html: `${out}.html` });
    expect((await readdir(join(dir, 'reports'))).sort()).toEqual(['noack.html', 'noack.md']);
    const md = await readFile(`${out}.md`, 'utf8');
    expect(md).toMatch(/\| noack 1000 msg\/s, 100 B, 1s after 0\.5s warmup \| rabbit \|/);
    expect(md).toMatch(/\| noack 1000 msg\/s, 100 B, 1s after 0\.5s warmup \| kafka \|/);
    expect(md).toContain('## Accounting');
    const html = await readFile(`${out}.html`, 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // self-contained: no scripts, nothing fetched

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      await page.goto(`file://${out}.html`);
      for (const id of ['latency-percentiles', 'broker-comparison', 'throughput-timeline', 'p99-timeline']) {
        const svg = page.locator(`#${id} svg`);
        await expect.poll(() => svg.count()).toBe(1);
        const box = await svg.boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(300);
        expect(box?.height ?? 0).toBeGreaterThan(200);
        expect(await page.locator(`#${id} svg path`).count()).toBeGreaterThan(5);
        // a table right under every chart, with a row per group or run
        const rows = page.locator(`#${id} + table tbody tr`);
        expect(await rows.count()).toBeGreaterThanOrEqual(3);
      }
      // the percentile axis is logarithmic and labelled as HdrHistogram plots are
      const axis = (await page.locator('#latency-percentiles svg text').allTextContents()).join(' ');
      expect(axis).toMatch(/90%.*99%/);
      expect(axis).toMatch(/rabbit: noack 1000 msg\/s, 100 B, 1s after 0\.5s warmup/);
      expect(axis).toMatch(/kafka: noack/);
      expect(axis).toMatch(/rabbit: ack/);
      // one colour per broker, workload and client (shades of the broker's hue): the same in the tables and as a line in the charts
      const swatches = async (table: string) =>
        // browser-side code as text: the test is compiled without the DOM library
        (await page.evaluate(`[...document.querySelectorAll('table.${table} tbody tr')].map((row) => [row.textContent, getComputedStyle(row.querySelector('.swatch')).backgroundColor])`)) as [string, string][];
      const colours = new Map<string, Set<string>>();
      for (const table of ['percentiles', 'comparison', 'timeline']) {
        for (const [name, colour] of await swatches(table)) {
          const group = /kafka/.test(name) ? 'kafka' : /\bnoack\b/.test(name) ? 'rabbit noack' : 'rabbit ack';
          colours.set(group, (colours.get(group) ?? new Set()).add(colour as string));
        }
      }
      for (const group of ['rabbit noack', 'rabbit ack', 'kafka']) expect(colours.get(group)?.size).toBe(1);
      expect(new Set([...colours.values()].map((set) => [...set][0])).size).toBe(3);
      const strokes = (await page.evaluate(`[...document.querySelectorAll('#p99-timeline svg path')].map((p) => getComputedStyle(p).stroke)`)) as string[];
      for (const set of colours.values()) expect(strokes).toContain([...set][0]);
      // the event is marked on the timelines and listed in their tables
      expect((await page.locator('#throughput-timeline svg text').allTextContents()).join(' ')).toMatch(/fault-injected/);
      expect(await page.locator('table.timeline').textContent()).toMatch(/fault-injected at 0\.5s: marker test/);
      expect(await page.locator('table.accounting tbody tr').count()).toBe(5);
      expect(problems).toEqual([]);
      await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('bench compare', () => {
  test('3 noack vs 3 ack runs: one pair, the differences named, median with spread, a verdict per tested metric', async () => {
    const run = await bench(['compare', '--baseline', noackDir, '--candidate', `${ackDir}/*.json`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/rabbit: noack 1000 msg\/s, 100 B, 1s after 0\.5s warmup {2}vs {2}rabbit: ack 1000 msg\/s/);
    expect(run.stdout).toMatch(/differs in: .*scenario: "noack" -> "ack"/);
    expect(run.stdout).toMatch(/baseline: runs-rabbit-noack \(3 runs\)/);
    expect(run.stdout).toMatch(/\[[\d,.]+ (us|ms) - [\d,.]+ (us|ms)\]/);
    expect(run.stdout).toMatch(/IQR /);
    expect(run.stdout).toMatch(/verdict: (no significant change|significantly (worse|better): .*)\n/);
  });

  test('a set against itself: no significant change; --json is one document', async () => {
    const text = await bench(['compare', noackDir, noackDir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/verdict: no significant change/);
    const json = await bench(['compare', '--baseline', noackDir, '--candidate', noackDir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { pairs: { verdict: string; metrics: { metric: string; p: number | null; baseline: { n: number } }[] }[]; rules: { alpha: number } };
    expect(doc.rules.alpha).toBe(0.1);
    expect(doc.pairs).toHaveLength(1);
    expect(doc.pairs[0]?.verdict).toBe('no significant change');
    expect(doc.pairs[0]?.metrics.find((m) => m.metric === 'end-to-end p99')).toMatchObject({ p: 1, baseline: { n: 3 } });
  });

  test('bad usage is one line and exit 2 (the messages: test/unit/report-options.test.ts)', async () => {
    const run = await bench(['compare', noackDir, ackDir, '--baseline', noackDir]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/either as `compare A B` or as --baseline and --candidate/);
  });
});

/** A copy of a real result whose end-to-end latencies are all 1.5x: "made 50% worse". */
async function slowedCopy(file: string, target: string): Promise<void> {
  const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
  const original = hdr.decodeFromCompressedBase64(result.latencyUs.endToEnd.hdr, 32, false) as hdr.JsHistogram;
  const slower = createHistogram();
  const values = original.recordedValuesIterator;
  values.reset();
  while (values.hasNext()) {
    const v = values.next();
    slower.recordValueWithCount(Math.round(v.valueIteratedTo * 1.5), v.countAtValueIteratedTo);
  }
  result.latencyUs.endToEnd = summarize(slower);
  slower.destroy();
  await writeFile(target, JSON.stringify(result, null, 2));
}

describe('bench check', () => {
  test('3 runs 50% slower than 3 baseline runs: exit 1 naming p99; a set against itself: 0; one run a side is not called', async () => {
    const baseline = join(dir, 'baseline');
    const current = join(dir, 'current');
    await mkdir(baseline, { recursive: true });
    await mkdir(current, { recursive: true });
    for (const i of [1, 2, 3]) {
      await copyFile(rabbitFile, join(baseline, `run${i}.json`));
      await slowedCopy(rabbitFile, join(current, `run${i}.json`));
    }

    const worse = await bench(['check', '--baseline', baseline, '--candidate', current]);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/REGRESSED\s+rabbit: noack 1000 msg\/s, 100 B, 1s after 0\.5s warmup: end-to-end p99 median .* \(\+5\d\.\d%, limit \+20%, p=0\.100\)/);
    const json = await bench(['check', '--baseline', baseline, '--current', current, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: false, workloads: [{ status: 'regressed' }] });

    const same = await bench(['check', '--baseline', baseline, '--candidate', baseline]);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toMatch(/no regression/);

    const single = await bench(['check', '--baseline', rabbitFile, '--candidate', join(current, 'run1.json')]);
    expect(single.code, single.stdout).toBe(0);
    expect(single.stdout).toMatch(/not called rabbit: .*not enough repeats to call \(1 vs 1 run, need 3 on each side\)/);
  });

  test('a damaged file or an unknown schema version is one line and exit 2', async () => {
    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, (await readFile(rabbitFile, 'utf8')).slice(0, 500));
    const future = join(dir, 'future.json');
    await writeFile(future, JSON.stringify({ ...JSON.parse(await readFile(rabbitFile, 'utf8')), schemaVersion: 99 }));
    for (const [file, message] of [
      [damaged, /not a result file \(damaged or not JSON\)/],
      [future, /unknown result schema version 99/],
    ] as const) {
      const run = await bench(['report', file, '--out', join(dir, 'x')]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('bench trend', () => {
  test('5 results from different commits, files out of order: drawn in the order they ran, with a table', async () => {
    const folder = join(dir, 'trend-input');
    await mkdir(folder, { recursive: true });
    const original = JSON.parse(await readFile(rabbitFile, 'utf8')) as RunResult;
    const hours = [3, 0, 4, 1, 2]; // file i holds the run of hour hours[i]
    for (const [i, hour] of hours.entries()) {
      const copy = { ...original, id: `trend${hour}`, startedAt: new Date(Date.parse(original.startedAt) + hour * 3_600_000).toISOString() };
      copy.environment = { ...original.environment, gitCommit: `${hour}`.repeat(40) };
      await writeFile(join(folder, `r${i}.json`), JSON.stringify(copy));
    }
    const html = join(dir, 'trend', 'trend.html');
    const run = await bench(['trend', folder, '--out', html, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { html: string; series: { points: { commit: string }[] }[] };
    expect(doc.html).toBe(html);
    expect(doc.series[0]?.points.map((p) => p.commit[0])).toEqual(['0', '1', '2', '3', '4']);

    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.goto(`file://${html}`);
      expect(await page.locator('figure.chart svg').count()).toBe(2);
      const axis = (await page.locator('#trend-0-p99 svg text').allTextContents()).filter((t) => /^\d{7} /.test(t));
      expect(axis.map((t) => t[0])).toEqual(['0', '1', '2', '3', '4']);
      expect(await page.locator('table.trend tbody tr').count()).toBe(5);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('terminal: --version and one JSON document per command', () => {
  test('bench --version prints the package version; list, brokers and run --repeat 2 with --json print one document each', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const version = await bench(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${pkg.version}\n`);

    const list = await bench(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const doc = JSON.parse(list.stdout) as { brokers: { name: string; mapping: Record<string, string | null> }[]; scenarios: { name: string }[] };
    expect(doc.brokers.map((b) => b.name)).toEqual(expect.arrayContaining(['rabbit', 'kafka', 'memory']));
    expect(doc.scenarios.map((s) => s.name)).toEqual(expect.arrayContaining(['hello-world', 'noack', 'ack']));

    const brokers = await bench(['brokers', 'status', 'rabbit', '--json']);
    expect(brokers.code, brokers.stderr).toBe(0);
    expect(JSON.parse(brokers.stdout)).toMatchObject({ action: 'status', broker: 'rabbit', lines: [expect.stringMatching(/^rabbit /)] });

    const out = join(dir, 'json-repeat');
    const run = await bench(['run', '--broker', 'memory', '--scenario', 'noack', '--rate', '500', '--duration', '2s', '--warmup', '0s', '--repeat', '2', '--json', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as RunResult[];
    expect(results).toHaveLength(2);
    expect(new Set(results.map((r) => r.id)).size).toBe(2);
    expect(run.stderr).toMatch(/\[memory\/noack\] measure/); // not a terminal: plain progress lines
  });
});
