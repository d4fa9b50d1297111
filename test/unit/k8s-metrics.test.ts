/**
 * `bench k8s render --metrics-port` (issue 30, item 4): the plan carries the port, the pods are
 * annotated for Prometheus' pod discovery (prometheus.io/scrape, port, path) and name the port;
 * without the flag nothing of it is rendered. A bad port is one line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderCommand } from '../../src/commands/k8s.js';
import { readPlan, type JobSpec } from '../../src/k8s/job-spec.js';
import { scrapeAnnotationsOf } from '../../src/k8s/manifests.js';

const base = { image: 'registry.example/mqbench:0.1.0', secret: 'mqbench-broker', cpu: '1', memory: '1Gi', 'start-in': '60s', broker: 'memory', scenario: 'noack', pods: '1' };

async function render(extra: Record<string, unknown>): Promise<{ job: Job; plan: JobSpec }> {
  const [configMap, job] = parseAllDocuments(await renderCommand({ ...base, ...extra })).map((d) => d.toJS() as object);
  const cm = new ConfigMap(configMap as never);
  return { job: new Job(job as never), plan: JSON.parse(cm.data?.['plan.json'] ?? '{}') as JobSpec };
}

describe('k8s render --metrics-port', () => {
  test('the pod template is annotated for scraping and names the port; the plan carries it', async () => {
    const { job, plan } = await render({ 'metrics-port': '9464' });
    job.validate();
    expect(job.spec?.template.metadata?.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
    expect(job.spec?.template.spec?.containers[0]?.ports).toEqual([{ name: 'metrics', containerPort: 9464 }]);
    expect(plan.metricsPort).toBe(9464);
  });

  test('without it: no annotations, no port, nothing in the plan', async () => {
    const { job, plan } = await render({});
    expect(job.spec?.template.metadata?.annotations).toBeUndefined();
    expect(job.spec?.template.spec?.containers[0]?.ports).toBeUndefined();
    expect(plan).not.toHaveProperty('metricsPort');
    expect(scrapeAnnotationsOf({})).toEqual({});
  });

  test.each([
    ['0', '--metrics-port: must be a whole number from 1 to 65,535, got "0"'],
    ['70000', '--metrics-port: must be a whole number from 1 to 65,535, got "70000"'],
    ['9464x', '--metrics-port: must be a whole number from 1 to 65,535, got "9464x"'],
  ])('a bad port is one line: %s', async (port, message) => {
    await expect(renderCommand({ ...base, 'metrics-port': port })).rejects.toThrow(message);
  });

  test('a pod refuses a plan whose metricsPort is not a port', async () => {
    const { plan } = await render({ 'metrics-port': '9464' });
    const dir = await mkdtemp(join(tmpdir(), 'mqbench-k8s-metrics-'));
    try {
      const path = join(dir, 'plan.json');
      await writeFile(path, JSON.stringify({ ...plan, metricsPort: 0 }));
      await expect(readPlan(path)).rejects.toThrow(`--workload: ${path}: metricsPort must be a port from 1 to 65535`);
      await writeFile(path, JSON.stringify(plan));
      await expect(readPlan(path)).resolves.toMatchObject({ metricsPort: 9464 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
