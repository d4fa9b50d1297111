import type { Ramp } from '../../results/types.js';
import { formatCount } from '../../util/format.js';
import { describeRamp, peakRate } from '../../metrics/load-shape-words.js';
import { RampCurve, rampSendTimes } from '../ramp-schedule.js';
import type { SendTimes } from '../schedule.js';
import { OpenLoop } from './open-loop.js';
import type { ExecutionContext } from './types.js';

export interface StagesSettings {
  ramp: Ramp;
  producers: number;
  /** most sends awaiting the broker at once over the whole run */
  maxOutstanding: number;
}

/**
 * Ramping arrival rate (k6's ramping-arrival-rate): the open loop on a schedule whose rate moves
 * linearly from stage to stage (ramp-schedule.ts). Everything else is the open loop's: the precise
 * timer, latency from the intended time (corrected for coordinated omission along the ramp), late
 * sends sent late, the --max-outstanding cap, unsent counted.
 */
export class StagesExecutor extends OpenLoop {
  override readonly description: string;

  constructor(private readonly stages: StagesSettings) {
    super({ ratePerSec: peakRate(stages.ramp), producers: stages.producers, maxOutstanding: stages.maxOutstanding });
    this.description = `ramping arrival rate ${describeRamp(stages.ramp)}, at most ${formatCount(stages.maxOutstanding)} sends outstanding`;
  }

  protected override sendTimesFor(producerIndex: number, context: ExecutionContext): SendTimes {
    const curve = new RampCurve(this.stages.ramp, context.warmupEndUs - context.startUs, context.startUs);
    return rampSendTimes(curve, this.stages.producers, producerIndex);
  }
}
