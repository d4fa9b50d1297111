import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderCommand } from '../../src/commands/k8s.js';
import type { JobSpec } from '../../src/k8s/job-spec.js';

const base = { image: 'registry.example/mqbench:0.1.0', secret: 'mqbench-broker', cpu: '2', memory: '1Gi', 'start-in': '60s' };

async function render(extra: Record<string, unknown>): Promise<{ yaml: string; configMap: ConfigMap; job: Job; plan: JobSpec }> {
  const yaml = await renderCommand({ ...base, ...extra });
  const [configMap, job] = parseAllDocuments(yaml).map((d) => d.toJS() as object);
  const cm = new ConfigMap(configMap as never);
  const jb = new Job(job as never);
  return { yaml, configMap: cm, job: jb, plan: JSON.parse(cm.data?.['plan.json'] ?? '{}') as JobSpec };
}

describe('bench k8s render', () => {
  test('3 pods on RabbitMQ: a ConfigMap and an Indexed Job that validate against the Kubernetes schemas', async () => {
    const { configMap, job, plan } = await render({ broker: 'rabbit', scenario: 'partitioned', pods: '3', partitions: '3', producers: '3', rate: '3000', namespace: 'bench' });
    configMap.validate();
    job.validate();
    const spec = job.spec!;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBe(3);
    expect(spec.parallelism).toBe(3);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.spec?.restartPolicy).toBe('Never');
    const container = spec.template.spec?.containers[0];
    expect(container?.args).toEqual(['worker', '--workload', '/etc/mqbench/plan.json']);
    expect(container?.resources).toEqual({ requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } });
    expect(container?.env).toContainEqual({ name: 'MQBENCH_RABBIT_URL', valueFrom: { secretKeyRef: { name: 'mqbench-broker', key: 'url' } } });
    expect(job.metadata?.namespace).toBe('bench');
    // the plan: the workload resolved exactly as `bench run` would, the pods and an absolute start
    expect(plan).toMatchObject({ kind: 'mqbench-pod-plan', pods: 3, workload: { broker: 'rabbit', scenario: 'partitioned', partitions: 3, consumers: 3, rate: 3000 } });
    expect(Date.parse(plan.startAt) - Date.now()).toBeGreaterThan(50_000);
    expect(plan.slackMs).toBe(2000); // at most the warmup (2 s by default)
  });

  test('the schema check is real: a Job with a count that is not a number, or a container without a name, is refused', async () => {
    const { job } = await render({ broker: 'memory', scenario: 'noack', pods: '1' });
    expect(() => new Job({ ...job.toJSON(), spec: { ...job.spec!, completions: 'three' as never } }).validate()).toThrow();
    expect(() => new Job({ ...job.toJSON(), spec: { ...job.spec!, template: { ...job.spec!.template, spec: { ...job.spec!.template.spec!, containers: [{ image: 'x' } as never] } } } }).validate()).toThrow();
  });

  test('a password in the broker URL is never rendered: only the Secret reference and the redacted URL', async () => {
    const { yaml } = await render({ broker: 'rabbit', scenario: 'noack', pods: '1', 'rabbit-url': 'amqp://carol:Tr0ub4dor-pw@rabbit.internal:5672/%2f' });
    expect(yaml).not.toContain('Tr0ub4dor');
    expect(yaml).not.toContain('carol');
    expect(yaml).toContain('amqp://rabbit.internal:5672/%2f');
    expect(yaml).toContain("kubectl create secret generic mqbench-broker --from-literal=url='<broker URL with credentials>'");
  });

  test('an in-process broker needs no Secret', async () => {
    const { job, yaml } = await render({ broker: 'memory', scenario: 'noack', pods: '2', producers: '2', partitions: '2', consumers: '2' });
    expect(job.spec?.template.spec?.containers[0]?.env?.map((e) => e.name)).toEqual(['MQBENCH_NODE_NAME']);
    expect(yaml).not.toContain('create secret');
  });

  test.each([
    [{ broker: 'memory', scenario: 'noack' }, '--pods: must be a whole number from 1 to 1,000, got ""'],
    [{ broker: 'memory', scenario: 'noack', pods: '2' }, '--pods 2: more pods than producers (1); each pod runs its own producers, partitions and their consumers, so raise --producers to at least 2 or lower --pods'],
    [{ broker: 'memory', scenario: 'noack', pods: '1', rate: 'fast' }, '--rate: must be a number of messages per second greater than zero or "max", got "fast"'],
    [{ broker: 'memory', scenario: 'noack', pods: '1', 'start-slack': '3s' }, '--start-slack: must be at most the warmup (2 s): a pod starting later would miss part of the measured window; got "3s"'],
    [{ broker: 'memory', scenario: 'noack', pods: '1', workers: '2' }, '--workers: not used with k8s render: each pod is one process and one run (use --pods)'],
    [{ broker: 'memory', scenario: 'noack', pods: '1', namespace: 'Bench_1' }, '--namespace: must be a DNS label (lower-case letters, digits and \'-\', at most 63), got "Bench_1"'],
    [{ broker: 'memory', scenario: 'noack', pods: '1', memory: '1GB' }, '--memory: must be a Kubernetes memory quantity such as 1Gi or 512Mi, got "1GB"'],
    [{ broker: 'rabbit', scenario: 'noack', pods: '1', 'rabbit-url': 'http://x' }, /^--rabbit-url: /],
  ])('bad input is one line: %j', async (args, message) => {
    await expect(renderCommand({ ...base, ...args })).rejects.toThrow(message);
  });
});
