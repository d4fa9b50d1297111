/**
 * Regenerates reports/notes.md: the blog post's three questions answered with this project's own
 * measurements on this machine. Run with `npm run notes` (about 6 minutes; starts Kafka if needed).
 */
import os from 'node:os';
import { join } from 'node:path';
import { runOnce } from '../src/commands/run.js';
import { renderHtmlReport } from '../src/report/document.js';
import { formatCount, formatLatencyUs, formatMb } from '../src/util/format.js';
import { groupResults, type RunGroup } from '../src/report/groups.js';
import type { RunResult } from '../src/results/types.js';
import { rm } from 'node:fs/promises';
import { q2Section } from './notes-q2.js';
import { clusterSection } from './notes-q3-section.js';
import { startLocalKafka, stopLocalKafka } from '../src/drivers/kafka/local.js';
import { privateRabbitBeamPid, startPrivateRabbit, stopPrivateRabbit } from '../src/drivers/rabbit/local.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { repoRoot } from '../src/util/paths.js';

const duration = process.env.NOTES_DURATION ?? '8s';
const repeats = Number(process.env.NOTES_REPEATS ?? '2');
// The latest notes' raw results are kept as curated results (committed): the numbers in notes.md come from them.
const outDir = join('results', 'baselines', 'notes');
const all: RunResult[] = [];

type Spec = { broker: string; scenario: string } & Record<string, string | number | boolean>;

function flags(spec: Spec): string {
  const skip = new Set(['broker', 'scenario', 'urls']);
  return Object.entries(spec)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${String(v)}`)
    .join(' ');
}

async function measure(spec: Spec): Promise<RunGroup> {
  const runs: RunResult[] = [];
  for (let i = 0; i < repeats; i++) {
    process.stderr.write(`notes: ${spec.broker} ${spec.scenario} ${flags(spec)} (run ${i + 1}/${repeats})\n`);
    const { broker, scenario, ...options } = spec;
    const { result } = await runOnce({ broker, scenario, duration, warmup: '2s', ...options }, { out: outDir, json: false, progress: false, print: false, quit: (code) => process.exit(code) });
    runs.push(result);
  }
  all.push(...runs);
  const [group] = groupResults(runs);
  if (!group) throw new Error(`no result for ${spec.broker} ${spec.scenario}`);
  return group;
}

function row(name: string, g: RunGroup, command: string): string {
  const e = g.latencyUs.endToEnd;
  return `| ${name} | ${formatCount(g.throughput.receivedPerSec)} | ${formatMb(g.throughput.mbPerSec)} | ${formatLatencyUs(e.p50)} | ${formatLatencyUs(e.p99)} | ${formatLatencyUs(e.p999)} | ${formatCount(g.counts.lost)} | \`${command}\` |`;
}

const head = '| configuration | received msg/s | MB/s | p50 | p99 | p99.9 | lost | command |\n|---|---|---|---|---|---|---|---|';

function cmd(spec: Spec): string {
  return `bench run --broker ${spec.broker} --scenario ${spec.scenario} --duration ${duration} ${flags(spec)}`.trim();
}

async function section(rows: [string, Spec][]): Promise<{ table: string; groups: RunGroup[] }> {
  const lines = [head];
  const groups: RunGroup[] = [];
  for (const [name, spec] of rows) {
    const g = await measure(spec);
    groups.push(g);
    lines.push(row(name, g, cmd(spec)));
  }
  return { table: lines.join('\n'), groups };
}

/** Runs a workload against a broker mqbench started, and kills the broker process after `killAfterMs`. */
async function measureFailure(spec: Spec, kill: () => Promise<void>, killAfterMs: number): Promise<RunResult | undefined> {
  process.stderr.write(`notes: failure run: ${spec.broker} ${spec.scenario} ${flags(spec)}, broker killed after ${killAfterMs / 1000} s\n`);
  const timer = setTimeout(() => void kill(), killAfterMs);
  try {
    const { broker, scenario, ...options } = spec;
    const { result } = await runOnce({ broker, scenario, duration: '20s', warmup: '1s', ...options }, { out: outDir, json: false, progress: false, print: false, quit: (code) => process.exit(code) });
    all.push(result);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function failureRow(name: string, r: RunResult | undefined): string {
  if (!r) return `| ${name} | (no result) | | | | | | | |`;
  const c = r.counts;
  const lastSecond = r.timeline.filter((p) => p.received > 0).at(-1)?.second ?? 0;
  return `| ${name} | ${r.status}${r.status === 'completed' ? '' : `: ${r.error}`} | ${formatCount(c.sent)} | ${formatCount(c.acked)} | ${formatCount(c.sendErrors)} | ${formatCount(c.received)} | ${formatCount(c.receivedDespiteSendError)} | ${formatCount(c.lost)} | ${lastSecond + 1} s |`;
}

async function failures(): Promise<string> {
  const rabbitName = 'mqbench-notes-fault';
  const { state: rabbit } = await startPrivateRabbit({ name: rabbitName, port: 5674, distPort: 25674 }, (l) => process.stderr.write(`${l}\n`));
  let rabbitRun: RunResult | undefined;
  try {
    rabbitRun = await measureFailure(
      { broker: 'rabbit', scenario: 'ack', 'rabbit-url': rabbit.url, rate: '2000' },
      async () => {
        const pid = await privateRabbitBeamPid(rabbitName);
        if (pid) process.kill(pid, 'SIGKILL');
      },
      5000,
    );
  } finally {
    await stopPrivateRabbit(rabbitName);
  }
  const instance = { name: 'kafka-notes-fault', port: 9292, controllerPort: 9293 };
  const { state: kafka } = await startLocalKafka((l) => process.stderr.write(`${l}\n`), instance);
  let kafkaRun: RunResult | undefined;
  try {
    kafkaRun = await measureFailure(
      { broker: 'kafka', scenario: 'ack', 'kafka-url': `127.0.0.1:${instance.port}`, rate: '2000' },
      async () => {
        if (kafka) process.kill(kafka.pid, 'SIGKILL');
      },
      5000,
    );
  } finally {
    await stopLocalKafka(instance);
  }
  return [
    '| single-node broker killed (SIGKILL) 5 s into an at-least-once run at 2000 msg/s | status | sent | confirmed by broker | send errors | received | of which the send had failed | lost | last second with traffic |',
    '|---|---|---|---|---|---|---|---|---|',
    failureRow('RabbitMQ (private node, transient queue, publisher confirms)', rabbitRun),
    failureRow('Kafka (second local broker, acks=all, replication factor 1)', kafkaRun),
  ].join('\n');
}

async function main(): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  const rate = 2000;

  // Q1: RabbitMQ in its main modes, at full speed (closed loop) and at a fixed load (open loop).
  const q1max = await section([
    ['noack (no confirms, autoack)', { broker: 'rabbit', scenario: 'noack' }],
    ['ack (confirms, manual ack)', { broker: 'rabbit', scenario: 'ack' }],
    ['ack + persistent (durable queue, persistent messages)', { broker: 'rabbit', scenario: 'ack', persistent: true }],
  ]);
  const q1rate = await section([
    [`noack at ${rate} msg/s`, { broker: 'rabbit', scenario: 'noack', rate: String(rate) }],
    [`ack at ${rate} msg/s`, { broker: 'rabbit', scenario: 'ack', rate: String(rate) }],
    [`ack + persistent at ${rate} msg/s`, { broker: 'rabbit', scenario: 'ack', persistent: true, rate: String(rate) }],
  ]);

  // Q2 comes from the sweeps scripts/notes-q2.sh made (about 35 minutes): not re-measured here.
  const q2 = await q2Section();

  // Q3: is the exchange a single point? Route the same load through no exchange (default), a direct
  // exchange to 4 queues, and a fanout exchange to 1 and 3 queues.
  const q3 = await section([
    ['default exchange -> 1 queue', { broker: 'rabbit', scenario: 'noack', producers: 2 }],
    ['direct exchange -> 4 queues (by key)', { broker: 'rabbit', scenario: 'partitioned', partitions: 4, producers: 2 }],
    ['fanout exchange -> 1 queue', { broker: 'rabbit', scenario: 'fanout', subscriptions: 1, producers: 2 }],
    ['fanout exchange -> 3 queues (3x deliveries)', { broker: 'rabbit', scenario: 'fanout', subscriptions: 3, producers: 2 }],
  ]);

  const failureTable = await failures();

  const first = all[0];
  const env = first?.environment;
  const rabbitVersion = all.find((r) => r.workload.broker === 'rabbit')?.broker.version ?? '?';
  const kafkaVersion = all.find((r) => r.workload.broker === 'kafka')?.broker.version ?? '?';
  const clientOf = (broker: string) => {
    const client = all.find((r) => r.workload.broker === broker)?.broker.client;
    return client ? `${client.name} ${client.version}` : '?';
  };

  const md = `# Notes: the blog post's questions, measured

Regenerate with \`npm run notes\` (about ${Math.ceil(((q1max.groups.length + q1rate.groups.length + q3.groups.length) * repeats * (Number.parseInt(duration, 10) + 5) + 90) / 60)} minutes;
\`NOTES_DURATION\` and \`NOTES_REPEATS\` change the window (now ${duration}) and the repeats per configuration (now ${repeats}, merged:
histograms added, median throughput). Raw results: \`${outDir}\`; every number below comes from those files.

**Machine**: ${env ? `${env.cpuModel}, ${env.cores} cores, ${(env.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${env.os}, Node ${env.node}` : os.cpus()[0]?.model}.
Brokers on the same host as the load generator: RabbitMQ ${rabbitVersion} (Debian package, one node), Apache Kafka ${kafkaVersion}
(KRaft, one node, started by mqbench). Clients: ${clientOf('rabbit')} and ${clientOf('kafka')}, one Node process. 100-byte messages. Closed loop: 1,000
messages in flight end to end, so its latency is mostly queueing; the open-loop rows measure latency at a fixed load,
corrected for coordinated omission. Everything here shares two cores: these are this machine's numbers, not the brokers' limits.

## 1. How does RabbitMQ perform in its main modes?

At full speed (closed loop):

${q1max.table}

At a fixed ${rate} msg/s (open loop, latency from the intended send time):

${q1rate.table}

${q2}

## 3. Is RabbitMQ's exchange a single point that limits scale and fault tolerance?

What one host can measure now: whether routing through an exchange costs throughput. The same load through the default
exchange, a direct exchange and fanout exchanges:

${q3.table}

In RabbitMQ an exchange is not a process or a queue: it is a routing table, and routing runs in the publishing
channel's own process, so an exchange does not serialise traffic the way a single queue (one Erlang process) does.
The table shows that cost directly: compare the default exchange with the direct and fanout rows (the fanout
3-queue row delivers every message three times, so its received rate counts deliveries).

Fault tolerance, on one host: a single node is a single point of failure for either broker, exchange or not. Killing
the broker process mid-run (a private RabbitMQ node and a second local Kafka, never the shared ones) ends the run
\`aborted\`, with its accounting:

${failureTable}

"lost" counts messages sent in the measured window, not known to have failed, that no consumer received before the
run ended (messages confirmed by the broker and then lost with it are among them). A send error is a message the
harness gave up on (a nack or error, or still unconfirmed when the run ended); some of those reached the consumer
anyway and are counted apart, so they cannot hide a lost message. In RabbitMQ the exchange's definition is replicated
to every node of a cluster, but a classic queue lives on one node, so the queue, not the exchange, is the single
point; quorum queues replicate it. The 3-node clusters below measure it.

${await clusterSection()}

## All runs

${all.length} runs. Full report with charts: \`reports/notes.html\` (regenerated with this file, not committed).
`;
  await writeFileAtomic(join(repoRoot, 'reports', 'notes.md'), md);
  await writeFileAtomic(join(repoRoot, 'reports', 'notes.html'), renderHtmlReport(all, 'mqbench notes: the blog post\'s questions, measured'));
  process.stdout.write(`wrote reports/notes.md and reports/notes.html from ${all.length} runs in ${outDir}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`notes: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
