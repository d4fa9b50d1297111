/**
 * Output first: a run checks where it will write before it starts; inputs that are not regular files
 * are refused; damaged or foreign result files are skipped with a count; a report is written as a set.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bench } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-output-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const memoryRun = ['run', '--broker', 'memory', '--scenario', 'noack', '--duration', '1s', '--warmup', '0s'];

describe('--out is checked before the run starts', () => {
  test('a file where a folder is expected: exit 2 before anything runs', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const run = await bench([...memoryRun, '--out', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`bench: --out: ${file} is not a folder`);
  });

  test('a folder that cannot be created', async () => {
    const run = await bench([...memoryRun, '--out', '/proc/mqbench-nope']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^bench: --out: cannot create \/proc\/mqbench-nope \(E[A-Z]+\)$/);
  });

  test('a missing folder is created', async () => {
    const out = join(dir, 'new', 'deeper');
    const run = await bench([...memoryRun, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(out)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });
});

test('a workload file that is not a regular file (a FIFO) is refused, not read forever', async () => {
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  const run = await bench(['run', '--workload', fifo, '--broker', 'memory', '--scenario', 'noack'], { timeoutMs: 60_000 });
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toBe(`bench: --workload: ${fifo} is not a regular file`);
});

describe('report, compare and check skip damaged files with a count', () => {
  test('one good and two bad files: the report is written, the bad ones named', async () => {
    const results = join(dir, 'mixed');
    const good = await bench([...memoryRun, '--out', results]);
    expect(good.code, good.stderr).toBe(0);
    await writeFile(join(results, 'damaged.json'), '{"schemaVersion": 2, "id": ');
    await writeFile(join(results, 'foreign.json'), JSON.stringify({ name: 'not a result' }));
    const report = await bench(['report', results, '--out', join(dir, 'r.html')]);
    expect(report.code, report.stderr).toBe(0);
    const lines = report.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^skipped .*damaged\.json: not a result file \(damaged or not JSON\)$/);
    expect(lines[1]).toMatch(/^skipped .*foreign\.json: unknown result schema version undefined/);
    expect(lines[2]).toBe('2 files skipped, 1 read');
    // --out r.html names the pair r.md + r.html, not r.html.html
    expect((await readdir(dir)).filter((f) => f.startsWith('r.')).sort()).toEqual(['r.html', 'r.md']);
    expect(await readFile(join(dir, 'r.md'), 'utf8')).toMatch(/memory/);
  });
});
