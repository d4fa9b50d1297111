import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { stringify } from 'yaml';
import type { EndpointSpec } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import { jobName, planFileName, secretKey, type JobSpec } from './job-spec.js';
import { plural } from '../util/plural.js';

/** What the manifests need beside the plan: where they run and what the pods get. */
export interface ManifestRequest {
  plan: JobSpec;
  /** from the render time to the common start (s): the Job's deadline counts from then */
  startInSeconds: number;
  namespace?: string;
  image: string;
  /** the Secret holding the broker URL (key `url`); unused for in-process brokers */
  secret: string;
  cpu: string;
  memory: string;
  /** the broker's endpoint (absent for in-process brokers): the pods get its environment variable */
  endpoint?: EndpointSpec;
  /** the URL the user gave, shown redacted in the instructions */
  givenUrl?: string;
}

const planMountDir = '/etc/mqbench';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes' resource.Quantity: a number with an optional binary (Ki..Ei) or decimal (m, k..E) suffix
const quantity = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** Every name and quantity the manifests carry, checked with one line each before anything is built. */
export function checkManifestInput(request: Omit<ManifestRequest, 'plan' | 'startInSeconds'>): void {
  if (request.namespace !== undefined && (request.namespace.length > 63 || !dnsLabel.test(request.namespace))) {
    throw new UsageError(`--namespace: must be a DNS label (lower-case letters, digits and '-', at most 63), got "${request.namespace.slice(0, 70)}"`);
  }
  if (request.secret.length > 253 || !dnsSubdomain.test(request.secret)) throw new UsageError(`--secret: must be a Kubernetes object name (lower-case letters, digits, '-' and '.'), got "${request.secret.slice(0, 70)}"`);
  if (request.image.trim() === '' || /\s/.test(request.image)) throw new UsageError(`--image: must be an image reference without spaces, got "${request.image.slice(0, 70)}"`);
  if (!quantity.test(request.cpu)) throw new UsageError(`--cpu: must be a Kubernetes CPU quantity such as 1, 1.5 or 500m, got "${request.cpu.slice(0, 40)}"`);
  if (!quantity.test(request.memory)) throw new UsageError(`--memory: must be a Kubernetes memory quantity such as 1Gi or 512Mi, got "${request.memory.slice(0, 40)}"`);
}

const labelsOf = (plan: JobSpec): Record<string, string> => ({ 'app.kubernetes.io/name': 'mqbench', 'mqbench.dev/run': plan.runId });

function configMapOf(request: ManifestRequest): ConfigMap {
  const { plan } = request;
  return new ConfigMap({
    metadata: { name: jobName(plan), labels: labelsOf(plan), ...(request.namespace ? { namespace: request.namespace } : {}) },
    data: { [planFileName]: `${JSON.stringify(plan, null, 2)}\n` },
  });
}

/** Seconds until every pod should be done: start, slack, the run's phases, and room to set up and tear down. */
function deadlineSeconds(request: ManifestRequest): number {
  const { plan } = request;
  const w = plan.workload;
  const runUs = w.warmupUs + w.durationUs + w.drainTimeoutUs + w.stallTimeoutUs;
  return Math.ceil(request.startInSeconds + plan.slackMs / 1000 + runUs / 1e6) + 300;
}

function envOf(request: ManifestRequest) {
  // the node's name, not the pod's: pods on one node share its clock
  const env: object[] = [{ name: 'MQBENCH_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }];
  if (request.endpoint) env.push({ name: request.endpoint.env, valueFrom: { secretKeyRef: { name: request.secret, key: secretKey } } });
  return env;
}

/**
 * With --metrics-port, the annotations Prometheus' usual Kubernetes pod discovery reads (the
 * prometheus.io/* convention of its example configuration): scrape this pod, on that port and path.
 */
export function scrapeAnnotationsOf(plan: Pick<JobSpec, 'metricsPort'>): { annotations?: Record<string, string> } {
  if (plan.metricsPort === undefined) return {};
  return { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(plan.metricsPort), 'prometheus.io/path': '/metrics' } };
}

/** An Indexed Job: N pods, each told its index; nothing retried, so nothing is counted twice. */
function jobOf(request: ManifestRequest): Job {
  const { plan } = request;
  const resources = { cpu: request.cpu, memory: request.memory };
  return new Job({
    metadata: { name: jobName(plan), labels: labelsOf(plan), ...(request.namespace ? { namespace: request.namespace } : {}) },
    spec: {
      completionMode: 'Indexed',
      completions: plan.pods,
      parallelism: plan.pods,
      backoffLimit: 0,
      activeDeadlineSeconds: deadlineSeconds(request),
      template: {
        metadata: { labels: labelsOf(plan), ...scrapeAnnotationsOf(plan) },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: 'worker',
              image: request.image,
              args: ['worker', '--workload', `${planMountDir}/${planFileName}`],
              env: envOf(request) as never,
              // requests = limits: the Guaranteed class, no CPU lent and taken back mid-run
              resources: { requests: resources, limits: resources },
              securityContext: { allowPrivilegeEscalation: false },
              volumeMounts: [{ name: 'plan', mountPath: planMountDir, readOnly: true }],
              ...(plan.metricsPort === undefined ? {} : { ports: [{ name: 'metrics', containerPort: plan.metricsPort }] }),
            },
          ],
          volumes: [{ name: 'plan', configMap: { name: jobName(plan) } }],
        },
      },
    },
  });
}

/** What to do with the manifests, as YAML comments: the Secret (never its value), apply, collect, merge. */
function instructions(request: ManifestRequest): string {
  const { plan } = request;
  const ns = request.namespace ? ` -n ${request.namespace}` : '';
  const lines = [
    `mqbench run ${plan.runId}: ${plan.workload.broker} / ${plan.workload.scenario} on ${plural(plan.pods, 'pod')}, common start ${plan.startAt} (slack ${plan.slackMs / 1000} s)`,
    `each pod runs its own producers, partitions and their consumers (mqbench-${plan.runId}-<index>.*): end-to-end latency is timed on one host's clock`,
  ];
  if (request.endpoint) {
    lines.push(
      `the pods read the broker URL from ${request.endpoint.env}, filled from Secret "${request.secret}" key "${secretKey}" (credentials are never rendered):`,
      `  kubectl create secret generic ${request.secret}${ns} --from-literal=${secretKey}='<broker URL with credentials>'`,
    );
    if (request.givenUrl !== undefined) lines.push(`  (the URL given: ${redactUrl(request.givenUrl)})`);
  }
  lines.push(
    `apply before the start:  kubectl apply${ns} -f <this file>`,
    `collect and merge:       kubectl logs${ns} -l job-name=${jobName(plan)} --tail=-1 --max-log-requests=${Math.max(5, plan.pods)} | npx bench merge -`,
    `remove afterwards:       kubectl delete${ns} job,configmap -l mqbench.dev/run=${plan.runId}`,
  );
  return lines.map((l) => `# ${l}\n`).join('');
}

/** The manifests as objects, each validated against its Kubernetes schema (throws on a schema error). */
export function buildManifests(request: ManifestRequest): [ConfigMap, Job] {
  const manifests: [ConfigMap, Job] = [configMapOf(request), jobOf(request)];
  for (const manifest of manifests) manifest.validate();
  return manifests;
}

/** The manifests as one YAML stream with instructions on top. */
export function renderManifests(request: ManifestRequest): string {
  const docs = buildManifests(request).map((m) => stringify(m.toJSON(), { lineWidth: 0 }));
  return `${instructions(request)}${docs.join('---\n')}`;
}
