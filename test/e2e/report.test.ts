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

async function realRun(broker: string): Promise<string> {
  const out = join(dir, `runs-${broker}`);
  const run = await bench(['run', '--broker', broker, '--scenario', 'noack', '--rate', '1000', '--duration', '2s', '--warmup', '1s', '--out', out, '--no-progress']);
  expect(run.code, run.stderr).toBe(0);
  const [file] = (await readdir(out)).filter((f) => f.endsWith('.json'));
  return join(out, file as string);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-report-'));
  rabbitFile = await realRun('rabbit');
  kafkaFile = await realRun('kafka');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chromiumPath = process.env.MQBENCH_CHROMIUM ?? '/usr/bin/chromium';

describe('bench report', () => {
  test('writes Markdown and HTML for a Kafka and a RabbitMQ run; the HTML renders its charts in headless Chromium', async () => {
    const out = join(dir, 'reports', 'noack');
    const run = await bench(['report', rabbitFile, kafkaFile, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const md = await readFile(`${out}.md`, 'utf8');
    expect(md).toMatch(/\| noack 1000 msg\/s, 100 B \| rabbit \|/);
    expect(md).toMatch(/\| noack 1000 msg\/s, 100 B \| kafka \|/);
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
      for (const id of ['latency-percentiles', 'broker-comparison', 'throughput-timeline']) {
        const svg = page.locator(`#${id} svg`);
        await expect.poll(() => svg.count()).toBe(1);
        const box = await svg.boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(300);
        expect(box?.height ?? 0).toBeGreaterThan(200);
        expect(await page.locator(`#${id} svg path`).count()).toBeGreaterThan(5);
      }
      // the legend names both brokers, drawn as SVG text
      const legend = await page.locator('#latency-percentiles svg text').allTextContents();
      expect(legend.join(' ')).toMatch(/rabbit: noack/);
      expect(legend.join(' ')).toMatch(/kafka: noack/);
      expect(await page.locator('table.accounting tbody tr').count()).toBe(2);
      expect(problems).toEqual([]);
      await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

test('bench compare puts two runs side by side with deltas', async () => {
  const run = await bench(['compare', rabbitFile, kafkaFile]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/rabbit vs kafka: noack 1000 msg\/s/);
  expect(run.stdout).toMatch(/end-to-end p99/);
  expect(run.stdout).toMatch(/[+-]\d+\.\d%/);
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
  test('exits 1 naming p99 when the current run is 50% slower than the baseline; 0 against itself', async () => {
    const baseline = join(dir, 'baseline');
    const current = join(dir, 'current');
    await mkdir(baseline, { recursive: true });
    await mkdir(current, { recursive: true });
    await copyFile(rabbitFile, join(baseline, 'run.json'));
    await slowedCopy(rabbitFile, join(current, 'run.json'));

    const worse = await bench(['check', '--baseline', baseline, '--current', current]);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/REGRESSED\s+rabbit: noack 1000 msg\/s, 100 B: p99 .* \(\+5\d\.\d%, limit \+20%\)/);

    const same = await bench(['check', '--baseline', baseline, '--current', baseline]);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toMatch(/no regression/);
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
