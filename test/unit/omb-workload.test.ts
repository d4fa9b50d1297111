/**
 * OpenMessaging Benchmark workload files (issue 30, item 1): each OMB field mapped onto an mqbench
 * option and printed; a field mqbench cannot honour, an unknown one or a missing one refused by name
 * with the reason. Pure mapping here; the CLI path (refusals before anything connects) at the end.
 */
import { describe, expect, test } from 'vitest';
import { mapOmbWorkload, isOmbWorkload, ombFields, renderOmbMapping } from '../../src/plan/omb-workload.js';
import { planRuns } from '../../src/plan/index.js';
import { bench } from '../helpers.js';

const base = {
  name: '1 topic / 4 partitions / 1kb',
  topics: 1,
  partitionsPerTopic: 4,
  messageSize: 1024,
  subscriptionsPerTopic: 2,
  consumerPerSubscription: 3,
  producersPerTopic: 2,
  producerRate: 20000,
  testDurationMinutes: 5,
};

describe('OMB workload mapping', () => {
  test('every field OMB documents onto an option, OMB defaults filled in and said so', () => {
    const { options, lines } = mapOmbWorkload({ ...base, keyDistributor: 'KEY_ROUND_ROBIN', useRandomizedPayloads: false });
    expect(options).toEqual({ partitions: 4, keys: 'on', size: 1024, subscriptions: 2, consumers: 3, producers: 2, rate: 20000, scenario: 'ack', duration: '5m', warmup: '1m' });
    const text = renderOmbMapping('"x"', lines, { duration: '3s' });
    expect(text).toContain('  partitionsPerTopic = 4 -> --partitions = 4');
    expect(text).toContain('  warmupDurationMinutes = 1 (OMB\'s default) -> --warmup = 1m');
    expect(text).toContain('  testDurationMinutes = 5 -> --duration = 5m (overridden: --duration = 3s)');
    expect(text).toContain('  consumerBacklogSizeGB = 0 (OMB\'s default) -> --scenario = ack (no backlog: at-least-once)');
    expect(lines.map((l) => l.field)).toEqual(['name', 'topics', 'partitionsPerTopic', 'keyDistributor', 'messageSize', 'useRandomizedPayloads', 'subscriptionsPerTopic', 'consumerPerSubscription', 'producersPerTopic', 'producerRate', 'consumerBacklogSizeGB', 'testDurationMinutes', 'warmupDurationMinutes']);
  });

  test('consumerBacklogSizeGB > 0 is the backlog scenario, in bytes of 1024^3 (fractions read too)', () => {
    const { options } = mapOmbWorkload({ ...base, consumerBacklogSizeGB: 2, backlogDrainRatio: 1.0, warmupDurationMinutes: 0 });
    expect(options.scenario).toBe('backlog');
    expect(options['backlog-size']).toBe(String(2 * 1024 ** 3));
    expect(mapOmbWorkload({ ...base, consumerBacklogSizeGB: 0.5, testDurationMinutes: 0.25 }).options).toMatchObject({ 'backlog-size': String(1024 ** 3 / 2), duration: '15000ms' });
  });

  test.each([
    [{ payloadFile: 'payload/payload-1Kb.data' }, /^OMB field payloadFile = payload\/payload-1Kb\.data is refused: mqbench sends its own payload .*never a file's bytes/],
    [{ useRandomizedPayloads: true }, /^OMB field useRandomizedPayloads = true is refused: mqbench's payload is its header and a fixed filler/],
    [{ randomBytesRatio: 0.5 }, /^OMB field randomBytesRatio = 0\.5 is refused: belongs to useRandomizedPayloads/],
    [{ randomizedPayloadPoolSize: 1000 }, /^OMB field randomizedPayloadPoolSize = 1000 is refused/],
    [{ topics: 100 }, /^OMB field topics = 100 is refused: mqbench runs one stream \(topic\) per run/],
    [{ keyDistributor: 'RANDOM_NANO' }, /^OMB field keyDistributor = RANDOM_NANO is refused: mqbench's keys cycle in order/],
    [{ producerRate: 0 }, /^OMB field producerRate = 0 is refused: .*bench find-rate/],
    [{ consumerBacklogSizeGB: 1, backlogDrainRatio: 0.99 }, /^OMB field backlogDrainRatio = 0\.99 is refused: mqbench drains the whole backlog/],
    [{ partitionsPerTopic: 'four' }, /^OMB field partitionsPerTopic must be a number of 0 or more, got "four"/],
  ])('refused by name with the reason: %j', (change, message) => {
    expect(() => mapOmbWorkload({ ...base, ...change })).toThrow(message);
  });

  test('an unknown field is refused by name, listing the fields OMB has; a missing one too', () => {
    expect(() => mapOmbWorkload({ ...base, producersPerTopc: 2 })).toThrow(`unknown OMB field "producersPerTopc"; OMB's workload fields: ${ombFields.join(', ')}`);
    const { producerRate: _r, ...noRate } = base;
    expect(() => mapOmbWorkload(noRate)).toThrow('OMB field producerRate is missing (OMB would read it as 0)');
  });

  test("recognised by OMB's own field names; mqbench's files are not", () => {
    expect(isOmbWorkload(base)).toBe(true);
    expect(isOmbWorkload({ broker: 'kafka', scenario: 'ack', rate: 100 })).toBe(false);
  });
});

describe('the backlog scenario in the plan', () => {
  const plan = (options: Record<string, string>) => () => planRuns({ scenario: 'backlog', ...options });

  test('defaults: open loop, an 8 MiB backlog, one process', () => {
    const [run] = planRuns({ broker: 'memory', scenario: 'backlog' });
    expect(run?.workload).toMatchObject({ backlogBytes: 8 * 1024 * 1024, rate: 5000, messageSize: 1024, drainTimeoutUs: 30_000_000, driver: { delivery: 'ack' } });
  });

  test.each([
    [{ broker: 'mqtt' }, 'mqtt cannot run the backlog scenario: its plug-in does not hold messages for consumers until they attach (brokers that can: '],
    [{ broker: 'memory', rate: 'max' }, '--rate max: in the backlog scenario a closed loop (at most --inflight messages in flight) never builds a backlog; give a rate'],
    [{ broker: 'memory', workers: '2' }, '--workers: the backlog scenario runs in one process'],
    [{ broker: 'memory', delivery: 'noack' }, '--delivery noack: the backlog scenario is at-least-once'],
    [{ broker: 'memory', messages: '1000' }, '--messages: the backlog scenario is timed (the backlog builds at --rate within --duration); leave --messages out'],
    [{ broker: 'memory', 'backlog-size': '1GiB' }, '--backlog-size 1,073,741,824 B takes 209.7 s to build at 5,000 msg/s of 1,024 B (x1 subscription); the window (--warmup + --duration, 22 s) must be at least twice that to drain it too: e.g. --duration 420s, or a higher --rate'],
  ])('refused before anything connects: %j', (options, message) => {
    expect(plan(options)).toThrow(message);
  });

  test('--backlog-size outside the backlog scenario is refused', () => {
    expect(() => planRuns({ broker: 'memory', scenario: 'ack', 'backlog-size': '1MiB' })).toThrow('--backlog-size is a backlog option; it has no meaning in the ack scenario (use --scenario backlog)');
  });
});

describe('bench k8s render', () => {
  test('a backlog run over several pods is refused: one process builds and drains it', async () => {
    const run = await bench(['k8s', 'render', '--broker', 'kafka', '--scenario', 'backlog', '--pods', '2', '--producers', '2', '--partitions', '2', '--consumers', '2', '--out', '/nonexistent-mqbench-k8s']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('bench: --pods: the backlog scenario runs in one process (its consumers attach once its producers built the backlog); use --pods 1');
  });
});

describe('bench run --workload <OMB file> refuses before anything connects', () => {
  test('an unknown field: one line naming it, exit 2', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'mqbench-omb-'));
    try {
      const file = join(dir, 'omb.yaml');
      await writeFile(file, 'name: x\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\nsubscriptionsPerTopic: 1\nconsumerPerSubscription: 1\nproducersPerTopic: 1\nproducerRate: 100\ntestDurationMinutes: 1\nconsumersPerTopic: 2\n');
      const run = await bench(['run', '--broker', 'memory', '--workload', file, '--out', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`--workload: ${file}: unknown OMB field "consumersPerTopic"; OMB's workload fields: name, topics,`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
