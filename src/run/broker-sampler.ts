/**
 * Samples the broker's processes on this host (/proc) at the measured window's start and end and
 * about once a second in between, aligned to the window, so the result can say what the broker cost.
 * The numbers are computed in broker-cost.ts; this module only reads /proc and keeps time.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { BrokerPlugin } from '../drivers/plugin.js';
import type { Progress } from '../engine/progress.js';
import type { BrokerCost, BrokerProcess, TimelinePoint, Workload } from '../results/types.js';
import { nowUs } from '../util/clock.js';
import { brokerCostOf, perSecondCost, procSample, type CostSample } from '../metrics/broker-cost.js';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times: `getconf CLK_TCK`, asked once. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const ticks = Number(text);
    if (!Number.isInteger(ticks) || ticks <= 0) throw new Error(`getconf CLK_TCK answered "${text}"`);
    ticksPerSecond = ticks;
  }
  return ticksPerSecond;
}

/** Why CPU time cannot be read here (no getconf), or undefined. */
function clockProblem(): { reason: string } | undefined {
  try {
    clockTicksPerSecond();
    return undefined;
  } catch (error) {
    return { reason: `cannot read the clock tick rate (getconf CLK_TCK): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

export type CostSource = { processes: BrokerProcess[] } | { reason: string };

/** Which processes to sample: the user's pids, else the ones the plug-in started for this URL, else why none. */
export async function brokerCostSource(plugin: BrokerPlugin, url: string, named: number[] | undefined): Promise<CostSource> {
  if (named) return clockProblem() ?? { processes: named.map((pid) => ({ pid, source: '--broker-pid' as const })) };
  if (plugin.inProcess || !plugin.endpoint) return { reason: 'the broker runs inside the client process: its cost is the client cost' };
  if (process.platform !== 'linux') return { reason: 'broker cost is read from /proc: Linux only' };
  const pids = await plugin.localProcesses?.(url).catch(() => undefined);
  if (!pids || pids.length === 0) return { reason: 'not started by mqbench on this host (a shared or remote broker); give --broker-pid for a broker process on this host' };
  return clockProblem() ?? { processes: pids.map((pid) => ({ pid, source: 'started by mqbench' as const })) };
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** One sample of every process; undefined for a process that is gone. */
async function sampleNow(pids: readonly number[]): Promise<CostSample> {
  const atUs = nowUs();
  const processes = [];
  for (const pid of pids) {
    const [stat, status] = await Promise.all([readOrUndefined(`/proc/${pid}/stat`), readOrUndefined(`/proc/${pid}/status`)]);
    if (stat === undefined || status === undefined) continue;
    processes.push(procSample(pid, { stat, status, io: await readOrUndefined(`/proc/${pid}/io`) }));
  }
  return { atUs, processes };
}

/** How late the window's first sample may be, as a share of the window, and still stand for its start. */
const startToleranceShare = 0.1;

/**
 * Learns the run's start from the progress ticks (elapsed time since the common start), then samples
 * at the window's start, every second after it, and at its scheduled end.
 */
export class BrokerCostSampler {
  private readonly ticks = clockTicksPerSecond();
  private readonly samples: CostSample[] = [];
  private windowStartUs: number | undefined;
  private windowEndUs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly processes: readonly BrokerProcess[],
    private readonly workload: Workload,
  ) {}

  /** Wire to the run's onProgress: the first tick tells when the run started. */
  onProgress(progress: Progress): void {
    if (this.windowStartUs !== undefined || this.stopped || this.workload.messages !== null) return;
    // before sending starts, elapsed time counts from the reporter's creation, not from the run's start
    if (progress.phase === 'connect') return;
    const startUs = nowUs() - progress.elapsedUs;
    this.windowStartUs = startUs + this.workload.warmupUs;
    this.windowEndUs = this.windowStartUs + this.workload.durationUs;
    this.scheduleNext();
  }

  private nextDueUs(): number {
    const start = this.windowStartUs as number;
    const last = this.samples.at(-1);
    if (!last) return start;
    const nextSecond = start + (Math.floor((last.atUs - start) / 1_000_000) + 1) * 1_000_000;
    const end = this.windowEndUs as number;
    return last.atUs < end - 1000 && nextSecond > end ? end : nextSecond;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const due = this.nextDueUs();
    this.timer = setTimeout(() => {
      this.pending = sampleNow(this.processes.map((p) => p.pid)).then((sample) => {
        if (this.stopped) return;
        this.samples.push(sample);
        this.scheduleNext();
      });
    }, Math.max(0, (due - nowUs()) / 1000));
  }

  /** Stops sampling; no timer is left behind (a failed run calls only this). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Stops sampling (after the run) and says what the broker cost; adds the per-second fields to the timeline. */
  async finish(measuredMessages: number, sendWindowUs: number, timeline: TimelinePoint[]): Promise<BrokerCost> {
    this.stop();
    await this.pending;
    if (this.workload.messages !== null) return { measured: false, reason: 'a fixed message count has no measured window' };
    const windowStartUs = this.windowStartUs;
    const first = this.samples[0];
    if (windowStartUs === undefined || !first) return { measured: false, reason: 'the run ended before its measured window began' };
    const startLagUs = Math.max(0, first.atUs - windowStartUs);
    if (startLagUs > startToleranceShare * this.workload.durationUs) {
      return { measured: false, reason: `the window's start was sampled ${Math.round(startLagUs / 1000)} ms late (a busy client, or a --warmup under 1 s; a longer --duration tolerates more)` };
    }
    const endIndex = this.samples.findIndex((s) => s.atUs >= (this.windowEndUs as number) - 1000);
    if (endIndex < 0) return { measured: false, reason: 'the run stopped before its measured window ended' };
    const inWindow = this.samples.slice(0, endIndex + 1);
    const end = inWindow.at(-1) as CostSample;
    const gone = this.processes.find((p) => ![first, end].every((sample) => sample.processes.some((s) => s.pid === p.pid)));
    if (gone) return { measured: false, reason: `broker process ${gone.pid} was not there for the whole window` };
    for (const [second, cost] of perSecondCost(this.samples, windowStartUs, this.ticks)) {
      const point = timeline.find((p) => p.second === second);
      if (point) Object.assign(point, cost);
    }
    return brokerCostOf({ start: first, end, samples: inWindow, messages: measuredMessages, messagesWindowUs: sendWindowUs, startLagUs, ticksPerSec: this.ticks, processes: this.processes });
  }
}
