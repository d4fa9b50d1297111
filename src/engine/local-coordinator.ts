import type { Driver } from '../drivers/types.js';
import type { Workload } from '../results/types.js';
import { nowUs } from '../util/clock.js';
import type { Coordinator } from './participant.js';
import { everythingArrived, inFlightFrom } from './assignments.js';
import { inPhase, phaseLimitUs } from './phases.js';
import type { ProgressReporter } from './progress.js';
import { StallWatch, workOutstanding } from './stall.js';

/** The coordinator of a run whose only participant is this process. */
export function localCoordinator(driver: Driver, workload: Workload, progress: ProgressReporter, interrupted: () => string | undefined): Coordinator {
  const stall = new StallWatch(workload.stallTimeoutUs);
  const subscriptions = workload.subscriptions;
  let stalled: string | undefined;
  return {
    async start() {
      await inPhase('waiting for every consumer to be ready', driver.waitUntilConsumersReady(30_000), phaseLimitUs(workload), interrupted);
      const at = nowUs();
      progress.started(at);
      return at;
    },
    inFlight: (sentAll, receivedAll, errorsAll) => inFlightFrom(sentAll, receivedAll, errorsAll, subscriptions),
    report(live) {
      progress.update({ ...live, inFlight: inFlightFrom(live.sentAll, live.receivedAll, live.errorsAll, subscriptions) });
      stalled ??= stall.observe(live.progress, workOutstanding(live, subscriptions), nowUs());
    },
    drained: (live, deadlineUs) =>
      nowUs() >= deadlineUs || everythingArrived(live.expected, live.outstanding, live.uniqueBySubscription, subscriptions),
    abortReason: () => interrupted() ?? stalled,
    settle: (local) => Promise.resolve(local),
  };
}
