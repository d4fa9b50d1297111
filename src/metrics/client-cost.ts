import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** One process's cost over the measured window (pure data; merged across workers). */
export interface ClientCostSample {
  /** user + system CPU time of this process over the window (us) */
  cpuUs: number;
  windowUs: number;
  /** event-loop delay p99 and max over the window (us): how much later than scheduled timers and I/O callbacks ran */
  eventLoopDelayP99Us: number;
  eventLoopDelayMaxUs: number;
}

/**
 * The event-loop meter's sampling interval. Node's histogram records each sample as the time since the
 * previous one, interval included (an idle loop reads ~10 ms at 10 ms), so the interval is subtracted
 * from what it reports: the figures are the delay beyond the schedule. A finer interval would wake the
 * loop more often and cost the CPU this meter is there to watch.
 */
const samplingMs = 10;
const samplingNs = samplingMs * 1e6;

/** A recorded sample (ns, interval included) as the delay beyond the schedule (us). */
const beyondScheduleUs = (ns: number): number => Math.round(Math.max(0, ns - samplingNs) / 1000);

/**
 * Measures what the client process itself costs while it measures the broker: CPU time
 * (process.cpuUsage) and event-loop delay (perf_hooks), so a reader sees when the client is the bottleneck.
 */
export class ClientCostMeter {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: samplingMs });
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private startUs = 0;

  start(atUs: number): void {
    this.cpuAtStart = process.cpuUsage();
    this.startUs = atUs;
    this.delay.reset();
    this.delay.enable();
  }

  /** Ends the window; a meter never started reports an empty window. */
  stop(atUs: number): ClientCostSample {
    this.delay.disable();
    if (!this.cpuAtStart) return { cpuUs: 0, windowUs: 0, eventLoopDelayP99Us: 0, eventLoopDelayMaxUs: 0 };
    const cpu = process.cpuUsage(this.cpuAtStart);
    const sample = {
      cpuUs: cpu.user + cpu.system,
      windowUs: Math.max(0, atUs - this.startUs),
      // the histogram is in nanoseconds; empty when the loop never got to sample
      eventLoopDelayP99Us: this.delay.count > 0 ? beyondScheduleUs(this.delay.percentile(99)) : 0,
      eventLoopDelayMaxUs: this.delay.count > 0 ? beyondScheduleUs(this.delay.max) : 0,
    };
    this.cpuAtStart = undefined;
    return sample;
  }
}
