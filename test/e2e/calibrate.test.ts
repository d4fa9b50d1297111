import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugins } from '../../src/drivers/index.js';
import { ensureJar, jarNamed } from '../../src/drivers/native-tool/java.js';
import { calibration as streamCalibration } from '../../src/drivers/rabbit-stream/calibrate.js';
import type { CalibrationReport } from '../../src/calibrate/run.js';
import type { FloorReport } from '../../src/calibrate/floor-report.js';
import { bench, kafkaUrl, leftoverRabbitObjects } from '../helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'mqbench-calibrate-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** What a calibrate run may leave on Kafka: its topics and groups, and EndToEndLatency's. */
async function kafkaLeftovers(): Promise<string[]> {
  const admin = new Kafka({ brokers: [kafkaUrl], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    return [...topics, ...groups].filter((name) => name.startsWith('mqbench-calibrate-'));
  } finally {
    await admin.disconnect();
  }
}

async function calibrate(broker: string): Promise<CalibrationReport> {
  const run = await bench(['calibrate', '--broker', broker, '--rounds', '1', '--duration', '3s', '--json', '--out', join(out, broker)], { timeoutMs: 300_000 });
  expect(run.stderr).not.toMatch(/bench: /);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as CalibrationReport;
  expect(await readdir(join(out, broker))).toEqual([expect.stringMatching(new RegExp(`_calibrate_${broker}_100B_1p_${report.id}\\.json$`))]);
  return report;
}

function expectTable(report: CalibrationReport, metrics: string[]): void {
  expect(report.kind).toBe('mqbench-calibration');
  expect(report.rows.map((r) => `${r.case}:${r.metric}`)).toEqual(metrics);
  for (const row of report.rows) {
    expect(row.rounds).toBe(1);
    expect(row.mqbench.median).toBeGreaterThan(0);
    expect(row.native.min).toBeLessThanOrEqual(row.native.max);
    // EndToEndLatency prints its percentiles in whole milliseconds: a p50 under 1 ms is 0, and no ratio is made of it
    if (row.native.median === 0 && row.case === 'one-in-flight' && row.metric !== 'mean') {
      expect(row.ratio).toBeNull();
      continue;
    }
    expect(row.ratio, `${row.case} ${row.metric}`).not.toBeNull();
    expect(Number.isFinite(row.ratio)).toBe(true);
    expect(row.native.median).toBeGreaterThan(0);
    expect(row.native.min).toBeLessThanOrEqual(row.native.max);
  }
  // strictly interleaved: native then mqbench for each case
  expect(report.samples.map((s) => s.side)).toEqual(report.cases.flatMap(() => ['native', 'mqbench']));
}

describe('bench calibrate against the real brokers', () => {
  it('rabbit: PerfTest and mqbench, noack/ack throughput and latency at 2,000 msg/s; nothing left on the broker', async () => {
    const report = await calibrate('rabbit');
    expectTable(report, ['noack-max:sent', 'noack-max:received', 'ack-max:sent', 'ack-max:received', 'noack-2000:p50', 'noack-2000:p99']);
    expect(report.client.name).toBe('amqplib');
    expect((await leftoverRabbitObjects()).filter((name) => name.startsWith('mqbench-calibrate-'))).toEqual([]);
  }, 300_000);

  it('kafka: ProducerPerformance/ConsumerPerformance and EndToEndLatency; nothing left on the broker', async () => {
    const report = await calibrate('kafka');
    expectTable(report, ['throughput:consumed-at-once', 'throughput:produced-at-once', 'throughput:produced', 'throughput:consumed', 'one-in-flight:mean', 'one-in-flight:p50', 'one-in-flight:p99']);
    expect(report.cases.flatMap((c) => c.native).join('\n')).toMatch(/ProducerPerformance[\s\S]*ConsumerPerformance[\s\S]*EndToEndLatency/);
    expect(await kafkaLeftovers()).toEqual([]);
  }, 300_000);

  // stream-perf-test is not on Maven Central: it runs where a user put its jar in brokers/tools/lib
  const streamToolThere = jarNamed('stream-perf-test') !== undefined;
  it.runIf(streamToolThere)('rabbit-stream: stream-perf-test and mqbench, ack throughput and latency at 2,000 msg/s; nothing left on the node', async () => {
    const report = await calibrate('rabbit-stream');
    expectTable(report, ['ack-max:sent', 'ack-max:received', 'ack-2000:p50', 'ack-2000:p99']);
    expect(report.client.name).toBe('rabbitmq-stream-js-client');
    expect(report.cases.flatMap((c) => c.native).join('\n')).toMatch(/^java -jar brokers\/tools\/lib\/stream-perf-test\S*\.jar --uris <url> /m);
    expect(JSON.stringify(report)).not.toContain('guest:guest');
    const left = await bench(['clean', '--dry-run', '--broker', 'rabbit-stream'], { timeoutMs: 60_000 });
    expect(left.stdout + left.stderr).not.toContain('mqbench-calibrate-');
  }, 300_000);
});

describe('bench calibrate: bad input, one line and exit 2 before anything runs', () => {
  const calibrated = plugins.filter((p) => p.calibration !== undefined).map((p) => p.name).join(', ');
  const cases: [string[], string][] = [
    [['--broker', 'memory'], `bench: memory has no native benchmark tool; calibrate supports: ${calibrated}`],
    [['--broker', 'faulty'], `bench: faulty has no native benchmark tool; calibrate supports: ${calibrated}`],
    [['--broker', 'nosuch'], 'bench: unknown broker "nosuch"; valid brokers:'],
    [['--broker', 'rabbit', '--rounds', '0'], 'bench: --rounds: must be a whole number from 1 to 100, got "0"'],
    [['--broker', 'kafka', '--rounds', 'two'], 'bench: --rounds: must be a whole number from 1 to 100, got "two"'],
    [['--broker', 'kafka', '--size', '10'], 'bench: --size: must be at least 32 bytes'],
    [['--broker', 'rabbit', '--partitions', '4'], 'bench: rabbit calibration runs with --partitions 1 only'],
    [['--broker', 'rabbit-stream', '--partitions', '2'], 'bench: rabbit-stream calibration runs with --partitions 1 only'],
    [['--broker', 'nats'], `bench: nats has no native benchmark tool; calibrate supports: ${calibrated}`],
  ];
  for (const [args, message] of cases) {
    it.concurrent(args.join(' '), async () => {
      const run = await bench(['calibrate', ...args, '--out', join(out, 'never')], { timeoutMs: 30_000 });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(message);
      expect(run.ms).toBeLessThan(20_000);
    });
  }

  it('stream-perf-test missing: says it is not on Maven Central and where to get it (nothing fetched)', async () => {
    let fetched = false;
    await expect(ensureJar('no-such-stream-perf-test', streamCalibration.obtainHint, () => undefined, async () => void (fetched = true))).rejects.toThrow(
      'no no-such-stream-perf-test*.jar in brokers/tools/lib: stream-perf-test is not on Maven Central, so `npm run fetch:tools` cannot fetch it: download stream-perf-test-<version>.jar from https://github.com/rabbitmq/rabbitmq-stream-perf-test/releases',
    );
    expect(fetched).toBe(false);
  });

  // as `bench run` fetches Kafka's jars (issue 30, item 6): was "run `npm run fetch:tools`", exit 2
  it('tools not fetched: fetched from Maven Central on first use, with a line saying so; Maven missing is one line, exit 3', async () => {
    const lines: string[] = [];
    const missingMvn = Object.assign(new Error('spawn mvn ENOENT'), { code: 'ENOENT' });
    const refusal = await ensureJar('no-such-tool-', undefined, (line) => lines.push(line), () => Promise.reject(missingMvn)).catch((error: unknown) => error);
    expect(lines).toEqual(["fetching the brokers' benchmark tools from Maven Central (mvn -f brokers/tools/pom.xml) ..."]);
    expect(refusal).toMatchObject({ message: "cannot fetch the brokers' benchmark tools: mvn is not installed (run `npm run fetch:tools` to see why)", exitCode: 3 });
    const empty = await ensureJar('no-such-tool-', undefined, () => undefined, async () => undefined).catch((error: unknown) => error);
    expect(empty).toMatchObject({ message: 'mvn ran but no no-such-tool-*.jar is in brokers/tools/lib', exitCode: 3 });
  });

  it('tools fetched already: nothing is fetched again', async () => {
    let fetched = false;
    await ensureJar('perf-test-', undefined, () => undefined, async () => void (fetched = true));
    expect(fetched).toBe(false);
  });
});

describe('bench calibrate --floor: the harness alone, and a broker beside it', () => {
  async function floor(args: string[], dir: string): Promise<FloorReport> {
    const run = await bench(['calibrate', '--floor', ...args, '--rounds', '1', '--duration', '1s', '--json', '--out', join(out, dir)], { timeoutMs: 120_000 });
    expect(run.stderr).not.toMatch(/bench: /);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as FloorReport;
    expect(report.kind).toBe('mqbench-floor');
    expect(await readdir(join(out, dir))).toEqual([expect.stringMatching(new RegExp(`_floor_${report.broker?.name ?? 'memory'}_${report.id}\\.json$`))]);
    return report;
  }

  function expectRow(report: FloorReport, rate: number, side: string): void {
    const row = report.rows.find((r) => r.rate === rate && r.side === side);
    expect(row, `${rate} ${side}`).toBeDefined();
    expect(row?.rounds).toBe(1);
    expect(row?.metrics.endToEndP99Us.median).toBeGreaterThan(0);
    expect(row?.metrics.cpuPerMessageUs.median).toBeGreaterThan(0);
  }

  it('floor alone: one row at 1,000 msg/s on the in-memory broker, saved', async () => {
    const report = await floor(['--rates', '1000'], 'floor-memory');
    expect(report.workload).toMatchObject({ size: 100, durationSec: 1, warmupSec: 2, rounds: 1, rates: [1000] });
    expect(report.rows.map((r) => `${r.rate}:${r.side}`)).toEqual(['1000:memory']);
    expectRow(report, 1000, 'memory');
    expect(report.samples).toEqual([expect.objectContaining({ round: 1, rate: 1000, side: 'memory', status: 'completed' })]);
  });

  it('floor beside rabbit at 500 msg/s: interleaved, both rows, nothing left on RabbitMQ', async () => {
    const report = await floor(['--broker', 'rabbit', '--rates', '500'], 'floor-rabbit');
    expect(report.samples.map((s) => s.side)).toEqual(['memory', 'rabbit']);
    expect(report.rows.map((r) => `${r.rate}:${r.side}`)).toEqual(['500:memory', '500:rabbit']);
    expectRow(report, 500, 'memory');
    expectRow(report, 500, 'rabbit');
    expect(report.broker?.client.name).toBe('amqplib');
    expect(JSON.stringify(report)).not.toContain('guest:guest');
    const ids = report.samples.map((s) => s.resultId);
    expect((await leftoverRabbitObjects()).filter((name) => ids.some((id) => name.includes(id)))).toEqual([]);
  });

  const refusals: [string[], string][] = [
    [['--floor', '--rates', '0'], 'bench: --rates: must be messages per second, comma-separated, each greater than zero (e.g. 2000,5000,20000), got "0"'],
    [['--floor', '--rates', '2000,x'], 'bench: --rates: must be messages per second, comma-separated, each greater than zero (e.g. 2000,5000,20000), got "2000,x"'],
    [['--rates', '1000'], 'bench: --rates: only with --floor'],
    [['--floor', '--broker', 'nosuch'], 'bench: unknown broker "nosuch"; valid brokers:'],
    [[], 'bench: --broker: name a broker with a native tool ('],
  ];
  for (const [args, message] of refusals) {
    it.concurrent(`refused, one line, exit 2: ${args.join(' ') || 'no --broker, no --floor'}`, async () => {
      const run = await bench(['calibrate', ...args, '--out', join(out, 'never')], { timeoutMs: 30_000 });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(message);
    });
  }
});
