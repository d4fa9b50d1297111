import { describe, expect, test } from 'vitest';
import { allOptionRows, findPlugin } from '../../src/drivers/index.js';
import { resolveWorkload } from '../../src/plan/workload.js';
import { mergePods } from '../../src/k8s/merge.js';
import type { JobSpec } from '../../src/k8s/job-spec.js';
import { runPod } from '../../src/k8s/pod.js';
import { parseOptions } from '../../src/options.js';
import { findScenario } from '../../src/scenarios/index.js';

function planOf(options: Record<string, string>, startInMs: number, slackMs: number): JobSpec {
  const workload = resolveWorkload(findPlugin('memory'), findScenario('noack'), parseOptions(allOptionRows(), options, ['memory']));
  return { kind: 'mqbench-pod-plan', version: 1, runId: '0123abcd', pods: 2, startAt: new Date(Date.now() + startInMs).toISOString(), slackMs, connectTimeoutMs: 5000, workload };
}

const quiet = { log: () => undefined };

describe('bench worker (one pod, in this process, memory broker)', () => {
  test('two pods run their shares from the common start and merge to every message', async () => {
    const plan = planOf({ producers: '2', partitions: '2', consumers: '2', messages: '500' }, 400, 1000);
    const parts = await Promise.all([runPod(plan, 0, quiet), runPod(plan, 1, quiet)]);
    expect(parts.map((p) => [p.index, p.status, p.producers])).toEqual([[0, 'ok', [0]], [1, 'ok', [1]]]);
    for (const p of parts) {
      expect(p.readyOffsetUs).toBeLessThan(0); // ready before the start: it waited
      expect(p.measurement?.startUs).toBe(0); // times are since the common start
    }
    const { result } = mergePods(parts);
    expect(result.status).toBe('completed');
    expect(result.counts).toMatchObject({ sent: 500, received: 500, lost: 0, duplicated: 0 });
    expect(result.consumers.map((c) => c.consumer)).toEqual([0, 1]); // numbered run-wide
  });

  test('a pod ready after start + slack does not run and says by how much it was late', async () => {
    const plan = planOf({ producers: '2', partitions: '2', consumers: '2' }, -10_000, 1000);
    const part = await runPod(plan, 1, quiet);
    expect(part.status).toBe('late');
    expect(part.measurement).toBeUndefined();
    expect(part.error).toMatch(/^pod 1 was ready 1\d\.\d s after the common start \(slack 1 s\): it did not run$/);
    expect(part.readyOffsetUs).toBeGreaterThan(10_000_000);
  });
});
