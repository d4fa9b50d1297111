import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { Workload } from '../results/types.js';
import { requireRegularFile } from '../util/output-dir.js';
import { checkSplit } from './split.js';

/**
 * What every pod of a run reads (the ConfigMap's `plan.json`): the fully resolved workload, the pod
 * count and the common start. No URL and no credential: the pods take the broker's URL from the
 * environment, filled from a Secret.
 */
export interface JobSpec {
  kind: 'mqbench-pod-plan';
  version: 1;
  /** 8 hex digits; pod i's broker objects are named under mqbench-<runId>-<i> */
  runId: string;
  pods: number;
  /** when every pod starts its warmup, on the wall clock (ISO 8601, UTC) */
  startAt: string;
  /** a pod ready later than startAt + slack reports itself late and does not run */
  slackMs: number;
  connectTimeoutMs: number;
  workload: Workload;
  /** live metrics (k8s render --metrics-port): each pod serves them on 0.0.0.0:<port>/metrics, annotated for scraping */
  metricsPort?: number;
}

export const planFileName = 'plan.json';
/** The Secret's one key: the broker URL, credentials included. */
export const secretKey = 'url';

/** The Job's and the ConfigMap's name (the pods' logs: `kubectl logs -l job-name=<it>`). */
export const jobName = (plan: Pick<JobSpec, 'runId'>): string => `mqbench-${plan.runId}`;

/** The broker object prefix of one pod (`bench clean --run <runId>-<index>` finds what a dead pod left). */
export const podRunId = (plan: Pick<JobSpec, 'runId'>, index: number): string => `${plan.runId}-${index}`;

function planProblem(value: unknown): string | undefined {
  const plan = value as Partial<JobSpec> | null;
  if (plan === null || typeof plan !== 'object' || plan.kind !== 'mqbench-pod-plan') return 'not an mqbench pod plan (kind mqbench-pod-plan)';
  if (plan.version !== 1) return `unknown plan version ${JSON.stringify(plan.version)} (this mqbench reads version 1)`;
  if (typeof plan.runId !== 'string' || !/^[0-9a-f]{8}$/.test(plan.runId)) return 'runId must be 8 hex digits';
  if (!Number.isInteger(plan.pods) || (plan.pods ?? 0) < 1) return 'pods must be a whole number greater than zero';
  if (typeof plan.startAt !== 'string' || Number.isNaN(Date.parse(plan.startAt))) return 'startAt must be an ISO 8601 time';
  if (!Number.isInteger(plan.slackMs) || (plan.slackMs ?? -1) < 0) return 'slackMs must be a whole number of zero or more';
  if (!Number.isInteger(plan.connectTimeoutMs) || (plan.connectTimeoutMs ?? 0) < 1) return 'connectTimeoutMs must be a whole number greater than zero';
  if (plan.workload === null || typeof plan.workload !== 'object' || typeof plan.workload.broker !== 'string') return 'workload is missing';
  if (plan.metricsPort !== undefined && (!Number.isInteger(plan.metricsPort) || plan.metricsPort < 1 || plan.metricsPort > 65_535)) return 'metricsPort must be a port from 1 to 65535';
  return undefined;
}

/** Reads and checks a plan (the ConfigMap's file); any problem is one line (exit 2). */
export async function readPlan(path: string): Promise<JobSpec> {
  await requireRegularFile(path, '--workload');
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--workload: ${path}: ${code ? `cannot read (${code})` : 'not JSON'}`);
  }
  const problem = planProblem(value);
  if (problem) throw new UsageError(`--workload: ${path}: ${problem}`);
  const plan = value as JobSpec;
  checkSplit(plan.workload, plan.pods);
  return plan;
}
