/**
 * RabbitMQ's native stream benchmark tool for `bench calibrate`: stream-perf-test, one producer and
 * one consumer on one stream, as mqbench's ack scenario runs them. It is published only as a jar on
 * GitHub, not on Maven Central, so `npm run fetch:tools` cannot fetch it: the user puts it in
 * brokers/tools/lib (obtainHint).
 */
import { randomBytes } from 'node:crypto';
import { runJavaJar } from '../native-tool/java.js';
import { javaUserInfo, urisFromEnvironment } from '../native-tool/tool-uri.js';
import { median } from '../native-tool/stats.js';
import type { CalibrationCase, CalibrationWorkload, CaseMetric, NativeFigures, NativeTool } from '../native-tool/types.js';
import { UsageError } from '../../errors.js';
import { streamCleaner } from './clean.js';
import { parseStreamUrl } from './url.js';

const confirmed: CaseMetric = { id: 'sent', label: 'throughput confirmed (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.sentPerSec };
const consumed: CaseMetric = { id: 'received', label: 'throughput consumed (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.receivedPerSec };
// stream-perf-test stamps each message when the producer creates it: compare with mqbench's uncorrected latency
const p50: CaseMetric = { id: 'p50', label: 'latency p50 (native: whole ms)', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.p50 };
const p99: CaseMetric = { id: 'p99', label: 'latency p99 (native: whole ms)', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.p99 };

const latencyRate = 2000;
/** mqbench's closed loop keeps 1000 messages in flight; its stream batch default is 100 (the tool's too) */
const inflight = 1000;

/** stream-perf-test flags per case, beside the shared ones */
const toolFlags: Record<string, readonly string[]> = {
  'ack-max': ['-c', String(inflight)],
  'ack-2000': ['-r', String(latencyRate)],
};

function cases(workload: CalibrationWorkload): CalibrationCase[] {
  if (workload.partitions !== 1) {
    throw new UsageError('rabbit-stream calibration runs with --partitions 1 only: stream-perf-test spreads producers over streams round robin, not by key as mqbench does');
  }
  return [
    {
      id: 'ack-max',
      title: 'ack, max rate',
      scenario: 'ack',
      mqbench: { rate: 'max', inflight },
      metrics: [confirmed, consumed],
      note: 'publish confirms with 1000 unconfirmed, batches of at most 100 on both sides; stream-perf-test stores no consumer offset, mqbench stores one every second',
    },
    {
      id: 'ack-2000',
      title: `ack, ${latencyRate.toLocaleString('en-US')} msg/s`,
      scenario: 'ack',
      mqbench: { rate: latencyRate },
      metrics: [p50, p99],
      note: 'latency from message creation (mqbench: uncorrected); stream-perf-test prints whole milliseconds: the median of its per-second p50/p99 after the warm-up',
    },
  ];
}

interface ToolSecond {
  second: number;
  confirmed: number;
  consumed: number;
  /** ms */
  p50: number;
  p99: number;
}

/** "3, published 407618 msg/s, confirmed 406021 msg/s, consumed 558272 msg/s, latency median/75th/95th/99th 596/730/763/797 ms, chunk size 729" */
function perSecond(stdout: string): ToolSecond[] {
  const lines = stdout.matchAll(/^(\d+), published \d+ msg\/s, confirmed (\d+) msg\/s, consumed (\d+) msg\/s, latency median\/75th\/95th\/99th (\d+)\/\d+\/\d+\/(\d+) ms/gm);
  return [...lines].map((m) => ({ second: Number(m[1]), confirmed: Number(m[2]), consumed: Number(m[3]), p50: Number(m[4]), p99: Number(m[5]) }));
}

/**
 * The tool's figures for the seconds after mqbench's warm-up (its summary covers the whole run, JVM
 * warm-up included, and it is kept as *Run values): mean throughput, median of the per-second
 * p50s and p99s in µs. A median of p99s leans low, so it errs in the tool's favour.
 */
export function parseStreamPerfTest(stdout: string, warmupSec: number): Record<string, number> {
  const summary = /Summary: published \d+ msg\/s, confirmed (\d+) msg\/s, consumed (\d+) msg\/s/.exec(stdout);
  if (!summary) throw new Error(`stream-perf-test printed no summary: ${stdout.trim().split('\n').pop() ?? ''}`);
  const seconds = perSecond(stdout);
  // another release's line format would otherwise leave only the whole-run figures, JVM warm-up included
  if (seconds.length === 0) throw new Error('stream-perf-test printed no per-second line mqbench can read (tested with 1.8.0): is it another version?');
  const steady = seconds.filter((s) => s.second > warmupSec);
  const values: Record<string, number> = { sentRun: Number(summary[1]), receivedRun: Number(summary[2]) };
  if (steady.length === 0) throw new Error(`stream-perf-test ran no second past the ${warmupSec} s warm-up`);
  const mean = (pick: (s: ToolSecond) => number): number => steady.reduce((sum, s) => sum + pick(s), 0) / steady.length;
  return {
    ...values,
    sent: mean((s) => s.confirmed),
    received: mean((s) => s.consumed),
    p50: median(steady.map((s) => s.p50)) * 1000,
    p99: median(steady.map((s) => s.p99)) * 1000,
  };
}

/**
 * The URI stream-perf-test takes: credentials and vhost spelled out (mqbench's URL may leave them to
 * defaults), the user info as the Java clients decode it (tool-uri.ts).
 */
export function streamToolUri(url: string): string {
  const { hostname, port, username, password, vhost } = parseStreamUrl(url);
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return `rabbitmq-stream://${javaUserInfo({ username, password })}${host}:${port}/${encodeURIComponent(vhost)}`;
}

async function run(which: CalibrationCase, workload: CalibrationWorkload, url: string): Promise<NativeFigures> {
  const flags = toolFlags[which.id];
  if (!flags) throw new Error(`no stream-perf-test flags for case ${which.id}`);
  const stream = `mqbench-calibrate-${randomBytes(4).toString('hex')}`;
  const seconds = workload.warmupSec + workload.durationSec;
  const uri = streamToolUri(url);
  const args = ['-x', '1', '-y', '1', '-s', String(workload.size), '-z', String(seconds), '-st', stream, '-ds', 'true', '-bs', '100', ...flags];
  try {
    const output = await runJavaJar('stream-perf-test', args, (seconds + 60) * 1000, { urls: [uri, url], fromEnvironment: urisFromEnvironment('RABBITMQ_STREAM_PERF_TEST_ENV_PREFIX', [uri]) });
    return { values: parseStreamPerfTest(output.stdout, workload.warmupSec), commands: [output.command] };
  } finally {
    // the tool deletes its stream when it ends normally (-ds): this is for when it did not
    await streamCleaner.remove(url, [{ kind: 'stream', name: stream, inUse: false }], 5000).catch(() => undefined);
  }
}

export const calibration: NativeTool = {
  broker: 'rabbit-stream',
  jar: 'stream-perf-test',
  obtainHint:
    'stream-perf-test is not on Maven Central, so `npm run fetch:tools` cannot fetch it: download stream-perf-test-<version>.jar from https://github.com/rabbitmq/rabbitmq-stream-perf-test/releases into brokers/tools/lib (or build it there with `./mvnw package -DskipTests` and copy target/stream-perf-test.jar)',
  describe: () => 'RabbitMQ stream-perf-test (com.rabbitmq.stream.perf.StreamPerfTest, user-supplied jar)',
  cases,
  run,
};
