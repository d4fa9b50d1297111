/**
 * The run lifecycle, one for every way of running a workload: the topology set up under the run's
 * prefix, the measured part carried out by a RunMode, the topology removed whatever happened.
 * The modes: in this process (in-process.ts), in worker processes (workers.ts), one Kubernetes pod's
 * share (k8s/pod.ts); failover decorates the in-process mode (failover-run.ts). Called with a
 * connected driver by run/benchmark.ts and k8s/pod.ts; it never reads the plug-in registry.
 */
import type { Driver, DriverInfo, Topology } from '../drivers/types.js';
import type { Workload } from '../results/types.js';
import { withTimeout } from '../util/clock.js';
import { inPhase, phaseLimitUs, teardownPatienceMs } from './phases.js';
import type { Progress } from './progress.js';
import { stopReasonOf } from './stall.js';

export type { Measurement } from './merge.js';
export type { Progress } from './progress.js';

/** How the measured part of a run is carried out, once the topology is set up. */
export interface RunMode<T> {
  measure(driver: Driver, topology: Topology): Promise<T>;
  /** the run ended aborted: the broker may not answer, so the teardown gets less patience */
  aborted(outcome: T): boolean;
}

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  /** hello-world: the text each consumer received, after the header */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** observes each measured receipt (in-process runs only); tests stall a consumer with it */
  afterReceive?: (receivedAtUs: number) => void;
  /** stop early (Ctrl-C): producers stop, a short drain, then the run ends as aborted */
  signal?: AbortSignal;
  /** a problem worth a line that does not change the result (e.g. objects left on the broker) */
  onWarning?: (line: string) => void;
  /** what the driver says about itself once the topology is set up (mapping, settings, versions) */
  onSetUp?: (info: DriverInfo) => void;
  /** how to remove what a failed teardown left, for the warning (e.g. a `bench clean` line) */
  cleanHint?: string;
  /** the teardown got no answer in time: the broker is frozen or gone (closing need not wait long either) */
  onTeardownUnanswered?: () => void;
}

/** The broker objects of one run: everything under `mqbench-<runId>`. */
export function topologyOf(workload: Workload, runId: string): Topology {
  return { prefix: `mqbench-${runId}`, stream: workload.stream, partitions: workload.partitions, subscriptions: workload.subscriptions };
}

/**
 * Runs one workload: topology set up once, the mode's measurement, topology removed. The setup is
 * bounded and yields to an interrupt (a PhaseAbortedError naming it); the mode bounds its own phases.
 */
export async function runWorkload<T>(driver: Driver, topology: Topology, mode: RunMode<T>, hooks: RunHooks = {}, stallTimeoutUs = 10_000_000): Promise<T> {
  const limitUs = phaseLimitUs({ stallTimeoutUs });
  let outcome: { value: T } | undefined;
  const interrupted = (): string | undefined => (hooks.signal?.aborted ? stopReasonOf(hooks.signal) : undefined);
  try {
    await inPhase('setup', driver.setup(topology), limitUs, interrupted);
    hooks.onSetUp?.(await inPhase('setup', driver.info(), limitUs, interrupted));
    outcome = { value: await mode.measure(driver, topology) };
    return outcome.value;
  } finally {
    // a broker that stopped answering (or a run that never got going) gets a short teardown: the measurement is what matters
    const patienceMs = teardownPatienceMs(stallTimeoutUs, !outcome || mode.aborted(outcome.value));
    const unanswered = new Error(`teardown: no answer within ${patienceMs / 1000} s`);
    await withTimeout(driver.teardown(), patienceMs, () => unanswered).catch((error: unknown) => {
      if (error === unanswered) hooks.onTeardownUnanswered?.();
      const why = error instanceof Error ? error.message : String(error);
      hooks.onWarning?.(`warning: could not remove ${topology.prefix}.* from the broker: ${why}${hooks.cleanHint ? `: ${hooks.cleanHint}` : ''}`);
    });
  }
}
