/**
 * RabbitMQ's native benchmark tool for `bench calibrate`: PerfTest (com.rabbitmq:perf-test 2.22),
 * one producer and one consumer, as mqbench's noack/ack scenarios run them.
 */
import type amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { runJava } from '../native-tool/java.js';
import { javaToolUri, urisFromEnvironment } from '../native-tool/tool-uri.js';
import { median } from '../native-tool/stats.js';
import type { CalibrationCase, CalibrationWorkload, CaseMetric, NativeFigures, NativeTool } from '../native-tool/types.js';
import { UsageError } from '../../errors.js';
import { connectAmqp, rabbitUrlList } from './urls.js';

const received: CaseMetric = { id: 'received', label: 'throughput received (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.receivedPerSec };
const sent: CaseMetric = { id: 'sent', label: 'throughput sent (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.sentPerSec };
// PerfTest stamps each message with its actual send time: compare with mqbench's uncorrected latency
const p50: CaseMetric = { id: 'p50', label: 'latency p50', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.p50 };
const p99: CaseMetric = { id: 'p99', label: 'latency p99', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.p99 };

export const latencyRate = 2000;

/** PerfTest flags per case: mqbench's defaults for the same delivery mode (prefetch 1000, multi-ack 100, 1000 in flight). */
const perfTestFlags: Record<string, readonly string[]> = {
  'noack-max': ['-a'],
  'ack-max': ['-c', '1000', '-q', '1000', '-A', '100'],
  'noack-2000': ['-a', '-r', String(latencyRate)],
};

function cases(workload: CalibrationWorkload): CalibrationCase[] {
  if (workload.partitions !== 1) {
    throw new UsageError('rabbit calibration runs with --partitions 1 only: PerfTest cannot spread one producer over several queues the way mqbench does');
  }
  return [
    { id: 'noack-max', title: 'noack, max rate', scenario: 'noack', mqbench: { rate: 'max' }, metrics: [sent, received], note: 'PerfTest: autoack, no confirms, unbounded publishing; mqbench: closed loop, 1000 in flight' },
    { id: 'ack-max', title: 'ack, max rate', scenario: 'ack', mqbench: { rate: 'max' }, metrics: [sent, received], note: 'confirms (1000 unconfirmed), manual ack, prefetch 1000, multi-ack 100 on both sides' },
    { id: 'noack-2000', title: `noack, ${latencyRate.toLocaleString('en-US')} msg/s`, scenario: 'noack', mqbench: { rate: latencyRate }, metrics: [p50, p99], note: 'latency from actual send time (mqbench: uncorrected); PerfTest: median of its per-second p50/p99 after the warm-up' },
  ];
}

interface PerfTestSecond {
  time: number;
  sent: number;
  received: number;
  /** µs; absent in seconds without receipts */
  p50?: number;
  p99?: number;
}

/** "time 3.001 s, sent: 10605 msg/s, received: 12042 msg/s, min/median/75th/95th/99th consumer latency: 9/18/.../36 µs" */
function perSecond(stdout: string): PerfTestSecond[] {
  const lines = stdout.matchAll(/time:? ([\d.]+) ?s, sent: (\d+) msg\/s, received: (\d+) msg\/s(?:, min\/median\/75th\/95th\/99th consumer latency: \d+\/(\d+)\/\d+\/\d+\/(\d+) (µs|ms))?/g);
  return [...lines].map((m) => {
    const toUs = m[6] === 'ms' ? 1000 : 1;
    const second: PerfTestSecond = { time: Number(m[1]), sent: Number(m[2]), received: Number(m[3]) };
    if (m[4] !== undefined && m[5] !== undefined) Object.assign(second, { p50: Number(m[4]) * toUs, p99: Number(m[5]) * toUs });
    return second;
  });
}

const middle = (values: number[]): number | undefined => (values.length === 0 ? undefined : median(values));

/**
 * PerfTest's figures for the seconds after mqbench's warm-up (its summary covers the whole run,
 * JVM warm-up included). Latency: the median of the per-second p50s and p99s; a median of p99s
 * leans low, so it errs in PerfTest's favour. The whole-run summary is kept as *Run values.
 */
export function parsePerfTest(stdout: string, warmupSec: number): Record<string, number> {
  const sentAvg = /sending rate avg: (\d+) msg\/s/.exec(stdout);
  const receivedAvg = /receiving rate avg: (\d+) msg\/s/.exec(stdout);
  if (!sentAvg || !receivedAvg) throw new Error(`PerfTest printed no summary: ${stdout.trim().split('\n').pop() ?? ''}`);
  const steady = perSecond(stdout).filter((s) => s.time > warmupSec + 0.5);
  const mean = (pick: (s: PerfTestSecond) => number): number => steady.reduce((sum, s) => sum + pick(s), 0) / steady.length;
  const values: Record<string, number> = {
    sent: steady.length > 0 ? mean((s) => s.sent) : Number(sentAvg[1]),
    received: steady.length > 0 ? mean((s) => s.received) : Number(receivedAvg[1]),
    sentRun: Number(sentAvg[1]),
    receivedRun: Number(receivedAvg[1]),
  };
  const p50 = middle(steady.flatMap((s) => (s.p50 === undefined ? [] : [s.p50])));
  const p99 = middle(steady.flatMap((s) => (s.p99 === undefined ? [] : [s.p99])));
  if (p50 !== undefined && p99 !== undefined) Object.assign(values, { p50, p99 });
  const run = /consumer latency min\/median\/75th\/95th\/99th \d+\/(\d+)\/\d+\/\d+\/(\d+) (µs|ms)/.exec(stdout);
  if (run) Object.assign(values, { p50Run: Number(run[1]) * (run[3] === 'ms' ? 1000 : 1), p99Run: Number(run[2]) * (run[3] === 'ms' ? 1000 : 1) });
  return values;
}

/** PerfTest declares an exchange and a queue and leaves the exchange behind: named here, deleted after. */
async function deleteObjects(url: string, name: string): Promise<void> {
  const connection = await connectAmqp(rabbitUrlList(url)[0] ?? url);
  try {
    for (const remove of [(c: amqp.Channel) => c.deleteQueue(name), (c: amqp.Channel) => c.deleteExchange(name)]) {
      // a failed delete closes its channel: one channel each
      const channel = await connection.createChannel();
      await remove(channel).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function run(which: CalibrationCase, workload: CalibrationWorkload, url: string): Promise<NativeFigures> {
  const flags = perfTestFlags[which.id];
  if (!flags) throw new Error(`no PerfTest flags for case ${which.id}`);
  const name = `mqbench-calibrate-${randomBytes(4).toString('hex')}`;
  const seconds = workload.warmupSec + workload.durationSec;
  const args = ['-x', '1', '-y', '1', '-s', String(workload.size), '-z', String(seconds), '-u', name, '-e', name, '-k', name, '--id', name, ...flags];
  const uris = rabbitUrlList(url).map(javaToolUri);
  try {
    const output = await runJava('com.rabbitmq.perf.PerfTest', args, (seconds + 60) * 1000, { urls: [url, ...uris], fromEnvironment: urisFromEnvironment('RABBITMQ_PERF_TEST_ENV_PREFIX', uris) });
    return { values: parsePerfTest(output.stdout, workload.warmupSec), commands: [output.command] };
  } finally {
    await deleteObjects(url, name);
  }
}

export const calibration: NativeTool = {
  broker: 'rabbit',
  jar: 'perf-test-',
  describe: () => 'RabbitMQ PerfTest 2.22 (com.rabbitmq.perf.PerfTest)',
  cases,
  run,
};
