import { findDriver } from '../drivers/index.js';
import type { Driver, DriverOptions, Topology } from '../drivers/types.js';
import { initHistograms } from '../metrics/histogram.js';
import { nowUs, withTimeout } from '../util/clock.js';
import { mergePartials, type Measurement } from './merge.js';
import { runParticipant, type Coordinator, type LiveCounters } from './participant.js';
import { everythingArrived, inFlightFrom, planAssignments } from './plan.js';
import { progressReporter, type Progress } from './progress.js';
import { runWithWorkers } from './workers.js';
import type { Workload } from './workload.js';

export type { Counts, Measurement } from './merge.js';
export type { ConsumerReceipts } from './participant.js';
export type { Progress } from './progress.js';

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  /** hello-world: the text each consumer received, after the header */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** observes each measured receipt (in-process runs only); tests stall a consumer with it */
  afterReceive?: (receivedAtUs: number) => void;
  /** stop early (Ctrl-C): producers stop, a short drain, then the run ends as aborted */
  signal?: AbortSignal;
}

export interface RunPlan {
  runId: string;
  /** 1: everything in this process; N > 1: producers and consumers spread over N worker processes */
  workers: number;
  /** how workers build their own driver (they cannot share this process's connections) */
  driverOptions: DriverOptions;
}

/** Runs one workload: topology set up once, participants run, results merged, topology removed. */
export async function runWorkload(driver: Driver, workload: Workload, plan: RunPlan, hooks: RunHooks = {}): Promise<Measurement> {
  const topology: Topology = {
    prefix: `mqbench-${plan.runId}`,
    stream: workload.stream,
    partitions: workload.partitions,
    subscriptions: workload.subscriptions,
  };
  let interrupted: string | undefined;
  const onSignal = (): void => {
    interrupted ??= 'interrupted';
  };
  hooks.signal?.addEventListener('abort', onSignal, { once: true });
  await initHistograms();
  try {
    await driver.setup(topology);
    const info = await driver.info();
    if (plan.workers > 1) {
      const entry = findDriver(driver.name);
      const partials = await runWithWorkers({
        driverName: entry.name,
        driverOptions: plan.driverOptions,
        workload,
        topology,
        assignments: planAssignments(workload, plan.workers, driver.name === 'memory'),
        privateBroker: driver.name === 'memory',
        ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
      });
      return mergePartials(workload, info, partials.partials, partials.abortReason ?? interrupted);
    }
    const progress = progressReporter(workload, hooks.onProgress);
    const coordinator: Coordinator = {
      async start() {
        await driver.waitUntilConsumersReady(30_000);
        const at = nowUs();
        progress.started(at);
        return at;
      },
      inFlight: (sentAll, receivedAll, errorsAll) => inFlightFrom(sentAll, receivedAll, errorsAll, workload.subscriptions),
      drained: (live: LiveCounters, deadlineUs: number) =>
        nowUs() >= deadlineUs || everythingArrived(live.expected, live.outstanding, live.uniqueBySubscription, workload.subscriptions),
      abortReason: () => interrupted,
      failedSeqs: (local) => local,
    };
    try {
      const partial = await runParticipant(driver, workload, planAssignments(workload, 1, false)[0] ?? { producers: [], consumers: [] }, coordinator, {
        onLive: (live) => progress.update(live.sentAll, live.receivedAll),
        ...(hooks.onMessageText ? { onMessageText: hooks.onMessageText } : {}),
        ...(hooks.afterReceive ? { afterReceive: hooks.afterReceive } : {}),
      });
      return mergePartials(workload, info, [partial], interrupted);
    } finally {
      progress.stop();
    }
  } finally {
    hooks.signal?.removeEventListener('abort', onSignal);
    await withTimeout(driver.teardown(), 15_000, () => new Error('no answer within 15 s')).catch((error: unknown) => {
      process.stderr.write(
        `warning: could not remove ${topology.prefix}.* from the broker: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    });
  }
}
