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
