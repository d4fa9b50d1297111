/** `bench k8s render` and `bench k8s run`: load generation as a Kubernetes Indexed Job (docs/kubernetes.md). */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { allOptionRows, driverNames, findPlugin } from '../drivers/index.js';
import type { EndpointSpec } from '../drivers/plugin.js';
import { ExitCode, UsageError } from '../errors.js';
import { runOnCluster } from '../k8s/cluster-run.js';
import { kubectlIn } from '../k8s/kubectl.js';
import { jobName, type JobSpec } from '../k8s/job-spec.js';
import { checkSplit } from '../k8s/split.js';
import { parseOption } from '../options.js';
import { planRun } from '../plan/index.js';
import { newRunId } from '../run/benchmark.js';
import { metricsPortOf } from '../run/live-metrics.js';
import type { Workload } from '../results/types.js';
import { scenarioNames } from '../scenarios/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseDurationUs } from '../util/duration.js';
import { requireWritableFolder } from '../util/output-dir.js';
import { mergeAndWrite } from './merge.js';
import { stopOnSignals, type Quit } from './interrupts.js';
import { givenOptionsOf } from './workload-file.js';
import { withExamples } from './help-examples.js';
import { plural } from '../util/plural.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
type Given = Record<string, unknown>;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The `bench run` workload flags, from the same options table. */
function workloadFlags<T>(y: Argv<T>): Argv<T> {
  let out = y
    .option('broker', { type: 'string', describe: `broker: ${driverNames.join(', ')}` })
    .option('scenario', { type: 'string', describe: `scenario: ${scenarioNames.join(', ')}` })
    .option('workload', { type: 'string', describe: 'YAML file with the same fields as these flags (flags win)' });
  for (const row of allOptionRows()) out = out.option(row.name, { type: row.kind === 'boolean' ? 'boolean' : 'string', describe: row.describe });
  return out;
}

function renderFlags<T>(y: Argv<T>): Argv<T> {
  return workloadFlags(y)
    .option('pods', { type: 'string', describe: 'pods (load generators): the Job\'s completions and parallelism' })
    .option('namespace', { type: 'string', describe: 'namespace of the Job and its ConfigMap (default: kubectl\'s)' })
    .option('image', { type: 'string', default: `mqbench:${version}`, describe: 'the mqbench image (Dockerfile in the repository)' })
    .option('secret', { type: 'string', default: 'mqbench-broker', describe: 'Secret whose key "url" holds the broker URL (credentials stay in it)' })
    .option('start-in', { type: 'string', default: '60s', describe: 'common start, from now: apply before it (pods pull the image and connect meanwhile)' })
    .option('start-slack', { type: 'string', describe: 'a pod ready later than start + slack is late: it does not run and the merge is aborted (default 5s, at most the warmup)' })
    .option('cpu', { type: 'string', default: '1', describe: 'CPU request = limit per pod' })
    .option('memory', { type: 'string', default: '1Gi', describe: 'memory request = limit per pod' })
    .option('metrics-port', { type: 'string', describe: 'each pod serves live metrics on this port (0.0.0.0:N/metrics), annotated for Prometheus to scrape (docs/kubernetes.md)' })
    .option('out', { type: 'string', describe: 'render: folder to write mqbench-<run id>.yaml into (default: print it); run: folder for the result (default results)' });
}

const defaultSlackUs = 5_000_000;

/**
 * How late a pod may be ready and still run. A timed run's pod that starts after the warmup would
 * miss part of the measured window (and look like a smaller run): the slack is at most the warmup.
 */
function startSlackUs(raw: unknown, workload: Workload): number {
  const timed = workload.messages === null;
  if (raw === undefined) return timed ? Math.min(defaultSlackUs, workload.warmupUs) : defaultSlackUs;
  const slackUs = parseDurationUs(String(raw), '--start-slack', true);
  if (timed && slackUs > workload.warmupUs) {
    throw new UsageError(`--start-slack: must be at most the warmup (${workload.warmupUs / 1e6} s): a pod starting later would miss part of the measured window; got "${String(raw)}"`);
  }
  return slackUs;
}

/** The workload exactly as `bench run` plans it (flags over a workload file), plus the pod count. */
async function renderPlan(argv: Given): Promise<{ plan: JobSpec; startInSeconds: number; givenUrl?: string; endpoint?: EndpointSpec }> {
  const given = await givenOptionsOf(argv);
  for (const name of ['workers', 'repeat'] as const) {
    if (given[name] !== undefined && Number(given[name]) !== 1) throw new UsageError(`--${name}: not used with k8s render: each pod is one process and one run (use --pods)`);
  }
  const run = planRun(given);
  const { workload } = run;
  const pods = parseOption({ name: 'pods', kind: 'whole', min: 1, max: 1000, describe: '' }, argv.pods ?? '') as number;
  checkSplit(workload, pods);
  // a backlog run's consumers attach once its own producers built the backlog (plan/backlog.ts): one process
  if (workload.backlogBytes !== undefined && pods > 1) throw new UsageError(`--pods: the ${workload.scenario} scenario runs in one process (its consumers attach once its producers built the backlog); use --pods 1`);
  const startInUs = parseDurationUs(String(argv['start-in']), '--start-in');
  const slackUs = startSlackUs(argv['start-slack'], workload);
  const plan: JobSpec = {
    kind: 'mqbench-pod-plan',
    version: 1,
    runId: newRunId(),
    pods,
    startAt: new Date(Date.now() + Math.round(startInUs / 1000)).toISOString(),
    slackMs: Math.round(slackUs / 1000),
    connectTimeoutMs: run.connectTimeoutMs,
    workload,
    ...(argv['metrics-port'] === undefined ? {} : { metricsPort: metricsPortOf(argv['metrics-port']) }),
  };
  const endpoint = findPlugin(run.broker).endpoint;
  // a URL given as a flag goes into the Secret the manifests create; the ConfigMap never carries it
  const givenUrl = endpoint && given[endpoint.option] !== undefined ? run.endpoint.url : undefined;
  return { plan, startInSeconds: startInUs / 1e6, ...(givenUrl ? { givenUrl } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** The manifests for the flags, every input checked (exit 2) before anything is written or applied. */
async function rendered(argv: Given): Promise<{ plan: JobSpec; yaml: string; namespace?: string; secret?: string }> {
  const target = {
    image: String(argv.image),
    secret: String(argv.secret),
    cpu: String(argv.cpu),
    memory: String(argv.memory),
    ...(argv.namespace !== undefined ? { namespace: String(argv.namespace) } : {}),
  };
  // kubernetes-models takes a moment to load: only for the commands that render
  const { checkManifestInput, renderManifests } = await import('../k8s/manifests.js');
  checkManifestInput(target);
  const { plan, ...rest } = await renderPlan(argv);
  const yaml = renderManifests({ ...target, ...rest, plan });
  return { plan, yaml, ...(target.namespace ? { namespace: target.namespace } : {}), ...(rest.endpoint ? { secret: target.secret } : {}) };
}

/** `bench k8s render`: the manifests on stdout, or written atomically into --out. */
export async function renderCommand(argv: Given): Promise<string> {
  const { plan, yaml } = await rendered(argv);
  if (argv.out === undefined) return yaml;
  const out = String(argv.out);
  await requireWritableFolder(out);
  const path = join(out, `${jobName(plan)}.yaml`);
  await writeFileAtomic(path, yaml);
  return `wrote ${path} (run ${plan.runId}, ${plural(plan.pods, 'pod')}, start ${plan.startAt})\n`;
}

/** `bench k8s run`: render, apply, wait, collect the pods' logs, delete the Job, merge (needs kubectl and a context). */
async function clusterRunCommand(argv: Given, quit: Quit): Promise<{ text: string; exitCode: number }> {
  const { plan, yaml, namespace, secret } = await rendered(argv);
  const out = String(argv.out ?? 'results');
  await requireWritableFolder(out);
  const logs = await runOnCluster({ plan, yaml, kubectl: kubectlIn(namespace), ...(secret ? { secret } : {}), log, signal: stopOnSignals(log, quit, 'no longer waiting for the Job: collecting its logs, then deleting it').signal });
  return mergeAndWrite([{ source: 'kubectl logs', text: logs }], out, argv.json === true);
}

/** `bench k8s <action>`: what to print and the exit code (cli.ts prints and exits). */
export async function k8sCommand(argv: Given, quit: Quit): Promise<{ text: string; exitCode: number }> {
  if (argv.action === 'render') return { text: await renderCommand(argv), exitCode: ExitCode.ok };
  if (argv.action === 'run') return clusterRunCommand(argv, quit);
  throw new UsageError(`k8s: unknown action "${String(argv.action)}"; valid actions: render, run`);
}

/** `bench k8s` without its handler: cli.ts prints k8sCommand's text and exits with its code. */
export const k8sModule: Omit<CommandModule<object, Given>, 'handler'> = {
  command: 'k8s <action>',
  describe: 'load generation as a Kubernetes Indexed Job: `k8s render` prints the manifests, `k8s run` applies them and merges (docs/kubernetes.md)',
  builder: (y: Argv<object>) =>
    renderFlags(withExamples(y, 'k8s').positional('action', { type: 'string', describe: 'render or run' }))
      .option('json', { type: 'boolean', default: false, describe: 'run: print the result JSON instead of the summary' }) as unknown as Argv<Given>,
};
