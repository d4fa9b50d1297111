/**
 * `bench run --metrics-port` (issue 30, item 4): a Prometheus scrape of a running run, on the
 * in-memory broker and on the real RabbitMQ. The text is read by a strict parser of the exposition
 * format (below): every line a HELP, a TYPE or a sample of the metric the last TYPE named, labels
 * quoted and escaped, values numbers. Sent and received must grow between scrapes, the series carry
 * broker, scenario and the result's run id, and the port is free again when bench has exited.
 * A bad or busy port is one line and exit 2 before anything connects.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readResult } from '../../src/results/store.js';
import { bench, type CliRun } from '../helpers.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(?:,|$)/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = labelPair.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    const [whole, name = '', value = ''] = match;
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** Prometheus text format 0.0.4, strictly (OpenMetrics with `openMetrics`: counters' samples end in _total, `# EOF` last). */
function parseExposition(text: string, openMetrics = false): Sample[] {
  const samples: Sample[] = [];
  let typed: { name: string; type: string } | undefined;
  const lines = text.split('\n');
  if (openMetrics) expect(lines.slice(-2)).toEqual(['# EOF', '']);
  for (const line of openMetrics ? lines.slice(0, -2) : lines) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      expect(name).toMatch(metricName);
      if (kind === 'TYPE') {
        expect(['counter', 'gauge']).toContain(rest);
        typed = { name, type: rest };
      }
      continue;
    }
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name = '', labels = '', value = ''] = match;
    const expected = openMetrics && typed?.type === 'counter' ? `${typed.name}_total` : typed?.name;
    expect(name, `${line} (after TYPE ${typed?.name ?? 'none'})`).toBe(expected);
    expect(value).toMatch(/^(-?\d+(\.\d+)?(e[-+]?\d+)?|NaN|[-+]Inf)$/);
    samples.push({ name, labels: parseLabels(labels, line), value: Number(value) });
  }
  return samples;
}

/** A port nothing listens on now (the kernel's pick, released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Whether anything accepts a connection on the port. */
async function listening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Scrapes every 400 ms while the run goes: the parsed scrapes that answered. */
async function scrapeWhile(run: Promise<CliRun>, port: number): Promise<{ run: CliRun; scrapes: Sample[][]; openMetrics: string[] }> {
  let done = false;
  const finished = run.finally(() => (done = true));
  const scrapes: Sample[][] = [];
  const openMetrics: string[] = [];
  while (!done) {
    await sleep(400);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    if (!response) continue;
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    scrapes.push(parseExposition(await response.text()));
    const om = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } }).catch(() => undefined);
    if (om?.ok) openMetrics.push(await om.text());
  }
  return { run: await finished, scrapes, openMetrics };
}

const valueOf = (scrape: Sample[], name: string): number | undefined => scrape.find((s) => s.name === name)?.value;

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-metrics-port-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs bench with --metrics-port, scraping it; checks the series and returns the scrapes that had counts. */
async function scrapedRun(broker: string, dir: string): Promise<Sample[][]> {
  const port = await freePort();
  const args = ['run', '--broker', broker, '--scenario', 'noack', '--duration', '4s', '--warmup', '1s', '--rate', '2000', '--no-progress', '--metrics-port', String(port), '--out', dir];
  const { run, scrapes, openMetrics } = await scrapeWhile(bench(args), port);
  expect(run.code, run.stderr).toBe(0);
  const [file] = await readdir(dir);
  const result = await readResult(join(dir, file ?? ''));
  const counted = scrapes.filter((s) => (valueOf(s, 'mqbench_sent_messages_total') ?? 0) > 0);
  expect(counted.length, `${scrapes.length} scrapes`).toBeGreaterThanOrEqual(3);
  for (const scrape of counted) {
    for (const sample of scrape) expect(sample.labels).toMatchObject({ broker, scenario: 'noack', run_id: result.id });
    for (const name of ['mqbench_received_messages_total', 'mqbench_send_errors_total', 'mqbench_in_flight_messages', 'mqbench_lost_so_far_messages']) expect(valueOf(scrape, name), name).toBeGreaterThanOrEqual(0);
  }
  const sent = counted.map((s) => valueOf(s, 'mqbench_sent_messages_total') ?? 0);
  const received = counted.map((s) => valueOf(s, 'mqbench_received_messages_total') ?? 0);
  expect(sent.at(-1)).toBeGreaterThan(sent[0] ?? Infinity);
  expect(received.at(-1)).toBeGreaterThan(received[0] ?? Infinity);
  // never more than the run sent in all (warmup included), and never down
  expect(sent.at(-1)).toBeLessThanOrEqual(result.counts.sent + 2000 * 1.5);
  expect([...sent].sort((a, b) => a - b)).toEqual(sent);
  // a measured second has passed in the later scrapes: its latency quantiles, in seconds
  const latency = counted.at(-1)?.filter((s) => s.name === 'mqbench_end_to_end_latency_seconds') ?? [];
  expect(latency.map((s) => s.labels.quantile)).toEqual(['0.5', '0.9', '0.99', '0.999', '1']);
  for (const sample of latency) expect(sample.value).toBeGreaterThan(0);
  expect(latency[4]?.value).toBeLessThan(60);
  // an open loop (--rate): how late the last second's sends went out, by the same quantiles
  const delay = counted.at(-1)?.filter((s) => s.name === 'mqbench_send_delay_seconds') ?? [];
  expect(delay.map((s) => s.labels.quantile)).toEqual(['0.5', '0.9', '0.99', '0.999', '1']);
  for (const sample of delay) expect(sample.value).toBeGreaterThanOrEqual(0);
  expect(openMetrics.length).toBeGreaterThan(0);
  for (const text of openMetrics) parseExposition(text, true);
  expect(await listening(port)).toBe(false);
  return counted;
}

describe('bench run --metrics-port', () => {
  test('memory: scraped during the run, sent and received grow, labelled by broker, scenario and run id; the port is freed at the end', async () => {
    const counted = await scrapedRun('memory', join(out, 'memory'));
    const phases = counted.map((s) => s.filter((x) => x.name === 'mqbench_phase' && x.value === 1).map((x) => x.labels.phase));
    for (const phase of phases) expect(phase).toHaveLength(1);
    expect(phases.flat()).toContain('measure');
  });

  test('RabbitMQ noack: the same scrape against the real broker', async () => {
    await scrapedRun('rabbit', join(out, 'rabbit'));
  });
});

describe('the port is freed however the run ends; a pod serves it too', () => {
  test('Ctrl-C (SIGINT) mid-run: the run ends interrupted and the port is free', async () => {
    const port = await freePort();
    let pid: number | undefined;
    const args = ['run', '--broker', 'memory', '--scenario', 'noack', '--duration', '30s', '--warmup', '0s', '--rate', '1000', '--no-progress', '--metrics-port', String(port), '--out', join(out, 'interrupted')];
    const running = bench(args, { onSpawn: (p) => (pid = p) });
    let sent = 0;
    for (let i = 0; i < 50 && sent === 0; i++) {
      await sleep(200);
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
      sent = valueOf(parseExposition(text), 'mqbench_sent_messages_total') ?? 0;
    }
    expect(sent).toBeGreaterThan(0);
    process.kill(pid ?? 0, 'SIGINT');
    const run = await running;
    expect(run.code).toBe(4);
    expect(await listening(port)).toBe(false);
  });

  test('bench worker (a pod) serves its share, labelled with the pod index and the Job\'s run id', async () => {
    const dir = join(out, 'pod');
    const port = await freePort();
    const render = await bench(['k8s', 'render', '--broker', 'memory', '--scenario', 'noack', '--pods', '1', '--rate', '1000', '--duration', '3s', '--warmup', '1s', '--metrics-port', String(port), '--out', dir]);
    expect(render.code, render.stderr).toBe(0);
    const manifest = (await readdir(dir)).find((f) => f.endsWith('.yaml')) ?? '';
    const yaml = await readFile(join(dir, manifest), 'utf8');
    expect(yaml).toContain(`prometheus.io/port: "${port}"`);
    const planText = /plan\.json: \|\n((?: {4}.*\n)+)/.exec(yaml)?.[1]?.replace(/^ {4}/gm, '') ?? '{}';
    const plan = { ...(JSON.parse(planText) as { runId: string }), startAt: new Date(Date.now() + 4000).toISOString() };
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const { run, scrapes } = await scrapeWhile(bench(['worker', '--workload', planFile], { env: { JOB_COMPLETION_INDEX: '0' } }), port);
    expect(run.code, run.stderr).toBe(0);
    const counted = scrapes.filter((s) => (valueOf(s, 'mqbench_sent_messages_total') ?? 0) > 0);
    expect(counted.length).toBeGreaterThanOrEqual(2);
    for (const sample of counted.flat()) expect(sample.labels).toMatchObject({ broker: 'memory', scenario: 'noack', run_id: plan.runId, pod: '0' });
    expect(await listening(port)).toBe(false);
  });
});

describe('--metrics-port refused before anything connects', () => {
  // a broker that is not there: had bench connected first, it would have said so with exit 3
  const unreachable = ['run', '--broker', 'rabbit', '--rabbit-url', 'amqp://127.0.0.1:1', '--scenario', 'noack', '--duration', '2s', '--no-progress'];

  test('not a port: one line, exit 2', async () => {
    for (const [port, shownAs] of [['0', '"0"'], ['65536', '"65536"'], ['http', '"http"']] as const) {
      const run = await bench([...unreachable, '--metrics-port', port, '--out', join(out, 'bad')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`bench: --metrics-port: must be a whole number from 1 to 65,535, got ${shownAs}\n`);
      expect(run.stdout).toBe('');
    }
  });

  test('a port in use: one line naming it, exit 2, no result', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const dir = join(out, 'busy');
      const run = await bench([...unreachable, '--metrics-port', String(port), '--out', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`bench: --metrics-port ${port}: 127.0.0.1:${port} is in use (another process listens there): choose another port or stop that process\n`);
      expect(run.stdout).toBe('');
      expect(await readdir(dir).catch(() => [])).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
