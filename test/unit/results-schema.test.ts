import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateResultSchemaText, schemaPath } from '../../scripts/schema.js';
import { executorFor } from '../../src/engine/executors/index.js';
import { commonOptions } from '../../src/options.js';
import { UsageError } from '../../src/errors.js';
import { createHistogram, latenciesOf, summarize } from '../../src/metrics/histogram.js';
import { buildErroredResult, buildResult, type MeasuredParts, type RunIdentity } from '../../src/engine/result.js';
import { describeEnvironment } from '../../src/results/environment.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import { readResult, readResults, writeResult } from '../../src/results/store.js';
import type { LatencySummary, RunResult, Workload } from '../../src/results/types.js';
import { resultProblem, v1ResultProblem } from '../../src/results/validate.js';
import { parseDurationUs } from '../../src/util/duration.js';

const fixturePath = fileURLToPath(new URL('../fixtures/result-v1.json', import.meta.url));
const baselinesDir = fileURLToPath(new URL('../../results/baselines/ci', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-schema-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const workload: Workload = {
  broker: 'rabbit',
  scenario: 'ack',
  stream: 'ack',
  durationUs: 5_000_000,
  warmupUs: 2_000_000,
  drainTimeoutUs: 5_000_000,
  stallTimeoutUs: 10_000_000,
  messageSize: 100,
  rate: 1000,
  inflight: 1000,
  maxOutstanding: 1000,
  producers: 1,
  consumers: 1,
  partitions: 1,
  subscriptions: 1,
  messages: null,
  keyed: false,
  driver: { delivery: 'ack', confirm: true, persistent: false, prefetch: 1000, multiAck: 100, kafkaAcks: -1, lingerMs: 5, batchSize: 1000 },
};

function identity(): RunIdentity {
  return {
    id: 'ab12cd34',
    startedAt: new Date('2026-11-23T20:41:07.123Z'),
    finishedAt: new Date('2026-11-23T20:41:15.456Z'),
    broker: {
      name: 'RabbitMQ',
      version: '3.10.8',
      url: 'amqp://127.0.0.1:5672',
      client: { name: 'amqplib', version: '0.10.9' },
      settings: { protocol: 'AMQP 0-9-1', publisherConfirms: true, prefetch: 1000 },
      mapping: 'default exchange -> queue mqbench-ab12cd34.ack',
    },
    workload,
    environment: describeEnvironment(),
    loop: 'open-loop',
    executor: 'open loop at 1,000 msg/s, at most 1,000 sends outstanding',
  };
}

function latencySummary(): LatencySummary {
  const h = createHistogram();
  try {
    for (const us of [800, 950, 1200, 4000]) h.recordValueWithCount(us, 1250);
    return summarize(h);
  } finally {
    h.destroy();
  }
}

function measured(status: MeasuredParts['status'], error?: string): MeasuredParts {
  const summary = latencySummary();
  return {
    status,
    ...(error !== undefined ? { error } : {}),
    counts: { sent: 5000, acked: 5000, received: 5000, expected: 5000, lost: 0, duplicated: 0, reordered: 0, sendErrors: 0, receivedDespiteSendError: 0, arrivedAfterClose: 2 },
    accounting: [{ subscription: 0, producer: 0, expected: 5000, received: 5000, lost: 0, duplicated: 0, reordered: 0, receivedDespiteSendError: 0 }],
    consumers: [{ subscription: 0, consumer: 0, received: 5000 }],
    throughput: { sentPerSec: 1000.19, receivedPerSec: 999.8, mbPerSec: 0.1, sendWindowUs: 4_999_043, receiveWindowUs: 5_001_000 },
    latencyUs: latenciesOf(() => ({ ...summary })),
    timeline: [
      { second: 0, sent: 1000, acked: 1000, received: 999, bytes: 99_900, p99Us: 1200, coveredUs: 1_000_000 },
      { second: 4, sent: 1000, acked: 1000, received: 1001, bytes: 100_100, p99Us: 1200, coveredUs: 999_043 },
    ],
    openLoop: {
      askedPerSec: 1000,
      achievedSendPerSec: 1000.19,
      receivedPerSec: 999.8,
      scheduled: 5000,
      unsent: 0,
      lateSends: 3,
      lateThresholdUs: 1000,
      heldByCap: 0,
      targetReached: true,
    },
  };
}

/** A JSON copy to break on purpose. */
const copy = (result: RunResult): Record<string, any> => JSON.parse(JSON.stringify(result)) as Record<string, any>;

async function readFixture(): Promise<ResultV1> {
  return JSON.parse(await readFile(fixturePath, 'utf8')) as ResultV1;
}

describe('schema.json is generated from types.ts', () => {
  // generating type-checks types.ts: about a second, so once
  let generated: string;
  beforeAll(() => {
    generated = generateResultSchemaText();
  });

  test('the committed schema is exactly what `npm run schema` generates now', async () => {
    const committed = await readFile(schemaPath, 'utf8');
    // the object first: a readable diff when the types changed
    expect(JSON.parse(committed)).toEqual(JSON.parse(generated));
    expect(committed).toBe(generated);
  });

  test('JSDoc tags came out as constraints; an unsuccessful status requires error', () => {
    const schema = JSON.parse(generated) as any;
    expect(schema.$id).toBe('https://mqbench.dev/schema/result-v2.json');
    expect(schema.title).toMatch(/schema version 2/);
    const defs = schema.definitions;
    expect(defs.Count).toEqual({ type: 'integer', minimum: 0 });
    expect(defs.Workload.properties.messageSize).toMatchObject({ type: 'integer', minimum: 32 });
    expect(defs.Workload.properties.stallTimeoutUs).toMatchObject({ type: 'integer', minimum: 1 });
    expect(defs.PositiveRate).toEqual({ type: 'number', exclusiveMinimum: 0 });
    expect(defs.LatencySummary.properties.hdr).toMatchObject({ type: 'string', pattern: '^HIST' });
    expect(defs.CompletedRun.properties.startedAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(defs.CompletedRun.required).not.toContain('openLoop');
    expect(defs.CompletedRun.properties.error).toBeUndefined();
    expect(defs.UnsuccessfulRun.required).toContain('error');
    expect(defs.UnsuccessfulRun.properties.status.enum).toEqual(['completed-with-errors', 'aborted', 'errored']);
    expect(defs.Counts.additionalProperties).toBe(false);
  });
});

describe('result schema version 2', () => {
  test('results built by buildResult and buildErroredResult validate, and are written and read back', async () => {
    const results = [
      buildResult(identity(), measured('completed')),
      buildResult(identity(), measured('completed-with-errors', '3 measured send(s) failed or were never confirmed')),
      buildResult(identity(), measured('aborted', 'no acknowledgement or receipt for 10s')),
      buildErroredResult(identity(), 'worker 1 crashed: out of memory'),
    ];
    for (const result of results) expect(resultProblem(result), result.status).toBeUndefined();
    const path = await writeResult(dir, results[0] as RunResult);
    expect(await readResult(path)).toEqual(results[0]);
    await rm(path);
  });

  test('invalid results are refused, each with one line saying where and why', async () => {
    const good = copy(buildResult(identity(), measured('aborted', 'interrupted')));
    const cases: [string, (r: Record<string, any>) => void, string][] = [
      ['aborted without error', (r) => delete r.error, "/ must have required property 'error'"],
      ['errored without error', (r) => ((r.status = 'errored'), delete r.error), "/ must have required property 'error'"],
      ['completed-with-errors without error', (r) => ((r.status = 'completed-with-errors'), delete r.error), "/ must have required property 'error'"],
      ['completed with an error', (r) => (r.status = 'completed'), '/ has an unknown property "error"'],
      ['an unknown status', (r) => (r.status = 'failed'), '/status must be one of "completed", "completed-with-errors", "aborted", "errored"'],
      ['a url with user:password', (r) => (r.broker.url = 'amqp://guest:secret@127.0.0.1:5672'), '/broker/url must not contain credentials (user:password@)'],
      ['a negative count', (r) => (r.counts.lost = -1), '/counts/lost must be >= 0'],
      ['a non-integer count', (r) => (r.counts.sent = 4999.5), '/counts/sent must be integer'],
      ['a non-integer timeline count', (r) => (r.timeline[0].coveredUs = 0.5), '/timeline/0/coveredUs must be integer'],
      ['a message smaller than the header', (r) => (r.workload.messageSize = 16), '/workload/messageSize must be >= 32'],
      ['no stall timeout', (r) => delete r.workload.stallTimeoutUs, "/workload must have required property 'stallTimeoutUs'"],
      ['a bad timestamp', (r) => (r.startedAt = 'yesterday'), '/startedAt must match format "date-time"'],
      ['a bad histogram', (r) => (r.latencyUs.publish.hdr = 'xyz'), '/latencyUs/publish/hdr must match ^HIST'],
      ['another schema version', (r) => (r.schemaVersion = 1), '/schemaVersion must be 2'],
    ];
    for (const [what, breakIt, message] of cases) {
      const bad = structuredClone(good);
      breakIt(bad);
      expect(resultProblem(bad), what).toBe(message);
    }
    // a user without a password, and no user, are fine
    for (const url of ['amqp://guest@127.0.0.1:5672', 'amqp://127.0.0.1:5672/vhost', '127.0.0.1:9092']) {
      expect(resultProblem({ ...good, broker: { ...good.broker, url } }), url).toBeUndefined();
    }
    const aborted = copy(buildResult(identity(), measured('aborted', 'x')));
    delete aborted.error;
    await expect(writeResult(dir, aborted as RunResult)).rejects.toThrow("refusing to write an invalid result: / must have required property 'error'");
  });
});

describe('result schema version 1', () => {
  test('a real v1 result file reads as version 2 and validates', async () => {
    const v1 = await readFixture();
    expect(v1ResultProblem(v1)).toBeUndefined();
    const result = await readResult(fixturePath);
    expect(resultProblem(result)).toBeUndefined();
    expect(result.schemaVersion).toBe(2);
    expect(result.status).toBe('completed');
    expect(result.executor).toBe('open loop at 1,000 msg/s (v1 result: no outstanding cap)');
    expect(result.openLoop).toBeUndefined();
    expect(result.counts).toEqual({ ...v1.counts, arrivedAfterClose: 0 });
    // v1 had no stall timeout (v2's default is recorded) and no cap on outstanding sends (recorded as unbounded)
    expect(result.workload).toEqual({ ...v1.workload, stallTimeoutUs: 10_000_000, maxOutstanding: Number.MAX_SAFE_INTEGER });
    // the window v1 divided by: a little under the 5 s duration (producers stop at the first send past it)
    const windowUs = Math.round((v1.counts.sent / v1.throughput.sentPerSec) * 1e6);
    expect(windowUs).toBeGreaterThan(4_990_000);
    expect(windowUs).toBeLessThanOrEqual(v1.workload.durationUs);
    expect(result.throughput).toEqual({ ...v1.throughput, sendWindowUs: windowUs, receiveWindowUs: windowUs });
    expect(result.timeline).toEqual(v1.timeline.map((p) => ({ ...p, coveredUs: 1_000_000 })));
    expect(result.latencyUs).toEqual(v1.latencyUs);
    expect(result.accounting).toEqual(v1.accounting.map((a) => ({ ...a, receivedDespiteSendError: a.receivedDespiteSendError ?? 0 })));
  });

  test('every committed v1 baseline reads as version 2', async () => {
    const results = await readResults([baselinesDir]);
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      expect(result.schemaVersion).toBe(2);
      expect(resultProblem(result)).toBeUndefined();
    }
  });

  test('migration is pure and fills what v1 lacked as v2 defaults, worded as the executors word it', async () => {
    const v1 = await readFixture();
    const before = structuredClone(v1);
    migrateV1(v1);
    expect(v1).toEqual(before);

    // closed loop and a fixed count: the same text as the v2 executor would give
    const closed: ResultV1 = { ...v1, loop: 'closed-loop', workload: { ...v1.workload, rate: 'max', inflight: 250 } };
    const fixed: ResultV1 = { ...v1, loop: 'closed-loop', workload: { ...v1.workload, rate: 'max', messages: 1, warmupUs: 0 } };
    for (const [input, text] of [
      [closed, 'closed loop, 250 in flight'],
      [fixed, '1 message, then stop'],
    ] as const) {
      const out = migrateV1(input);
      expect(resultProblem(out)).toBeUndefined();
      expect(out.executor).toBe(text);
      expect(out.executor).toBe(executorFor(out.workload).description);
      expect(out.workload.maxOutstanding).toBe(input.workload.inflight);
    }

    expect(migrateV1(v1).workload.stallTimeoutUs).toBe(parseDurationUs(String(commonOptions.find((row) => row.name === 'stall-timeout')?.default), 'stall timeout'));

    // open loop: v1 had no cap on outstanding sends
    for (const [rate, messageSize] of [
      [10, 100],
      [1000, 100],
      [2500.5, 100],
      [1e9, 100],
      [50_000, 65_536],
    ] as const) {
      const out = migrateV1({ ...v1, workload: { ...v1.workload, rate, messageSize } });
      expect(out.workload.maxOutstanding, `${rate} msg/s`).toBe(Number.MAX_SAFE_INTEGER);
      expect(resultProblem(out)).toBeUndefined();
      // worded as the v2 executor words it, up to the cap v1 did not have
      const [asked, note] = out.executor.split(' (');
      expect(note).toBe('v1 result: no outstanding cap)');
      expect(executorFor(out.workload).description).toMatch(new RegExp(`^${asked}, at most `));
    }

    // v1 files from before receivedDespiteSendError existed
    const older = structuredClone(v1) as any;
    delete older.counts.receivedDespiteSendError;
    for (const a of older.accounting) delete a.receivedDespiteSendError;
    expect(v1ResultProblem(older)).toBeUndefined();
    const migratedOlder = migrateV1(older as ResultV1);
    expect(migratedOlder.counts.receivedDespiteSendError).toBe(0);
    expect(migratedOlder.accounting.every((a) => a.receivedDespiteSendError === 0)).toBe(true);

    // v1 said completed even when sends failed: v2 says completed-with-errors
    const withErrors = migrateV1({ ...v1, counts: { ...v1.counts, sendErrors: 3 } });
    expect(withErrors.status).toBe('completed-with-errors');
    expect(withErrors.status !== 'completed' && withErrors.error).toMatch(/^3 measured sends failed or were never confirmed/);
    expect(resultProblem(withErrors)).toBeUndefined();

    const aborted = migrateV1({ ...v1, status: 'aborted', error: 'broker connection lost' });
    expect(aborted.status !== 'completed' && aborted.error).toBe('broker connection lost');
    expect(resultProblem(aborted)).toBeUndefined();
  });

  test('a damaged v1 file is refused against the v1 schema', async () => {
    const v1 = (await readFixture()) as any;
    v1.status = 'aborted';
    const path = join(dir, 'damaged-v1.json');
    await writeFile(path, JSON.stringify(v1));
    await expect(readResult(path)).rejects.toThrow(`${path}: damaged result file (schema version 1): / must have required property 'error'`);
  });
});

test('an unknown schema version is one line naming the versions this mqbench reads', async () => {
  const v99 = { ...(await readFixture()), schemaVersion: 99 };
  const path = join(dir, 'v99.json');
  await writeFile(path, JSON.stringify(v99));
  const error = await readResult(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toBe(`${path}: unknown result schema version 99 (this mqbench reads versions 1 and 2)`);
  expect((error as Error).message).not.toContain('\n');
});
