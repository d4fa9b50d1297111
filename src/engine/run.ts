import { findPlugin } from '../drivers/index.js';
import type { Driver, DriverInfo, DriverOptions, Topology } from '../drivers/types.js';
import type { Workload } from '../results/types.js';
import { withTimeout } from '../util/clock.js';
import { localCoordinator } from './local-coordinator.js';
import { mergePartials, type Measurement } from './merge.js';
import { runParticipant, type Coordinator, type PartialMeasurement } from './participant.js';
import { planAssignments } from './plan.js';
import { progressReporter, type Progress } from './progress.js';
import { runWithWorkers } from './workers.js';
import { withFailover, type FailoverPlan } from './failover-run.js';
import { stopReasonOf } from './stall.js';

export type { Measurement } from './merge.js';
export type { Progress } from './progress.js';

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
}

export interface RunPlan {
  runId: string;
  /** 1: everything in this process; N > 1: producers and consumers spread over N worker processes */
  workers: number;
  /** how workers build their own driver (they cannot share this process's connections) */
  driverOptions: DriverOptions;
  /** failover runs: the fault plan, started when the measured window starts (in-process runs only) */
  failover?: FailoverPlan;
}

/** Runs one workload: topology set up once, participants run, results merged, topology removed. */
export async function runWorkload(driver: Driver, workload: Workload, plan: RunPlan, hooks: RunHooks = {}): Promise<Measurement> {
  const topology: Topology = {
    prefix: `mqbench-${plan.runId}`,
    stream: workload.stream,
    partitions: workload.partitions,
    subscriptions: workload.subscriptions,
  };
  const interrupted = (): string | undefined => (hooks.signal?.aborted ? stopReasonOf(hooks.signal) : undefined);
  let measurement: Measurement | undefined;
  try {
    await driver.setup(topology);
    hooks.onSetUp?.(await driver.info());
    measurement =
      plan.workers > 1
        ? await runInWorkers(driver, workload, plan, topology, hooks)
        : plan.failover
          ? await withFailover(driver, workload, plan.failover, topology, hooks, (coordinate) => runInProcess(driver, workload, hooks, interrupted, coordinate))
          : (await runInProcess(driver, workload, hooks, interrupted)).measurement;
    return measurement;
  } finally {
    // a broker that stopped answering gets a short teardown: the measurement is what matters
    const patienceMs = measurement?.status === 'aborted' ? 5_000 : 15_000;
    await withTimeout(driver.teardown(), patienceMs, () => new Error(`no answer within ${patienceMs / 1000} s`)).catch((error: unknown) => {
      hooks.onWarning?.(`warning: could not remove ${topology.prefix}.* from the broker: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}

/** What a run in this process returns: the measurement, and its one participant's recording. */
export interface InProcessRun {
  measurement: Measurement;
  partial: PartialMeasurement;
}

async function runInProcess(
  driver: Driver,
  workload: Workload,
  hooks: RunHooks,
  interrupted: () => string | undefined,
  coordinate: (coordinator: Coordinator) => Coordinator = (c) => c,
): Promise<InProcessRun> {
  const progress = progressReporter(workload, hooks.onProgress);
  const local = localCoordinator(driver, workload, progress, interrupted);
  const coordinator = coordinate(local);
  try {
    const assignment = planAssignments(workload, 1, false)[0] ?? { producers: [], consumers: [] };
    const partial = await runParticipant(driver, workload, assignment, coordinator, {
      ...(hooks.onMessageText ? { onMessageText: hooks.onMessageText } : {}),
      ...(hooks.afterReceive ? { afterReceive: hooks.afterReceive } : {}),
    });
    const measurement = mergePartials(workload, [partial], interrupted());
    return { measurement, partial };
  } finally {
    progress.stop();
  }
}

async function runInWorkers(driver: Driver, workload: Workload, plan: RunPlan, topology: Topology, hooks: RunHooks): Promise<Measurement> {
  const entry = findPlugin(driver.name);
  const privateBroker = entry.inProcess === true;
  const outcome = await runWithWorkers({
    driverName: entry.name,
    driverOptions: plan.driverOptions,
    workload,
    topology,
    assignments: planAssignments(workload, plan.workers, privateBroker),
    privateBroker,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  return mergePartials(workload, outcome.partials, outcome.abortReason);
}
