/**
 * Issue 29, items 10 and 11, and item 4's `bench merge` exit code, through the CLI: a forged result file
 * or pod line is refused with one line and exit 2 (never an abort at 2.3 GB, a percentile of 0 us or an
 * "unexpected error"), and a merge that lost messages does not exit 0. The result file is a real one
 * (the memory broker, 1 s), then forged field by field; the pod lines are built as `bench worker` prints them.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PartialMeasurement } from '../../src/engine/participant.js';
import type { PodPartial } from '../../src/k8s/partial.js';
import { maxInflatedBytes } from '../../src/results/histogram-bounds.js';
import type { RunResult } from '../../src/results/types.js';
import { forgedHistogram, inflatingHistogram, podLine, podWorkload } from '../forged-files.js';
import { bench } from '../helpers.js';

let dir: string;
let realText: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-untrusted-'));
  const out = join(dir, 'real');
  const run = await bench(['run', '--broker', 'memory', '--scenario', 'noack', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  const [file] = await readdir(out);
  realText = await readFile(join(out, file as string), 'utf8');
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The real result changed by `change`, written as `name`. */
async function forgedResult(name: string, change: (result: RunResult) => void, text?: (json: string) => string): Promise<string> {
  const result = JSON.parse(realText) as RunResult;
  change(result);
  const path = join(dir, name);
  const json = JSON.stringify(result, null, 2);
  await writeFile(path, text ? text(json) : json);
  return path;
}

/** `bench report` on one file: exit 2 and exactly this one line on stderr, nothing written. */
async function expectRefusedReport(path: string, line: string): Promise<void> {
  const out = `${path}.report/`;
  const run = await bench(['report', path, '--out', out], { timeoutMs: 30_000 });
  expect(run.stderr).toBe(`bench: ${path}: damaged result file: ${line}\n`);
  expect(run.code).toBe(2);
  await expect(readdir(out)).rejects.toThrow('ENOENT');
}

describe('bench report on a forged result file', () => {
  test.concurrent('"sent": 1e999 is refused by field, not shown as ∞', async () => {
    const path = await forgedResult('infinite.json', () => undefined, (json) => json.replace(/"sent": \d+/, '"sent": 1e999'));
    await expectRefusedReport(path, '/counts/sent must be a finite number (it reads as Infinity)');
  });

  test.concurrent('2^32 - 1 values of 2^52 us (every percentile shown as 0 us before) is refused', async () => {
    const path = await forgedResult('big-value.json', (r) => void (r.latencyUs.endToEnd.hdr = forgedHistogram(2 ** 52, 2 ** 32 - 1)));
    await expectRefusedReport(path, '/latencyUs/endToEnd/hdr tracks values up to 9007199254740992 us, beyond the 8796093022208 us a result may hold');
  });

  test.concurrent('a histogram that inflates to 100 MB (an abort at 2.3 GB RSS, exit 4, before) is refused', async () => {
    const path = await forgedResult('bomb.json', (r) => void (r.latencyUs.endToEndUncorrected.hdr = inflatingHistogram(100_000_000)));
    await expectRefusedReport(path, `/latencyUs/endToEndUncorrected/hdr inflates to more than ${maxInflatedBytes} bytes, more than any histogram mqbench writes`);
  });

  test.concurrent('a histogram with more values than the messages it times is refused', async () => {
    const result = JSON.parse(realText) as RunResult;
    const received = result.counts.received;
    const path = await forgedResult('more.json', (r) => {
      r.latencyUs.endToEnd.hdr = forgedHistogram(250, received + 1);
      r.latencyUs.endToEnd.count = received + 1;
    });
    await expectRefusedReport(path, `/latencyUs/endToEnd/count is ${received + 1}, more than the ${received} messages it times (/counts/received)`);
  });
});

const latencies = Array.from({ length: 500 }, (_, i) => 40 + (i % 300));
const measurementOf = (p: PodPartial): PartialMeasurement => p.measurement as PartialMeasurement;

/** The pods' lines in one log file, then `bench merge` on it. */
async function merge(name: string, pods: readonly PodPartial[]): Promise<{ code: number | null; stdout: string; stderr: string; log: string; out: string }> {
  const folder = join(dir, name);
  await mkdir(folder);
  const log = join(folder, 'pods.log');
  await writeFile(log, `pod 0: ready\n${pods.map((p) => JSON.stringify(p)).join('\n')}\n`);
  const out = join(folder, 'results');
  return { ...(await bench(['merge', log, '--out', out], { timeoutMs: 30_000 })), log, out };
}

/** Refused: exit 2, this one line, no result written. */
async function expectRefusedMerge(run: Awaited<ReturnType<typeof merge>>, line: string): Promise<void> {
  expect(run.stderr).toBe(`bench: ${line}\n`);
  expect(run.code).toBe(2);
  expect(await readdir(run.out).catch(() => [])).toEqual([]);
}

describe('bench merge on bad or mismatched pod lines', () => {
  test.concurrent('a negative count (an "unexpected error", exit 4, before)', async () => {
    const bad = podLine(1, latencies);
    (measurementOf(bad).streams[0] as { counts: { received: number } }).counts.received = -3;
    const run = await merge('negative', [podLine(0, latencies), bad]);
    await expectRefusedMerge(run, `pod 1 (${run.log}:3): /measurement/streams/0/counts/received must be a count (a whole number >= 0), not -3; not merged`);
  });

  test.concurrent('a bad histogram', async () => {
    const bad = podLine(0, latencies);
    measurementOf(bad).histograms.sendDelay = forgedHistogram(2 ** 52, 1);
    const run = await merge('histogram', [bad, podLine(1, latencies)]);
    await expectRefusedMerge(run, `pod 0 (${run.log}:2): /measurement/histograms/sendDelay tracks values up to 9007199254740992 us, beyond the 8796093022208 us a result may hold; not merged`);
  });

  test.concurrent('pods that disagree on the message size (merged silently before)', async () => {
    const other = { ...podLine(1, latencies), workload: { ...podWorkload, messageSize: 4096 } };
    const run = await merge('size', [podLine(0, latencies), other]);
    await expectRefusedMerge(run, `run abcd1234: pod 1 (${run.log}:3) disagrees with pod 0 (${run.log}:2) on /workload/messageSize (4096 vs 100): the pods of one run share one workload`);
  });

  test.concurrent('a log file too large to hold as a string is refused unread (ERR_STRING_TOO_LONG, exit 4, before)', async () => {
    const log = join(dir, 'huge.log');
    await writeFile(log, '');
    await truncate(log, 600 * 1024 * 1024); // sparse: no disk used
    const run = await bench(['merge', log, '--out', join(dir, 'huge-results')], { timeoutMs: 30_000 });
    expect(run.stderr).toBe(`bench: ${log}: 629145600 bytes, too large for the pods' logs (at most 268435456); give the pods' logs alone\n`);
    expect(run.code).toBe(2);
  });

  test.concurrent('messages lost: the ✗ check decides the exit code (exit 0 before), the result is written', async () => {
    const run = await merge('lost', [podLine(0, latencies), podLine(1, latencies, 3)]);
    expect(run.stdout).toContain('✗ every message accounted for (lost 497, duplicated 0)');
    expect(run.code, run.stderr).toBe(1);
    expect(await readdir(run.out)).toHaveLength(1);
  });
});
