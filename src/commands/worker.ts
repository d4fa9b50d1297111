/** `bench worker`: what each pod of the Indexed Job runs; its result is one JSON line on stdout. */
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, UsageError } from '../errors.js';
import { stopOnSignals, type Quit } from './interrupts.js';
import { encodePartial } from '../k8s/partial.js';
import { readPlan, type JobSpec } from '../k8s/job-spec.js';
import { runPod } from '../k8s/pod.js';
import { serveLiveMetrics } from '../run/live-metrics.js';
import { parseOption } from '../options.js';
import { formatCount } from '../util/format.js';

type Given = Record<string, unknown>;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
/** Written and flushed before the process exits: a pipe gets the whole line. */
const print = (text: string): Promise<void> => new Promise((resolve) => process.stdout.write(text, () => resolve()));

function indexOf(argv: Given, plan: JobSpec): number {
  const raw = argv.index ?? process.env.JOB_COMPLETION_INDEX;
  if (raw === undefined || String(raw).trim() === '') throw new UsageError('--index: not given and JOB_COMPLETION_INDEX is not set (the Job controller sets it in each pod)');
  const index = parseOption({ name: 'index', kind: 'whole', min: 0, max: plan.pods - 1, describe: '' }, raw) as number;
  if (argv.pods !== undefined && Number(argv.pods) !== plan.pods) throw new UsageError(`--pods: ${String(argv.pods)} does not match the plan's ${plan.pods} pods`);
  return index;
}

/** `bench worker`: one pod's share; its result is ONE JSON line on stdout, everything else on stderr. */
export async function workerCommand(argv: Given, quit: Quit): Promise<number> {
  const plan = await readPlan(String(argv.workload ?? ''));
  const index = indexOf(argv, plan);
  // a pod's own network namespace: Prometheus scrapes the pod's address, so every interface
  const metrics = await serveLiveMetrics(argv['metrics-port'] ?? plan.metricsPort, '0.0.0.0');
  const live = metrics?.observe({ broker: plan.workload.broker, scenario: plan.workload.scenario, run_id: plan.runId, pod: String(index) });
  const partial = await runPod(plan, index, {
    log,
    // SIGTERM (the Job deleted) or Ctrl-C: stop in order, report what was measured
    signal: stopOnSignals(log, quit, 'stopping producers, draining briefly, reporting what was measured').signal,
    onProgress: (p) => {
      live?.(p);
      log(`[pod ${index}] ${p.phase.padEnd(7)} ${(p.elapsedUs / 1e6).toFixed(0).padStart(4)}s  sent ${formatCount(p.sentPerSec)}/s  received ${formatCount(p.receivedPerSec)}/s`);
    },
  }).finally(() => metrics?.close());
  await print(`${encodePartial(partial)}\n`);
  if (partial.error) log(`bench: pod ${index}: ${partial.status}: ${partial.error}`);
  return partial.status === 'ok' ? ExitCode.ok : ExitCode.aborted;
}

/** `bench worker` without its handler: cli.ts exits with workerCommand's code. */
export const workerModule: Omit<CommandModule<object, Given>, 'handler'> = {
  command: 'worker',
  describe: "a Kubernetes pod's share of a run (what `k8s render`'s Job runs): one JSON line on stdout for `bench merge`",
  builder: (y: Argv<object>) =>
    y
      .option('workload', { type: 'string', demandOption: true, describe: 'the plan file (the ConfigMap\'s plan.json)' })
      .option('index', { type: 'string', describe: 'this pod\'s index (default: $JOB_COMPLETION_INDEX)' })
      .option('pods', { type: 'string', describe: 'the pod count, checked against the plan' })
      .option('metrics-port', { type: 'string', describe: "serve live metrics on 0.0.0.0:N/metrics while the share runs (default: the plan's metricsPort, from k8s render --metrics-port)" }) as unknown as Argv<Given>,
};
