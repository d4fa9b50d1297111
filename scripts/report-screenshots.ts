/**
 * Screenshots of the HTML pages mqbench draws, made from real result files, for docs/:
 *   node --import tsx scripts/report-screenshots.ts <results...> [--sweep <sweep file>] [--trend <results...>]
 *        [--out docs] [--figures <folder>]
 * Renders each page as `bench report`, `bench sweep` and `bench trend` do, opens it in headless Chromium
 * (MQBENCH_CHROMIUM, default /usr/bin/chromium) and captures the percentile plot and the p99 timeline
 * as the README shows them (--out: report-latency-percentiles.png, report-p99-over-time.png) and each
 * whole page (--out/screenshots: report.png, sweep.png, trend.png); --figures: every chart on its own.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { defaultThresholds } from '../src/report/check.js';
import { defaultRules } from '../src/report/compare.js';
import { renderHtmlReport } from '../src/report/document.js';
import { renderSweepHtml } from '../src/report/sweep.js';
import { renderTrendHtml } from '../src/report/trend-document.js';
import { trendSeries } from '../src/report/trend.js';
import { readResults } from '../src/results/store.js';
import type { SweepDocument } from '../src/results/sweep.js';

const flags = ['--report', '--sweep', '--trend', '--out', '--figures'] as const;
type Flag = (typeof flags)[number];

/** `--flag value...` lists: each flag takes the arguments up to the next flag; the first ones are the report's results. */
function parse(args: readonly string[]): Map<Flag, string[]> {
  const parsed = new Map<Flag, string[]>([['--report', []]]);
  let current: Flag = '--report';
  for (const arg of args) {
    if ((flags as readonly string[]).includes(arg)) parsed.set((current = arg as Flag), []);
    else parsed.get(current)?.push(arg);
  }
  return parsed;
}

const args = parse(process.argv.slice(2));
const reportInputs = args.get('--report') ?? [];
if (reportInputs.length === 0) {
  process.stderr.write('usage: node --import tsx scripts/report-screenshots.ts <results...> [--sweep <sweep file>] [--trend <results...>] [--out docs] [--figures <folder>]\n');
  process.exit(2);
}
const out = args.get('--out')?.[0] ?? 'docs';
const pagesOut = join(out, 'screenshots');

async function pages(): Promise<Map<string, string>> {
  const html = new Map([['report', renderHtmlReport(await readResults(reportInputs), 'mqbench report')]]);
  const sweepFile = args.get('--sweep')?.[0];
  if (sweepFile) html.set('sweep', renderSweepHtml(JSON.parse(await readFile(sweepFile, 'utf8')) as SweepDocument, 'mqbench sweep'));
  const trendInputs = args.get('--trend') ?? [];
  if (trendInputs.length > 0) html.set('trend', renderTrendHtml(trendSeries(await readResults(trendInputs), defaultThresholds, defaultRules), 'mqbench trend'));
  return html;
}

async function capture(browser: Browser, name: string, html: string, work: string): Promise<void> {
  const file = join(work, `${name}.html`);
  await writeFile(file, html);
  const tab = await browser.newPage({ viewport: { width: 1150, height: 900 } });
  await tab.goto(`file://${file}`);
  await tab.screenshot({ path: join(pagesOut, `${name}.png`), fullPage: true });
  process.stdout.write(`${join(pagesOut, `${name}.png`)}\n`);
  if (name === 'report') {
    for (const [id, png] of [['latency-percentiles', 'report-latency-percentiles.png'], ['p99-timeline', 'report-p99-over-time.png']] as const) {
      await tab.locator(`#${id}`).screenshot({ path: join(out, png) });
      process.stdout.write(`${join(out, png)}\n`);
    }
  }
  const figures = args.get('--figures')?.[0];
  if (figures) {
    await mkdir(figures, { recursive: true });
    const all = tab.locator('figure');
    for (let i = 0; i < (await all.count()); i++) await all.nth(i).screenshot({ path: join(figures, `${name}-${i}.png`) });
  }
  await tab.close();
}

const work = await mkdtemp(join(tmpdir(), 'mqbench-screenshots-'));
const browser = await chromium.launch({ executablePath: process.env.MQBENCH_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  await mkdir(pagesOut, { recursive: true });
  for (const [name, html] of await pages()) await capture(browser, name, html, work);
} finally {
  await browser.close();
  await rm(work, { recursive: true, force: true });
}
