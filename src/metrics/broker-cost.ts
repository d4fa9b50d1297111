/**
 * Broker resource cost from /proc texts (pure: texts in, numbers out; the sampler does the I/O).
 * CPU is utime + stime of /proc/<pid>/stat, memory VmRSS / VmHWM of /proc/<pid>/status, disk
 * write_bytes of /proc/<pid>/io (bytes the process caused to be sent to the block layer).
 */
import type { BrokerCost, BrokerProcess } from '../results/types.js';

/** One process at one instant. `writeBytes` is undefined when /proc/<pid>/io was not readable (another user's process). */
export interface ProcSample {
  pid: number;
  cpuTicks: number;
  rssBytes: number;
  hwmBytes: number;
  writeBytes: number | undefined;
}

/** Every watched process at one instant (clock: nowUs). */
export interface CostSample {
  atUs: number;
  processes: ProcSample[];
}

/**
 * utime + stime in clock ticks. The command name (field 2) may hold spaces and parentheses, so the
 * fields are counted from the last ')'; utime and stime are fields 14 and 15.
 */
export function cpuTicksOf(statText: string): number {
  const close = statText.lastIndexOf(')');
  const fields = statText.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state): field n is fields[n - 3]
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (close < 0 || !Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc/<pid>/stat');
  return utime + stime;
}

/** A "Name:   123 kB" line of /proc/<pid>/status, in bytes; 0 when absent (a kernel thread, a zombie). */
function statusKb(statusText: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(statusText);
  return match?.[1] ? Number(match[1]) * 1024 : 0;
}

export function memoryOf(statusText: string): { rssBytes: number; hwmBytes: number } {
  return { rssBytes: statusKb(statusText, 'VmRSS'), hwmBytes: statusKb(statusText, 'VmHWM') };
}

export function writeBytesOf(ioText: string): number {
  const match = /^write_bytes:\s+(\d+)/m.exec(ioText);
  if (!match?.[1]) throw new Error('unreadable /proc/<pid>/io');
  return Number(match[1]);
}

export function procSample(pid: number, texts: { stat: string; status: string; io: string | undefined }): ProcSample {
  const memory = memoryOf(texts.status);
  return { pid, cpuTicks: cpuTicksOf(texts.stat), ...memory, writeBytes: texts.io === undefined ? undefined : writeBytesOf(texts.io) };
}

const sum = (values: readonly number[]): number => values.reduce((n, v) => n + v, 0);

/** The watched processes' summed CPU time between two samples (us). */
export function cpuUsBetween(from: CostSample, to: CostSample, ticksPerSec: number): number {
  const ticks = sum(to.processes.map((p) => p.cpuTicks - (from.processes.find((f) => f.pid === p.pid)?.cpuTicks ?? p.cpuTicks)));
  return Math.round((ticks * 1_000_000) / ticksPerSec);
}

/** Disk bytes written between two samples; undefined when any process's io was unreadable. */
function writeBytesBetween(from: CostSample, to: CostSample): number | undefined {
  let total = 0;
  for (const p of to.processes) {
    const before = from.processes.find((f) => f.pid === p.pid)?.writeBytes;
    if (p.writeBytes === undefined || before === undefined) return undefined;
    total += p.writeBytes - before;
  }
  return total;
}

export interface CostWindow {
  start: CostSample;
  end: CostSample;
  /** every sample from start to end (both included): peak RSS is the highest sum over them */
  samples: readonly CostSample[];
  /** the run's measured sends, and the send window they went out in (us) */
  messages: number;
  messagesWindowUs: number;
  /** how late the first sample came after the measured window's start (us) */
  startLagUs: number;
  ticksPerSec: number;
  processes: readonly BrokerProcess[];
}

/**
 * The `brokerCost` block of a result: CPU and disk per message over the measured window, peak RSS.
 * Samples are taken by timers that may run late on a busy client, so the sampled window may be shifted
 * a little from the send window: per message is (broker CPU per second over the sampled window) /
 * (measured messages per second over the send window), which does not depend on the two being equal.
 */
export function brokerCostOf(window: CostWindow): BrokerCost {
  const { start, end, messages } = window;
  const cpuUs = cpuUsBetween(start, end, window.ticksPerSec);
  const written = writeBytesBetween(start, end);
  const windowUs = Math.max(1, end.atUs - start.atUs);
  const messagesPerUs = window.messagesWindowUs > 0 ? messages / window.messagesWindowUs : 0;
  const perMessage = (value: number): number => (messagesPerUs > 0 ? value / windowUs / messagesPerUs : 0);
  return {
    measured: true,
    processes: [...window.processes],
    windowUs,
    windowStartLagUs: window.startLagUs,
    messages,
    cpuUs,
    cpuSeconds: cpuUs / 1_000_000,
    cpuPerMessageUs: perMessage(cpuUs),
    peakRssBytes: Math.max(0, ...window.samples.map((s) => sum(s.processes.map((p) => p.rssBytes)))),
    lifetimePeakRssBytes: sum(end.processes.map((p) => p.hwmBytes)),
    ...(written === undefined
      ? { diskNotMeasured: '/proc/<pid>/io is not readable (a process of another user): run as that user or root' }
      : { diskWriteBytes: written, diskWriteBytesPerMessage: perMessage(written) }),
  };
}

/** Timeline fields: broker CPU in each second of the run and the RSS at its end (samples ~1 s apart, aligned to the window). */
export function perSecondCost(samples: readonly CostSample[], windowStartUs: number, ticksPerSec: number): Map<number, { brokerCpuUs: number; brokerRssBytes: number }> {
  const bySecond = new Map<number, { brokerCpuUs: number; brokerRssBytes: number }>();
  for (let i = 1; i < samples.length; i++) {
    const from = samples[i - 1] as CostSample;
    const to = samples[i] as CostSample;
    // an interval belongs to the second it starts in (samples run a little late, never early by more than this)
    const second = Math.floor((from.atUs - windowStartUs + 50_000) / 1_000_000);
    if (second < 0) continue;
    const point = bySecond.get(second) ?? { brokerCpuUs: 0, brokerRssBytes: 0 };
    point.brokerCpuUs += cpuUsBetween(from, to, ticksPerSec);
    point.brokerRssBytes = sum(to.processes.map((p) => p.rssBytes));
    bySecond.set(second, point);
  }
  return bySecond;
}

/** Parses --broker-pid: positive whole numbers, comma-separated; undefined when the text is not that. */
export function parsePidList(text: string): number[] | undefined {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) return undefined;
  return [...new Set(parts.map(Number))];
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

/** The run summary's line: what the broker cost, or why it was not measured. */
export function describeBrokerCost(cost: BrokerCost): string {
  if (!cost.measured) return `broker cost: not measured: ${cost.reason}`;
  const pids = cost.processes.map((p) => `${p.pid} (${p.source})`).join(', ');
  const disk = cost.diskWriteBytesPerMessage !== undefined ? `${cost.diskWriteBytesPerMessage.toFixed(0)} B written to disk per message` : `disk not measured (${cost.diskNotMeasured ?? 'unknown'})`;
  return `broker cost: ${cost.cpuPerMessageUs.toFixed(1)} us CPU per message (${cost.cpuSeconds.toFixed(2)} s CPU over ${(cost.windowUs / 1_000_000).toFixed(1)} s), peak RSS ${mib(cost.peakRssBytes)}, ${disk}; pid ${pids}`;
}
