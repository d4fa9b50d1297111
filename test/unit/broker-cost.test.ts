import { describe, expect, test } from 'vitest';
import { brokerCostOf, cpuTicksOf, describeBrokerCost, memoryOf, parsePidList, perSecondCost, procSample, writeBytesOf, type CostSample } from '../../src/metrics/broker-cost.js';

/** /proc/<pid>/stat with utime and stime (fields 14 and 15); the command name holds a space and a ')' */
const stat = (utime: number, stime: number): string =>
  `4242 (java (main) x) S 1 4242 4242 0 -1 4194560 250000 0 12 0 ${utime} ${stime} 0 0 20 0 80 0 98961 3133440000 100000 18446744073709551615 1 1 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;
const status = (rssKb: number, hwmKb: number): string => `Name:\tjava\nState:\tS (sleeping)\nVmPeak:\t 4000000 kB\nVmHWM:\t  ${hwmKb} kB\nVmRSS:\t  ${rssKb} kB\nThreads:\t80\n`;
const io = (written: number): string => `rchar: 6976\nwchar: 100\nsyscr: 10\nsyscw: 0\nread_bytes: 4096\nwrite_bytes: ${written}\ncancelled_write_bytes: 0\n`;

describe('/proc texts', () => {
  test('stat: utime + stime counted from the last ")" (names may hold spaces and parentheses)', () => {
    expect(cpuTicksOf(stat(1500, 300))).toBe(1800);
    expect(() => cpuTicksOf('garbage')).toThrow(/stat/);
  });

  test('status: VmRSS and VmHWM in bytes; absent (kernel thread) is 0', () => {
    expect(memoryOf(status(400_000, 450_000))).toEqual({ rssBytes: 400_000 * 1024, hwmBytes: 450_000 * 1024 });
    expect(memoryOf('Name:\tkthreadd\n')).toEqual({ rssBytes: 0, hwmBytes: 0 });
  });

  test('io: write_bytes', () => {
    expect(writeBytesOf(io(123_456))).toBe(123_456);
  });

  test('--broker-pid: positive whole numbers, comma-separated, duplicates dropped', () => {
    expect(parsePidList('4242')).toEqual([4242]);
    expect(parsePidList('1, 2,2')).toEqual([1, 2]);
    for (const bad of ['', 'x', '0', '-5', '1,,2', '1.5']) expect(parsePidList(bad)).toBeUndefined();
  });
});

const sampleAt = (atUs: number, processes: [number, number, number, number | undefined][]): CostSample => ({
  atUs,
  processes: processes.map(([pid, ticks, rssKb, written]) =>
    procSample(pid, { stat: stat(ticks, 0), status: status(rssKb, rssKb * 2), io: written === undefined ? undefined : io(written) }),
  ),
});

describe('broker cost over the measured window', () => {
  const processes = [{ pid: 1, source: 'started by mqbench' as const }, { pid: 2, source: 'started by mqbench' as const }];

  test('CPU and disk per message summed over processes; peak RSS is the highest summed sample', () => {
    const start = sampleAt(10_000_000, [[1, 1000, 100_000, 5000], [2, 500, 50_000, 0]]);
    const middle = sampleAt(11_000_000, [[1, 1100, 300_000, 6000], [2, 520, 60_000, 0]]);
    const end = sampleAt(12_000_000, [[1, 1200, 200_000, 9000], [2, 600, 50_000, 1000]]);
    // 100 ticks/s: (200 + 100) ticks = 3 s of CPU for 10,000 messages = 300 us each
    const cost = brokerCostOf({ start, end, samples: [start, middle, end], messages: 10_000, messagesWindowUs: 2_000_000, startLagUs: 0, ticksPerSec: 100, processes });
    expect(cost).toEqual({
      measured: true,
      processes,
      windowUs: 2_000_000,
      windowStartLagUs: 0,
      messages: 10_000,
      cpuUs: 3_000_000,
      cpuSeconds: 3,
      cpuPerMessageUs: 300,
      peakRssBytes: 360_000 * 1024,
      lifetimePeakRssBytes: 500_000 * 1024,
      diskWriteBytes: 5000,
      diskWriteBytesPerMessage: 0.5,
    });
    expect(describeBrokerCost(cost)).toMatch(/^broker cost: 300\.0 us CPU per message \(3\.00 s CPU over 2\.0 s\), peak RSS 352 MiB, 1 B written to disk per message; pid 1 \(started by mqbench\), 2/);
  });

  test('a sampled window shifted by a late timer: per message is CPU per second over messages per second', () => {
    // sampled 2.2 s (timers 200 ms late at the end) while 10,000 messages went out in the 2 s send window
    const start = sampleAt(10_100_000, [[1, 0, 1000, 0]]);
    const end = sampleAt(12_300_000, [[1, 220, 1000, 11_000]]);
    const cost = brokerCostOf({ start, end, samples: [start, end], messages: 10_000, messagesWindowUs: 2_000_000, startLagUs: 100_000, ticksPerSec: 100, processes: [processes[0] as (typeof processes)[0]] });
    // 1 s of CPU per second of broker time / 5,000 messages per second = 200 us per message, 1 B per message
    expect(cost.measured && [cost.cpuUs, cost.cpuPerMessageUs, cost.diskWriteBytesPerMessage, cost.windowStartLagUs]).toEqual([2_200_000, 200, 1, 100_000]);
  });

  test('an unreadable /proc/<pid>/io: disk is left out with the reason, CPU and memory stay', () => {
    const start = sampleAt(0, [[1, 0, 1000, undefined]]);
    const end = sampleAt(1_000_000, [[1, 100, 1000, undefined]]);
    const cost = brokerCostOf({ start, end, samples: [start, end], messages: 0, messagesWindowUs: 1_000_000, startLagUs: 0, ticksPerSec: 100, processes: [processes[0] as (typeof processes)[0]] });
    expect(cost.measured && cost.diskWriteBytes).toBeUndefined();
    expect(cost.measured && cost.diskNotMeasured).toMatch(/not readable/);
    // no message: per-message figures are 0, never a division by zero
    expect(cost.measured && cost.cpuPerMessageUs).toBe(0);
  });

  test('per-second timeline fields, aligned to the window start', () => {
    const samples = [
      sampleAt(5_000_000, [[1, 0, 1000, 0]]),
      sampleAt(6_000_000, [[1, 50, 2000, 0]]),
      sampleAt(7_000_200, [[1, 80, 3000, 0]]),
    ];
    const bySecond = perSecondCost(samples, 5_000_000, 100);
    expect([...bySecond.entries()]).toEqual([
      [0, { brokerCpuUs: 500_000, brokerRssBytes: 2000 * 1024 }],
      [1, { brokerCpuUs: 300_000, brokerRssBytes: 3000 * 1024 }],
    ]);
  });

  test('not measured: the reason is the line', () => {
    expect(describeBrokerCost({ measured: false, reason: 'not started by mqbench on this host' })).toBe('broker cost: not measured: not started by mqbench on this host');
  });
});
