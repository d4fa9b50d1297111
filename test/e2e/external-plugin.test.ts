/**
 * A broker plug-in that lives only in a test fixture folder (test/fixtures/plugins/loopback/) joins
 * mqbench through MQBENCH_PLUGINS with no other file changed: the contract suite, `bench run`, `bench list`.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { allOptionRows, driverNames, findPlugin, loadExternalPlugins } from '../../src/drivers/index.js';
import { readResult } from '../../src/results/store.js';
import { describeContract } from '../contract/suite.js';
import { bench } from '../helpers.js';

const fixture = fileURLToPath(new URL('../fixtures/plugins/loopback/index.ts', import.meta.url));
const env = { MQBENCH_PLUGINS: fixture };

await loadExternalPlugins(fixture);
await describeContract(findPlugin('loopback'));

const out = await mkdtemp(join(tmpdir(), 'mqbench-external-plugin-'));
afterAll(() => rm(out, { recursive: true, force: true }));

describe('an external plug-in (MQBENCH_PLUGINS)', () => {
  test('registered: its name among the valid brokers, its option row in the options table; loading it again is a no-op', async () => {
    expect(driverNames).toContain('loopback');
    expect(allOptionRows().filter((row) => row.broker === 'loopback').map((row) => row.name)).toEqual(['loopback-label']);
    await loadExternalPlugins(fixture);
    expect(driverNames.filter((name) => name === 'loopback')).toHaveLength(1);
  });

  test('bench run --broker loopback exits 0 and writes a completed result', async () => {
    const dir = join(out, 'run');
    const run = await bench(['run', '--broker', 'loopback', '--scenario', 'noack', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', dir], { env });
    expect(run.code, run.stderr).toBe(0);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const result = await readResult(join(dir, files[0] as string));
    expect(result.status).toBe('completed');
    expect(result.workload.broker).toBe('loopback');
    expect(result.counts.sent).toBeGreaterThan(0);
    expect(result.counts.received).toBe(result.counts.sent);
    // its settings() ran: its option's default is among the driver settings the result records
    expect(result.workload.driver).toEqual({ delivery: 'noack', label: 'loopback' });
  });

  test('its own flag reaches its driver, in worker processes too (--workers 2)', async () => {
    const dir = join(out, 'workers');
    const args = ['run', '--broker', 'loopback', '--scenario', 'noack', '--loopback-label', 'e2e', '--workers', '2', '--duration', '1s', '--warmup', '0s', '--no-progress', '--out', dir];
    const run = await bench(args, { env });
    expect(run.code, run.stderr).toBe(0);
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const result = await readResult(join(dir, file as string));
    expect(result.status).toBe('completed');
    expect(result.workload.driver).toEqual({ delivery: 'noack', label: 'e2e' });
    expect(result.broker.settings).toMatchObject({ label: 'e2e' });
    expect(result.counts.lost).toBe(0);
  });

  test('bench list shows it, bench run --help its option; without MQBENCH_PLUGINS it is unknown', async () => {
    const list = await bench(['list'], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ {2}loopback +in-process broker of an external plug-in/m);
    const help = await bench(['run', '--help'], { env });
    expect(help.stdout).toContain('--loopback-label');
    const without = await bench(['run', '--broker', 'loopback', '--scenario', 'noack'], { env: { MQBENCH_PLUGINS: '' } });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/^bench: unknown broker "loopback"; valid brokers: /);
  });

  test('a bad path or a module without a plug-in: one line, exit 2', async () => {
    const notPlugin = join(out, 'not-a-plugin.mjs');
    await writeFile(notPlugin, 'export default { hello: 1 };\n');
    const missing = await bench(['list'], { env: { MQBENCH_PLUGINS: join(out, 'nowhere.ts') } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`bench: MQBENCH_PLUGINS: cannot load ${join(out, 'nowhere.ts')}: `);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const empty = await bench(['list'], { env: { MQBENCH_PLUGINS: notPlugin } });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe(`bench: MQBENCH_PLUGINS: ${notPlugin} has no broker plug-in as its default export (an object with name, options, mapping, settings and create)\n`);
  });
});
