/**
 * Kafka's native benchmark tools for `bench calibrate` (org.apache.kafka:kafka-tools 4.1):
 * ProducerPerformance + ConsumerPerformance for throughput, EndToEndLatency for one-in-flight latency.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { runJava } from '../native-tool/java.js';
import type { CalibrationCase, CalibrationWorkload, CaseMetric, NativeFigures, NativeTool } from '../native-tool/types.js';
import { commonOptions } from '../../options.js';
import { topicLeaders } from './kafkajs.js';
import { parseKafkaBrokers, waitForLeaders } from './shared.js';

// mqbench produces and consumes at once: the like-for-like native run is both tools at once
const consumedAtOnce: CaseMetric = { id: 'consumed-at-once', label: 'throughput consumed, both tools at once (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.receivedPerSec };
const producedAtOnce: CaseMetric = { id: 'produced-at-once', label: 'throughput produced, both tools at once (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.sentPerSec };
// each tool alone: the producer's ceiling, and a consumer reading a standing backlog
const produced: CaseMetric = { id: 'produced', label: 'throughput produced, producer alone (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.sentPerSec };
const consumed: CaseMetric = { id: 'consumed', label: 'throughput consumed, backlog alone (msg/s)', unit: 'msg/s', fromMqbench: (r) => r.throughput.receivedPerSec };
// EndToEndLatency times from its actual send: compare with mqbench's uncorrected latency
const mean: CaseMetric = { id: 'mean', label: 'latency mean', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.mean };
const p50: CaseMetric = { id: 'p50', label: 'latency p50 (native: whole ms, rounded down)', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.p50 };
const p99: CaseMetric = { id: 'p99', label: 'latency p99 (native: whole ms, rounded down)', unit: 'us', fromMqbench: (r) => r.latencyUs.endToEndUncorrected.p99 };

/** The Java producer's buffer.memory default: what ProducerPerformance holds unsent or unacknowledged at most. */
const javaProducerBufferBytes = 32 * 1024 * 1024;
/** --inflight's upper limit, from the options table */
const maxInflight = commonOptions.find((row) => row.name === 'inflight')?.max ?? 1_000_000;

/**
 * The native pair has no end-to-end window: ProducerPerformance sends until its buffer.memory is
 * full, whatever the consumer has read. mqbench's closed loop bounds messages in flight end to end;
 * at 1,000 (its default, a latency-minded load) a 100 B produce batch holds a few hundred records and
 * the per-request costs set the rate. Like for like, mqbench may have as many messages in flight as
 * the Java producer's buffer holds. That bound is end to end (sent, not yet received), so mqbench's
 * producer is still held to its consumer's pace, which ProducerPerformance is not.
 */
export function inflightLikeJavaProducer(messageSize: number): number {
  return Math.min(maxInflight, Math.floor(javaProducerBufferBytes / messageSize));
}

function cases(workload: CalibrationWorkload): CalibrationCase[] {
  const p = workload.partitions;
  const inflight = inflightLikeJavaProducer(workload.size);
  return [
    {
      id: 'throughput',
      title: `acks=1, max rate, ${p} partition${p === 1 ? '' : 's'}`,
      scenario: 'noack',
      // unkeyed as the tools are: the client spreads whole batches over the partitions (sticky)
      mqbench: { rate: 'max', inflight, 'kafka-acks': '1', linger: 5, keys: 'off' },
      metrics: [consumedAtOnce, producedAtOnce, produced, consumed],
      note:
        'both sides non-idempotent (enable.idempotence=false; acks=1 turns the Java default off too); ' +
        'native "at once": ProducerPerformance (unbounded, linger.ms=5, unkeyed) with ConsumerPerformance reading the same topic meanwhile; consumed = its per-second progress after the warm-up, while the producer ran; produced = the producer\'s own figure; ' +
        'native "alone": the producer alone, then ConsumerPerformance on the backlog (fetch rate, join time excluded); ' +
        `mqbench: both at once, closed loop with ${inflight.toLocaleString('en-US')} in flight end to end (32 MiB of messages, what the Java producer's buffer.memory holds unacknowledged), unkeyed (--keys off: one partition per batch, the next one each batch)`,
    },
    {
      id: 'one-in-flight',
      title: `one in flight, acks=1, ${p} partition${p === 1 ? '' : 's'}`,
      scenario: 'noack',
      // EndToEndLatency sends with linger.ms=0 and waits for each record before the next
      mqbench: { rate: 'max', inflight: 1, 'kafka-acks': '1', linger: 0, keys: 'off' },
      metrics: [mean, p50, p99],
      note: 'EndToEndLatency: send, wait for the ack, poll until the record arrives; its percentiles are whole milliseconds, rounded down; its producer is not idempotent (acks=1 turns the Java default off), as mqbench\'s',
    },
  ];
}

/**
 * ProducerPerformance and EndToEndLatency take a record count, not a time: size it from the rate the
 * previous round of the same case measured, so each run lasts about --duration. Per process only.
 */
const lastRate = new Map<string, number>();

function recordsFor(key: string, durationSec: number, firstGuessPerSec: number): number {
  return Math.max(100, Math.round((lastRate.get(key) ?? firstGuessPerSec) * durationSec));
}

/** "1000000 records sent, 66586.8 records/sec (6.35 MB/sec), ... 2985 ms 50th, ..." (the final line) */
export function parseProducerPerformance(stdout: string): number {
  const final = /(\d+) records sent, ([\d.]+) records\/sec .*50th/.exec(stdout);
  if (!final) throw new Error(`ProducerPerformance printed no summary: ${stdout.trim().split('\n').pop() ?? ''}`);
  return Number(final[2]);
}

/** The CSV line under "start.time, end.time, ..., fetch.nMsg.sec": the rate without the group join. */
export function parseConsumerPerformance(stdout: string): number {
  const lines = stdout.trim().split('\n');
  const header = lines.findIndex((line) => line.startsWith('start.time'));
  const columns = (lines[header] ?? '').split(',').map((c) => c.trim());
  const values = (lines[header + 1] ?? '').split(',').map((c) => c.trim());
  const rate = Number(values[columns.indexOf('fetch.nMsg.sec')]);
  if (header < 0 || !Number.isFinite(rate)) throw new Error(`ConsumerPerformance printed no summary: ${lines.pop() ?? ''}`);
  return rate;
}

export interface ConsumerProgress {
  /** wall clock of the line, ms since the epoch (the line carries its zone offset) */
  atMs: number;
  /** messages consumed so far */
  messages: number;
}

/** The tool's --date-format for its progress lines: ISO 8601 with the zone offset, so no time zone is assumed. */
const progressDateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
/** --reporting-interval (ms) of the progress lines */
const progressIntervalMs = 1000;

/** The --show-detailed-stats lines: "2026-12-01T11:18:42.899Z, 0, 47.6720, 26.5633, 499877, 278536.0000, ..." */
export function parseConsumerProgress(stdout: string): ConsumerProgress[] {
  const progress: ConsumerProgress[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|[+-]\d\d:\d\d)), \d+, [\d.]+, [\d.]+, (\d+),/.exec(line.trim());
    if (match) progress.push({ atMs: Date.parse(match[1] as string), messages: Number(match[2]) });
  }
  return progress;
}

/**
 * The consumer's rate while the producer ran, as mqbench measures its own: from `warmupSec` after
 * the first records arrived to the last progress line a whole interval before the producer's process
 * ended (its exit comes after its last send: a line in between may hold the consumer's catch-up).
 */
export function steadyConsumedRate(progress: readonly ConsumerProgress[], warmupSec: number, producerEndMs: number): number {
  const first = progress.find((p) => p.messages > 0);
  const start = first && progress.find((p) => p.atMs >= first.atMs + warmupSec * 1000);
  const end = [...progress].reverse().find((p) => p.atMs <= producerEndMs - progressIntervalMs);
  if (!start || !end || end.atMs - start.atMs < 1000) {
    throw new Error(`ConsumerPerformance reported under a second of progress after the warm-up while the producer ran (${progress.length} progress lines)`);
  }
  return (end.messages - start.messages) / ((end.atMs - start.atMs) / 1000);
}

/** "Avg latency: 2.9177 ms" and "Percentiles: 50th = 1, 99th = 24, 99.9th = 96" (ms) -> µs */
export function parseEndToEndLatency(stdout: string): Record<string, number> {
  const avg = /Avg latency: ([\d.]+) ms/.exec(stdout);
  const percentiles = /Percentiles: 50th = (\d+), 99th = (\d+)/.exec(stdout);
  if (!avg || !percentiles) throw new Error(`EndToEndLatency printed no summary: ${stdout.trim().split('\n').pop() ?? ''}`);
  return { mean: Number(avg[1]) * 1000, p50: Number(percentiles[1]) * 1000, p99: Number(percentiles[2]) * 1000 };
}

async function withAdmin<T>(url: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: parseKafkaBrokers(url), clientId: 'mqbench-calibrate', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function groupIds(admin: Admin): Promise<Set<string>> {
  return new Set((await admin.listGroups()).groups.map((g) => g.groupId));
}

/** Topic made here (the broker may not auto-create), then the tool; afterwards topic and groups go. */
async function withTopic<T>(url: string, partitions: number, use: (topic: string) => Promise<T>): Promise<T> {
  const topic = `mqbench-calibrate-${randomBytes(4).toString('hex')}`;
  const before = await withAdmin(url, async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: false });
    return groupIds(admin);
  });
  try {
    await withAdmin(url, (admin) => waitForLeaders(topic, partitions, 30_000, topicLeaders(admin, topic)));
    return await use(topic);
  } finally {
    await withAdmin(url, async (admin) => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      // ConsumerPerformance's group is ours by name; EndToEndLatency forces "test-group-<ms>": only new ones
      const leftovers = [...(await groupIds(admin))].filter((g) => g.startsWith(topic) || (/^test-group-\d+$/.test(g) && !before.has(g)));
      if (leftovers.length > 0) await admin.deleteGroups(leftovers).catch(() => undefined);
    });
  }
}

/**
 * Kafka 4.x producers are idempotent by default, unless acks is not all (KIP-679: then idempotence is
 * turned off). mqbench's producer is not idempotent (producer id -1): said explicitly, so both sides of
 * the comparison do the same work whatever a later default becomes.
 */
const idempotenceAsMqbench = ['enable.idempotence=false'];

function producerArgs(topic: string, records: number, workload: CalibrationWorkload, bootstrap: string): string[] {
  return ['--topic', topic, '--num-records', String(records), '--record-size', String(workload.size), '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=1', 'linger.ms=5', ...idempotenceAsMqbench];
}

function consumerArgs(topic: string, records: number, bootstrap: string, progress: boolean): string[] {
  const args = ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--group', `${topic}-g`, '--timeout', '30000'];
  return progress ? [...args, '--show-detailed-stats', '--reporting-interval', String(progressIntervalMs), '--date-format', progressDateFormat] : args;
}

/** Both tools at once on one topic, as mqbench runs: the sustained end-to-end rate. */
async function runAtOnce(workload: CalibrationWorkload, url: string, records: number, timeoutMs: number): Promise<NativeFigures> {
  const bootstrap = parseKafkaBrokers(url).join(',');
  return withTopic(url, workload.partitions, async (topic) => {
    const consumer = runJava('org.apache.kafka.tools.ConsumerPerformance', consumerArgs(topic, records, bootstrap, true), timeoutMs);
    let producerEndMs = Number.POSITIVE_INFINITY;
    const producer = runJava('org.apache.kafka.tools.ProducerPerformance', producerArgs(topic, records, workload, bootstrap), timeoutMs).then((output) => {
      producerEndMs = Date.now();
      return output;
    });
    const [producerOut, consumerOut] = await Promise.all([producer, consumer]);
    const values = {
      'consumed-at-once': steadyConsumedRate(parseConsumerProgress(consumerOut.stdout), workload.warmupSec, producerEndMs),
      'produced-at-once': parseProducerPerformance(producerOut.stdout),
    };
    return { values, commands: [`${consumerOut.command} &`, producerOut.command] };
  });
}

/** The producer alone, then a consumer on the backlog it left: each tool's ceiling on this machine. */
async function runAlone(workload: CalibrationWorkload, url: string, records: number, timeoutMs: number): Promise<NativeFigures> {
  const bootstrap = parseKafkaBrokers(url).join(',');
  return withTopic(url, workload.partitions, async (topic) => {
    const producer = await runJava('org.apache.kafka.tools.ProducerPerformance', producerArgs(topic, records, workload, bootstrap), timeoutMs);
    const consumer = await runJava('org.apache.kafka.tools.ConsumerPerformance', consumerArgs(topic, records, bootstrap, false), timeoutMs);
    return { values: { produced: parseProducerPerformance(producer.stdout), consumed: parseConsumerPerformance(consumer.stdout) }, commands: [producer.command, consumer.command] };
  });
}

async function runThroughput(workload: CalibrationWorkload, url: string): Promise<NativeFigures> {
  const key = `throughput:${workload.size}:${workload.partitions}`;
  // a first guess too low would leave no steady second after the warm-up; too high only runs longer
  const records = recordsFor(key, workload.warmupSec + workload.durationSec, Math.min(400_000, 100_000_000 / workload.size));
  const timeoutMs = (workload.durationSec * 10 + 120) * 1000;
  const atOnce = await runAtOnce(workload, url, records, timeoutMs);
  const alone = await runAlone(workload, url, records, timeoutMs);
  // sized from the at-once producer: both runs then last about --duration (the alone one less)
  lastRate.set(key, atOnce.values['produced-at-once'] ?? 0);
  return { values: { ...atOnce.values, ...alone.values }, commands: [...atOnce.commands, ...alone.commands] };
}

async function runOneInFlight(workload: CalibrationWorkload, url: string): Promise<NativeFigures> {
  const key = `one-in-flight:${workload.size}:${workload.partitions}`;
  const records = recordsFor(key, workload.warmupSec + workload.durationSec, 300);
  const bootstrap = parseKafkaBrokers(url).join(',');
  return withTopic(url, workload.partitions, async (topic) => {
    const output = await runJava('org.apache.kafka.tools.EndToEndLatency', [bootstrap, topic, String(records), '1', String(workload.size)], (workload.durationSec * 10 + 120) * 1000);
    const values = parseEndToEndLatency(output.stdout);
    lastRate.set(key, 1_000_000 / (values.mean ?? 1000));
    return { values, commands: [output.command] };
  });
}

export const calibration: NativeTool = {
  broker: 'kafka',
  jar: 'kafka-tools-',
  describe: () => 'Apache Kafka 4.1 tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency)',
  cases,
  run: (which, workload, url) => (which.id === 'one-in-flight' ? runOneInFlight(workload, url) : runThroughput(workload, url)),
};
