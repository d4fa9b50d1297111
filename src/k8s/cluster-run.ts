import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MqbenchError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { sleepMs } from '../util/clock.js';
import type { Kubectl } from './kubectl.js';
import { jobName, secretKey, type JobSpec } from './job-spec.js';

/** `bench k8s run`: apply the rendered manifests, wait for the Job, collect its pods' logs, delete it. */
export interface ClusterRun {
  plan: JobSpec;
  yaml: string;
  kubectl: Kubectl;
  /** the Secret the pods read the broker URL from (absent for in-process brokers) */
  secret?: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

interface JobState {
  active: number;
  succeeded: number;
  failed: number;
  finished: boolean;
}

async function jobState(kubectl: Kubectl, name: string): Promise<JobState> {
  const job = JSON.parse(await kubectl(['get', 'job', name, '-o', 'json'])) as {
    status?: { active?: number; succeeded?: number; failed?: number; conditions?: { type: string; status: string }[] };
  };
  const s = job.status ?? {};
  const finished = (s.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return { active: s.active ?? 0, succeeded: s.succeeded ?? 0, failed: s.failed ?? 0, finished };
}

/** Before anything is created: the cluster answers (exit 3 if not) and the Secret exists (exit 2 if not). */
async function preflight(run: ClusterRun): Promise<void> {
  await run.kubectl(['get', '--raw', '/version']);
  if (!run.secret) return;
  try {
    await run.kubectl(['get', 'secret', run.secret, '-o', 'name']);
  } catch (error) {
    if (error instanceof MqbenchError && /not ?found/i.test(error.message)) {
      throw new UsageError(`Secret "${run.secret}" not found: create it first: kubectl create secret generic ${run.secret} --from-literal=${secretKey}='<broker URL with credentials>'`);
    }
    throw error;
  }
}

/** Waits until the Job completed or failed (its deadline bounds this), or the user interrupts. */
async function waitForJob(run: ClusterRun, name: string): Promise<void> {
  let last = '';
  for (;;) {
    const state = await jobState(run.kubectl, name);
    const line = `job ${name}: ${state.active} running, ${state.succeeded} done, ${state.failed} failed (start ${run.plan.startAt})`;
    if (line !== last) run.log(line);
    last = line;
    if (state.finished || run.signal?.aborted) return;
    await sleepMs(run.pollMs ?? 5000);
  }
}

/** Applies, waits, returns every pod's log (the lines `bench merge` reads); the Job and ConfigMap are always deleted. */
export async function runOnCluster(run: ClusterRun): Promise<string> {
  await preflight(run);
  const dir = await mkdtemp(join(tmpdir(), 'mqbench-k8s-'));
  const name = jobName(run.plan);
  try {
    const file = join(dir, `${name}.yaml`);
    await writeFileAtomic(file, run.yaml);
    run.log((await run.kubectl(['apply', '-f', file])).trim());
    await waitForJob(run, name);
    return await run.kubectl(['logs', '-l', `job-name=${name}`, '--tail=-1', `--max-log-requests=${Math.max(5, run.plan.pods)}`, '--prefix']);
  } finally {
    await run.kubectl(['delete', 'job,configmap', '-l', `mqbench.dev/run=${run.plan.runId}`, '--wait=false']).then(
      (out) => run.log(out.trim()),
      (error: unknown) => run.log(`warning: could not delete Job ${name}: ${error instanceof Error ? error.message : String(error)}; \`kubectl delete job,configmap -l mqbench.dev/run=${run.plan.runId}\``),
    );
    await rm(dir, { recursive: true, force: true });
  }
}
