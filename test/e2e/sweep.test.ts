/** `bench sweep` and `bench find-rate` end to end on the memory broker (short runs: the files and documents are under test, not the numbers). */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rateSearchProblem, sweepProblem, type RateSearchDocument, type SweepDocument } from '../../src/results/sweep.js';
import { bench } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-sweep-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const short = ['--duration', '1s', '--warmup', '0.5s', '--no-progress'];

describe('bench sweep', () => {
  test('one result per point, a sweep file, a report; --json prints the sweep document', async () => {
    const out = join(dir, 'sweep');
    const run = await bench(['sweep', '--broker', 'memory', '--scenario', 'noack', '--vary', 'size=100,1KiB', '--rate', '2000', ...short, '--out', out, '--report', join(dir, 'sweep-report'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as SweepDocument;
    expect(sweepProblem(document)).toBeUndefined();
    expect(document.vary).toEqual({ option: 'size', values: ['100', '1KiB'] });
    expect(document.points.map((p) => [p.broker, p.value, p.parsedValue, p.runs.length])).toEqual([
      ['memory', '100', 100, 1],
      ['memory', '1KiB', 1024, 1],
    ]);
    const results = (await readdir(out)).filter((f) => f.endsWith('.json')).sort();
    expect(results).toEqual(document.points.flatMap((p) => p.runs.map((r) => r.file)).sort());
    for (const point of document.points) {
      expect(point.receivedPerSec?.median).toBeGreaterThan(0);
      expect(point.p99Us?.n).toBe(1);
      // the in-process broker's cost is the client's: said, not measured
      expect(point.brokerCpuPerMessageUs).toBeNull();
      expect(point.brokerCostNotMeasured).toMatch(/inside the client process/);
    }
    const sizes = await Promise.all(document.points.map(async (p) => JSON.parse(await readFile(join(out, p.runs[0]?.file as string), 'utf8')).workload.messageSize));
    expect(sizes).toEqual([100, 1024]);
    const [sweepFile] = await readdir(join(out, 'sweeps'));
    expect(JSON.parse(await readFile(join(out, 'sweeps', sweepFile as string), 'utf8'))).toEqual(document);
    const html = await readFile(join(dir, 'sweep-report.html'), 'utf8');
    // no run measured broker CPU: a sentence instead of an empty fifth chart
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).not.toMatch(/<script/);
    expect(await readFile(join(dir, 'sweep-report.md'), 'utf8')).toMatch(/## Broker CPU per message\n\nBroker CPU per message: not measured in any run of this sweep/);
  });

  // the other refusals are unit-tested (test/unit/sweep-plan.test.ts): one CLI check that they reach the user as one line
  test.each([[['--vary', 'partitions=1,0'], /^bench: --partitions: must be a whole number from 1 to 10,000, got "0"$/]])('bad input %j: one line, exit 2, nothing run', async (args, message) => {
    const out = join(dir, 'refused');
    const run = await bench(['sweep', '--broker', 'memory', '--scenario', 'noack', ...args, ...short, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });
});

describe('bench find-rate', () => {
  test('a search within a tight step budget: every step a result file, the search document on stdout', async () => {
    const out = join(dir, 'find');
    const run = await bench(['find-rate', '--broker', 'memory', '--scenario', 'ack', '--slo', 'p99<30s', '--start-rate', '500', '--max-steps', '2', ...short, '--out', out, '--report', join(dir, 'find-report'), '--json']);
    const document = JSON.parse(run.stdout) as RateSearchDocument;
    expect(rateSearchProblem(document)).toBeUndefined();
    // the verdicts depend on the machine (a loaded CI runner may miss 95% of the rate): the search's shape does not
    const [first, second] = document.steps;
    expect(document.steps).toHaveLength(2);
    expect(first?.rate).toBe(500);
    expect(second?.rate).toBe(first?.pass ? 1000 : 250);
    const passed = document.steps.filter((s) => s.pass).map((s) => s.rate);
    // two steps cannot bracket, bisect and confirm: nothing is established, the highest pass is kept apart
    expect(document.foundRate).toBeNull();
    expect(document.highestPassedRate).toBe(passed.length > 0 ? Math.max(...passed) : null);
    expect(document.margin).toBeNull();
    expect(run.code, run.stderr).toBe(1);
    expect(document.stoppedBecause).toMatch(/budget of 2 steps/);
    const results = (await readdir(out)).filter((f) => f.endsWith('.json')).sort();
    expect(results).toEqual(document.steps.map((s) => s.file).sort());
    expect((await readFile(join(dir, 'find-report.html'), 'utf8')).match(/<svg/g)).toHaveLength(1);
  });

  test('--confirm-runs (not --confirm, which is RabbitMQ\'s publisher confirms): taken, and an unconfirmed answer is printed as not established', async () => {
    const out = join(dir, 'find-confirm');
    const run = await bench(['find-rate', '--broker', 'memory', '--scenario', 'ack', '--slo', 'p99<30s', '--start-rate', '500', '--max-steps', '2', '--confirm-runs', '1', ...short, '--out', out, '--report', join(dir, 'find-confirm-report')]);
    expect(run.code, run.stderr).toBe(1);
    const answer = run.stdout.match(/maximum sustainable rate: [^;.]*|no rate passed/)?.[0];
    // two steps (500, then 1000 or 250) cannot bisect and confirm: whatever passed is not established
    expect(answer).toMatch(/^(maximum sustainable rate: not established \(highest passing rate (250|500|1,000) msg\/s, not confirmed\)|no rate passed)$/);
    const [searchFile] = await readdir(join(out, 'searches'));
    const document = JSON.parse(await readFile(join(out, 'searches', searchFile as string), 'utf8')) as RateSearchDocument;
    expect(document.rules.confirmations).toBe(1);
    expect(document.foundRate).toBeNull();
  });

  test.each([[['--slo', 'p99>20ms'], /^bench: --slo: must be a percentile/]])('bad input %j: one line, exit 2', async (args, message) => {
    const run = await bench(['find-rate', '--broker', 'memory', '--scenario', 'ack', ...args, ...short, '--out', join(dir, 'refused')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
