/**
 * Brokers in Docker (testcontainers and docker compose). Runs only where a Docker engine answers;
 * elsewhere (this project's development machine has only the docker client) it is skipped, and says why.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findPlugin } from '../../src/drivers/index.js';
import { dockerEngine } from '../../src/provision/docker.js';
import { readResult } from '../../src/results/store.js';
import { bench } from '../helpers.js';

const engine = await dockerEngine();
if (!engine.available) {
  process.stderr.write(`SKIPPED test/e2e/docker.test.ts: ${engine.reason}; the Docker provisioning is tested only where an engine exists\n`);
}

describe.skipIf(!engine.available)('brokers in Docker', () => {
  test.each(['rabbit', 'kafka'] as const)('a throwaway %s container serves a run and is removed after', async (broker) => {
    const plugin = findPlugin(broker);
    const provided = await plugin.provide?.({ url: plugin.endpoint?.defaultUrl ?? '', named: false }, 'docker', () => undefined);
    if (!provided?.release) throw new Error('no container was started');
    const container = { url: provided.url, stop: provided.release };
    const out = await mkdtemp(join(tmpdir(), 'mqbench-docker-'));
    try {
      const urlFlag = broker === 'rabbit' ? '--rabbit-url' : '--kafka-url';
      const run = await bench(['run', '--broker', broker, '--scenario', 'noack', urlFlag, container.url, '--duration', '2s', '--warmup', '1s', '--out', out]);
      expect(run.code, run.stderr).toBe(0);
      const [file] = (await readdir(out)).filter((f) => f.endsWith('.json'));
      const result = await readResult(join(out, file as string));
      expect(result.counts.received).toBe(result.counts.sent);
    } finally {
      await container.stop();
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});

test('without an engine, --provision docker is one line and exit 3', async () => {
  if (engine.available) {
    process.stderr.write('docker.test.ts: an engine answers here; the no-engine message is not checked\n');
    return;
  }
  const run = await bench(['brokers', 'up', 'kafka', '--provision', 'docker']);
  expect(run.code).toBe(3);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/--provision docker: .*use --provision local/);
});
