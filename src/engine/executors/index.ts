import type { Workload } from '../../results/types.js';
import { ClosedLoop } from './closed-loop.js';
import { OpenLoop } from './open-loop.js';
import { StagesExecutor } from './stages.js';
import type { Executor } from './types.js';

export type { ExecutionContext, Executor } from './types.js';

/** The executor a workload asks for: a rate is an open loop, a ramp (--stages) an open loop on it, 'max' or a message count a closed loop. */
export function executorFor(workload: Workload): Executor {
  if (workload.rate === 'max' || workload.messages !== null) {
    return new ClosedLoop({ inflight: workload.inflight, messages: workload.messages });
  }
  if (workload.ramp) return new StagesExecutor({ ramp: workload.ramp, producers: workload.producers, maxOutstanding: workload.maxOutstanding });
  return new OpenLoop({ ratePerSec: workload.rate, producers: workload.producers, maxOutstanding: workload.maxOutstanding });
}

/**
 * How often participants report their counters (and, with --workers, the parent relays the totals).
 * A closed loop's window of messages in flight is shared by every participant, so they must hear each
 * other's counts often; an open loop's schedule needs nothing from the others, and the counters only
 * feed progress, stall and drain decisions: each report wakes every process involved, 200 times a
 * second at 5 ms (a few microseconds of CPU per message at 2,000 msg/s).
 */
export function liveReportIntervalMs(workload: Workload): number {
  return executorFor(workload).loop === 'closed-loop' ? 5 : 50;
}
