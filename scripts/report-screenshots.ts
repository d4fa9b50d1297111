/**
 * Screenshots of the HTML report for the README (docs/report-*.png), made from real result files:
 *   node --import tsx scripts/report-screenshots.ts <result files or folders...> [--out docs]
 * Renders the report as `bench report` does, opens it in headless Chromium (MQBENCH_CHROMIUM, default
 * /usr/bin/chromium) and captures the percentile plot and the p99 timeline with their legends.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { renderHtmlReport } from '../src/report/document.js';
import { readResults } from '../src/results/store.js';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? (args[outIndex + 1] ?? 'docs') : 'docs';
const inputs = args.filter((_, i) => i !== outIndex && i !== outIndex + 1);
if (inputs.length === 0) {
  process.stderr.write('usage: node --import tsx scripts/report-screenshots.ts <result files or folders...> [--out docs]\n');
  process.exit(2);
}

const results = await readResults(inputs);
const work = await mkdtemp(join(tmpdir(), 'mqbench-screenshots-'));
const browser = await chromium.launch({ executablePath: process.env.MQBENCH_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = join(work, 'report.html');
  await writeFile(page, renderHtmlReport(results, 'mqbench report'));
  const tab = await browser.newPage({ viewport: { width: 1150, height: 900 } });
  await tab.goto(`file://${page}`);
  await mkdir(out, { recursive: true });
  for (const [id, name] of [
    ['latency-percentiles', 'report-latency-percentiles.png'],
    ['p99-timeline', 'report-p99-over-time.png'],
  ] as const) {
    await tab.locator(`#${id}`).screenshot({ path: join(out, name) });
    process.stdout.write(`${join(out, name)}\n`);
  }
} finally {
  await browser.close();
  await rm(work, { recursive: true, force: true });
}
