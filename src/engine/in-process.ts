/**
 * The in-process run mode: this process is the only participant; its coordinator is local. The
 * failover decorator (failover-run.ts) wraps it, changing only when the coordinator starts.
 */
import type { Driver } from '../drivers/types.js';
import type { Workload } from '../results/types.js';
import { localCoordinator } from './local-coordinator.js';
import { mergePartials, type Measurement } from './merge.js';
import { runParticipant, type ClientPlan, type Coordinator, type PartialMeasurement } from './participant.js';
import { planAssignments } from './assignments.js';
import { progressReporter } from './progress.js';
import type { RunHooks, RunMode } from './run.js';
import { stopReasonOf } from './stall.js';

/** What a run in this process returns: the measurement, and its one participant's recording. */
export interface InProcessRun {
  measurement: Measurement;
  partial: PartialMeasurement;
}

/** Changes a coordinator (the failover decorator starts its fault plan with the window). */
export type CoordinatorDecorator = (coordinator: Coordinator) => Coordinator;

const unchanged: CoordinatorDecorator = (coordinator) => coordinator;

/**
 * Runs every producer and consumer of the workload here, the coordinator decorated by `coordinate`;
 * `clients` places them on nodes (failover runs of a plug-in that can).
 */
export async function runInProcess(driver: Driver, workload: Workload, hooks: RunHooks, coordinate: CoordinatorDecorator = unchanged, clients?: ClientPlan): Promise<InProcessRun> {
  const interrupted = (): string | undefined => (hooks.signal?.aborted ? stopReasonOf(hooks.signal) : undefined);
  const progress = progressReporter(workload, hooks.onProgress);
  const coordinator = coordinate(localCoordinator(driver, workload, progress, interrupted));
  try {
    const assignment = planAssignments(workload, 1, false)[0] ?? { producers: [], consumers: [] };
    const partial = await runParticipant(driver, workload, assignment, coordinator, {
      ...(hooks.onMessageText ? { onMessageText: hooks.onMessageText } : {}),
      ...(hooks.afterReceive ? { afterReceive: hooks.afterReceive } : {}),
      ...(clients ? { clients } : {}),
    });
    return { measurement: mergePartials(workload, [partial], interrupted()), partial };
  } finally {
    progress.stop();
  }
}

export function inProcessMode(workload: Workload, hooks: RunHooks): RunMode<Measurement> {
  return {
    measure: async (driver) => (await runInProcess(driver, workload, hooks)).measurement,
    aborted: (measurement) => measurement.status === 'aborted',
  };
}
