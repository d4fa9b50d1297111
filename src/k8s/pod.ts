/** One Kubernetes pod's share of a run (`bench worker`): its slice of the plan, started at the common time, as a partial for `bench merge`. */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { findPlugin } from '../drivers/index.js';
import type { Driver } from '../drivers/types.js';
import { localCoordinator } from '../engine/local-coordinator.js';
import { brokerRecordOf } from '../engine/result.js';
import { runWorkload, topologyOf, type RunMode } from '../engine/run.js';
import { runParticipant, type Coordinator, type PartialMeasurement } from '../engine/participant.js';
import { progressReporter, type Progress } from '../engine/progress.js';
import { MqbenchError, RunAbortedError, UsageError } from '../errors.js';
import { describeEnvironment } from '../results/environment.js';
import type { BrokerRecord } from '../results/types.js';
import { nowUs, sleepMs, withTimeout } from '../util/clock.js';
import { redactSecretsIn } from '../util/redact.js';
import { endpointOf } from '../plan/index.js';
import type { PodPartial } from './partial.js';
import { podRunId, type JobSpec } from './job-spec.js';
import { podShare, type PodShare } from './split.js';

/** A pod that was ready after start + slack: it does not run (its load would not overlap the others'). */
export class LatePodError extends RunAbortedError {}

export interface PodOptions {
  log: (line: string) => void;
  /** stop early (SIGTERM when the Job is deleted): producers stop, a short drain, a partial that says so */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** The wall clock in microseconds (sub-millisecond, unlike Date.now()). */
const wallNowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** The common start, an absolute wall-clock time, on this process's monotonic clock (the engine's). */
export function startOnMonotonicUs(startAt: string): number {
  return nowUs() + (Date.parse(startAt) * 1000 - wallNowUs());
}

/**
 * The local coordinator (this pod is the only participant it knows), except for the start: every
 * pod starts at the plan's absolute time, so the pods' schedules and timelines line up without
 * talking to each other (as Kafka's Trogdor does).
 */
function podCoordinator(driver: Driver, plan: JobSpec, share: PodShare, options: PodOptions, onReady: (offsetUs: number, startUs: number) => void): Coordinator {
  const progress = progressReporter(share.workload, options.onProgress);
  const interrupted = (): string | undefined => (options.signal?.aborted ? 'interrupted' : undefined);
  const local = localCoordinator(driver, share.workload, progress, interrupted);
  return {
    ...local,
    async start() {
      await driver.waitUntilConsumersReady(plan.connectTimeoutMs + 30_000);
      const startUs = startOnMonotonicUs(plan.startAt);
      const offsetUs = nowUs() - startUs;
      onReady(offsetUs, startUs);
      if (offsetUs > plan.slackMs * 1000) {
        progress.stop();
        throw new LatePodError(`pod ${share.index} was ready ${(offsetUs / 1e6).toFixed(1)} s after the common start (slack ${plan.slackMs / 1000} s): it did not run`);
      }
      options.log(offsetUs < 0 ? `pod ${share.index}: ready, starting in ${(-offsetUs / 1e6).toFixed(1)} s` : `pod ${share.index}: ready ${(offsetUs / 1e3).toFixed(0)} ms after the start, starting now`);
      while (nowUs() < startUs && !options.signal?.aborted) await sleepMs(Math.min(100, Math.max(1, (startUs - nowUs()) / 1000)));
      progress.started(startUs);
      return startUs;
    },
    settle: async (localFailed) => {
      progress.stop();
      return local.settle(localFailed);
    },
  };
}

/** Times since the common start, and the pod's consumers numbered run-wide (they are its slice's). */
export function relativeToStart(measurement: PartialMeasurement, startUs: number, share: Pick<PodShare, 'consumerOffset'>): PartialMeasurement {
  const since = (us: number): number => us - startUs;
  return {
    ...measurement,
    consumers: measurement.consumers.map((c) => ({ ...c, consumer: c.consumer + share.consumerOffset })),
    ...(measurement.events ? { events: measurement.events.map((e) => ({ ...e, atUs: since(e.atUs) })) } : {}),
    lastReceiptUs: measurement.lastReceiptUs === 0 ? 0 : since(measurement.lastReceiptUs),
    startUs: since(measurement.startUs),
    warmupEndUs: since(measurement.warmupEndUs),
    endUs: since(measurement.endUs),
    producersDoneUs: since(measurement.producersDoneUs),
    finishedUs: since(measurement.finishedUs),
  };
}

/** One pod's share as a run mode: the participant's run, started at the common time, its times made relative to it. */
function podShareMode(plan: JobSpec, share: PodShare, options: PodOptions, onReady: (offsetUs: number) => void): RunMode<PartialMeasurement> {
  return {
    async measure(driver) {
      let startUs = 0;
      const coordinator = podCoordinator(driver, plan, share, options, (offsetUs, at) => {
        startUs = at;
        onReady(offsetUs);
      });
      const raw = await runParticipant(driver, share.workload, share.assignment, coordinator);
      return relativeToStart(raw, startUs, share);
    },
    // a pod's teardown always gets the full patience: its objects are its own to remove
    aborted: () => false,
  };
}

/** Connected: the pod's own topology set up, its share run, the topology removed (whatever happened). */
function measureShare(driver: Driver, plan: JobSpec, share: PodShare, options: PodOptions, seen: { onBroker: (broker: BrokerRecord) => void; onReady: (offsetUs: number) => void }): Promise<PartialMeasurement> {
  const runId = podRunId(plan, share.index);
  return runWorkload(driver, topologyOf(share.workload, runId), podShareMode(plan, share, options, seen.onReady), {
    onSetUp: (info) => seen.onBroker(brokerRecordOf(info, { name: driver.name, version: 'unknown', url: '' })),
    onWarning: options.log,
    cleanHint: `\`bench clean --run ${runId}\` removes it`,
  });
}

/**
 * What one pod runs: its share of the plan, started at the common time; returns the line it prints.
 * Bad input throws UsageError; every other outcome (late, broker unreachable, aborted) is a partial
 * that says so, so `bench merge` can name the pod and what was lost.
 */
export async function runPod(plan: JobSpec, index: number, options: PodOptions): Promise<PodPartial> {
  const share = podShare(plan.workload, plan.pods, index);
  const plugin = findPlugin(plan.workload.broker);
  const endpoint = endpointOf(plugin, {});
  let readyOffsetUs = 0;
  let broker: BrokerRecord | undefined;
  const base = {
    kind: 'mqbench-pod-partial' as const,
    version: 1 as const,
    runId: plan.runId,
    index,
    pods: plan.pods,
    // the node the Job controller placed the pod on (the manifest sets it); else this machine's name
    host: process.env.MQBENCH_NODE_NAME?.trim() || hostname(),
    workload: plan.workload,
    startedAt: new Date().toISOString(),
    producers: share.assignment.producers.map((p) => p.id),
    environment: describeEnvironment(),
  };
  const done = (rest: Pick<PodPartial, 'status'> & Partial<PodPartial>): PodPartial => ({ ...base, readyOffsetUs, ...(broker ? { broker } : {}), finishedAt: new Date().toISOString(), ...rest });
  try {
    // a pod never starts a broker (no provisioning): it uses the URL from its Secret, or the default endpoint
    const driver = plugin.create({ url: endpoint.url, settings: plan.workload.driver, connectTimeoutMs: plan.connectTimeoutMs, ...(plugin.startHint ? { startHint: plugin.startHint(endpoint.named) } : {}) });
    try {
      await driver.connect();
      const measurement = await measureShare(driver, plan, share, options, { onBroker: (record) => (broker = record), onReady: (offsetUs) => (readyOffsetUs = offsetUs) });
      const reason = measurement.abortReason;
      return done({ status: reason ? 'failed' : 'ok', ...(reason ? { error: redactSecretsIn(reason, [endpoint.url]) } : {}), measurement });
    } finally {
      await withTimeout(driver.close(), 5000, () => new Error('close timed out')).catch(() => undefined);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = redactSecretsIn(error instanceof Error ? error.message : String(error), [endpoint.url]);
    return done({ status: error instanceof LatePodError ? 'late' : 'failed', error: error instanceof MqbenchError ? message : `run failed: ${message}` });
  }
}
