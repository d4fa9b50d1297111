/**
 * The library API as a user imports it: `import { runBenchmark } from 'mqbench'` through the
 * package's `exports` (a fresh Node process, not vitest's module graph).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { repoRoot } from '../helpers.js';

const run = promisify(execFile);

test("import { runBenchmark } from 'mqbench' returns a RunResult and prints nothing", async () => {
  const script = `
    const { runBenchmark, UsageError } = await import('mqbench');
    const result = await runBenchmark({ broker: 'memory', scenario: 'noack', options: { duration: '1s', warmup: '0s' } });
    let usage;
    try { await runBenchmark({ broker: 'memory', scenario: 'noack', options: { rate: 0 } }); } catch (e) { usage = e instanceof UsageError ? e.message : String(e); }
    process.stderr.write(JSON.stringify({ status: result.status, schemaVersion: result.schemaVersion, sent: result.counts.sent, lost: result.counts.lost, usage }));
  `;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
  expect(stdout).toBe('');
  const out = JSON.parse(stderr) as { status: string; schemaVersion: number; sent: number; lost: number; usage: string };
  expect(out).toMatchObject({ status: 'completed', schemaVersion: 2, lost: 0 });
  expect(out.sent).toBeGreaterThan(1000);
  expect(out.usage).toBe('--rate: must be a number of messages per second greater than zero or "max", got "0"');
});
