import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** One process's cost over the measured window (pure data; merged across workers). */
export interface ClientCostSample {
  /** user + system CPU time of this process over the window (us) */
  cpuUs: number;
  windowUs: number;
  /** event-loop delay p99 and max over the window (us): how late timers and I/O callbacks ran */
  eventLoopDelayP99Us: number;
  eventLoopDelayMaxUs: number;
}

/**
 * Measures what the client process itself costs while it measures the broker: CPU time
 * (process.cpuUsage) and event-loop delay (perf_hooks), so a reader sees when the client is the bottleneck.
 */
export class ClientCostMeter {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
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
      eventLoopDelayP99Us: this.delay.count > 0 ? Math.round(this.delay.percentile(99) / 1000) : 0,
      eventLoopDelayMaxUs: this.delay.count > 0 ? Math.round(this.delay.max / 1000) : 0,
    };
    this.cpuAtStart = undefined;
    return sample;
  }
}
