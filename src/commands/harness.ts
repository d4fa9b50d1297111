import Table from 'cli-table3';
import os from 'node:os';
import { formatCount, formatLatencyUs, formatMb } from '../util/format.js';
import type { Quit } from './interrupts.js';
import { runOnce } from './run.js';
import { plural } from '../util/plural.js';

/**
 * `bench harness` (npm run bench:harness): the memory driver's ceiling through the whole pipeline
 * (header, send, deliver, accounting, histograms) with 1 and 2 worker processes. A broker measured
 * near this number is measuring mqbench, not the broker.
 */
export async function harnessCommand(options: { duration: string; out: string; quit: Quit }): Promise<string> {
  const table = new Table({ head: ['workers', 'producers', 'received msg/s', 'MB/s', 'p50', 'p99', 'lost'], style: { head: [], border: [] } });
  for (const workers of [1, 2]) {
    process.stderr.write(`harness: memory driver, ${plural(workers, 'worker')}, ${options.duration} ...\n`);
    const given = { broker: 'memory', scenario: 'noack', duration: options.duration, warmup: '1s', producers: 2, workers };
    const { result } = await runOnce(given, { out: options.out, json: false, progress: false, print: false, quit: options.quit });
    table.push([
      String(workers),
      '2',
      formatCount(result.throughput.receivedPerSec),
      formatMb(result.throughput.mbPerSec),
      formatLatencyUs(result.latencyUs.endToEnd.p50),
      formatLatencyUs(result.latencyUs.endToEnd.p99),
      formatCount(result.counts.lost),
    ]);
  }
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `mqbench harness ceiling (memory driver, noack, closed loop, 100 B, ${os.cpus().length} cores: ${cpu}, node ${process.version})\n${table.toString()}\n`;
}
