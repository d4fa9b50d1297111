/**
 * The faulty driver: every fault is deterministic, so each test asserts exact counts and orders.
 * Payloads are plain 4-byte buffers holding the message number (1-based, in send order).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { FaultyDriver, parseFaultyUrl, reorderHoldMs } from '../../src/drivers/faulty/driver.js';
import { findPlugin } from '../../src/drivers/index.js';
import type { DriverSettings, Producer } from '../../src/drivers/types.js';
import { UsageError } from '../../src/errors.js';

const settings: DriverSettings = {
  delivery: 'noack',
  confirm: false,
  persistent: false,
  prefetch: 100,
  multiAck: 10,
  kafkaAcks: 1,
  lingerMs: 0,
  batchSize: 500,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const numbered = (n: number): Buffer => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(n);
  return payload;
};

type Outcome = 'pending' | 'resolved' | string;

interface Rig {
  driver: FaultyDriver;
  producer: Producer;
  /** message numbers received, per subscription, in arrival order */
  received: number[][];
  /** sends 1..count (numbering continues across calls); outcome[i] is message i+1's */
  send(count: number): void;
  outcomes: Outcome[];
}

const drivers: FaultyDriver[] = [];
afterEach(async () => {
  for (const driver of drivers.splice(0)) {
    await driver.teardown();
    await driver.close();
  }
});

async function rig(url: string, subscriptions = 1, partitions = 1): Promise<Rig> {
  const driver = new FaultyDriver({ url, settings, connectTimeoutMs: 1000 });
  drivers.push(driver);
  await driver.connect();
  await driver.setup({ prefix: 'faulty-test', stream: 's', partitions, subscriptions });
  const received: number[][] = Array.from({ length: subscriptions }, () => []);
  const all = Array.from({ length: partitions }, (_, p) => p);
  for (let s = 0; s < subscriptions; s++) {
    await driver.createConsumer({ subscription: s, partitions: all, groupSize: 1 }, (payload) => received[s]?.push(payload.readUInt32LE()));
  }
  const producer = await driver.createProducer(0);
  const outcomes: Outcome[] = [];
  const send = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const index = outcomes.push('pending') - 1;
      producer.send(numbered(index + 1)).then(
        () => (outcomes[index] = 'resolved'),
        (error: Error) => (outcomes[index] = error.message),
      );
    }
  };
  return { driver, producer, received, send, outcomes };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('no faults', () => {
  test('behaves as the memory broker: every message once, in order, sends resolved', async () => {
    const r = await rig('faulty://');
    r.send(10);
    await macrotask();
    expect(r.received[0]).toEqual(range(1, 10));
    expect(r.outcomes.every((o) => o === 'resolved')).toBe(true);
    expect(r.producer.brokerAcks).toBe(false);
    expect(r.driver.stats()).toEqual({ sent: 10, resolved: 10, rejected: 0, dropped: 0, duplicated: 0, reordered: 0, pending: 0 });
  });
});

describe('delivery faults', () => {
  test('drop=3 drops messages 3, 6, 9 and still resolves their sends', async () => {
    const r = await rig('faulty://?drop=3');
    r.send(10);
    await macrotask();
    expect(r.received[0]).toEqual([1, 2, 4, 5, 7, 8, 10]);
    expect(r.outcomes.every((o) => o === 'resolved')).toBe(true);
    expect(r.driver.stats()).toMatchObject({ sent: 10, resolved: 10, dropped: 3 });
  });

  test('duplicate=4 delivers messages 4 and 8 twice, to every subscription', async () => {
    const r = await rig('faulty://?duplicate=4', 2);
    r.send(10);
    await macrotask();
    for (const received of r.received) expect(received).toEqual([1, 2, 3, 4, 4, 5, 6, 7, 8, 8, 9, 10]);
    expect(r.driver.stats()).toMatchObject({ duplicated: 2, dropped: 0 });
  });

  test('a duplicate lands on the same partition as its original', async () => {
    const driver = new FaultyDriver({ url: 'faulty://?duplicate=2', settings, connectTimeoutMs: 1000 });
    drivers.push(driver);
    await driver.setup({ prefix: 'faulty-test', stream: 's', partitions: 2, subscriptions: 1 });
    const byPartition: number[][] = [[], []];
    for (const p of [0, 1]) {
      await driver.createConsumer({ subscription: 0, partitions: [p], groupSize: 2 }, (payload) => byPartition[p]?.push(payload.readUInt32LE()));
    }
    const producer = await driver.createProducer(0);
    for (let n = 1; n <= 4; n++) await producer.send(numbered(n));
    await macrotask();
    // round robin: 1, 3 on partition 0; 2, 4 (both duplicated) on partition 1
    expect(byPartition).toEqual([[1, 3], [2, 2, 4, 4]]);
  });

  test('reorder=3 delivers 3 after 4 and 6 after 7', async () => {
    const r = await rig('faulty://?reorder=3');
    r.send(7);
    await macrotask();
    expect(r.received[0]).toEqual([1, 2, 4, 3, 5, 7, 6]);
    expect(r.driver.stats()).toMatchObject({ reordered: 2 });
  });

  test('reorder: a held message with no next one is delivered late, not lost, and not counted as reordered', async () => {
    const r = await rig('faulty://?reorder=3');
    r.send(6);
    await macrotask();
    expect(r.received[0]).toEqual([1, 2, 4, 3, 5]);
    await sleep(reorderHoldMs + 20);
    expect(r.received[0]).toEqual([1, 2, 4, 3, 5, 6]);
    expect(r.driver.stats()).toMatchObject({ reordered: 1 });
  });

  test('delayMs=100 delays every delivery, not the sends', async () => {
    const r = await rig('faulty://?delayMs=100');
    r.send(5);
    await macrotask();
    expect(r.outcomes.every((o) => o === 'resolved')).toBe(true);
    expect(r.received[0]).toEqual([]);
    await sleep(150);
    expect(r.received[0]).toEqual(range(1, 5));
  });

  test('messages are counted over all producers of the driver', async () => {
    const r = await rig('faulty://?drop=2');
    const second = await r.driver.createProducer(1);
    for (let n = 1; n <= 6; n++) await (n % 2 === 1 ? r.producer : second).send(numbered(n));
    await macrotask();
    // every message of the second producer is an even one: all dropped
    expect(r.received[0]).toEqual([1, 3, 5]);
    expect(r.driver.stats()).toMatchObject({ sent: 6, dropped: 3 });
  });

  test('teardown cancels deliveries still delayed', async () => {
    const r = await rig('faulty://?delayMs=50');
    r.send(3);
    await r.driver.teardown();
    await sleep(40);
    expect(r.received[0]).toEqual([]);
  });
});

describe('rejects', () => {
  test('rejectEvery=4 rejects messages 4 and 8 with their number and does not deliver them', async () => {
    const r = await rig('faulty://?rejectEvery=4');
    r.send(10);
    await macrotask();
    expect(r.outcomes[3]).toBe('rejected by faulty broker (message 4)');
    expect(r.outcomes[7]).toBe('rejected by faulty broker (message 8)');
    expect(r.outcomes.filter((o) => o === 'resolved')).toHaveLength(8);
    expect(r.received[0]).toEqual([1, 2, 3, 5, 6, 7, 9, 10]);
    expect(r.driver.stats()).toMatchObject({ sent: 10, resolved: 8, rejected: 2 });
  });

  test('rejectAfter=6 rejects every send after the 6th', async () => {
    const r = await rig('faulty://?rejectAfter=6');
    r.send(10);
    await macrotask();
    expect(r.outcomes.slice(0, 6).every((o) => o === 'resolved')).toBe(true);
    expect(r.outcomes.slice(6)).toEqual(range(7, 10).map((n) => `rejected by faulty broker (message ${n})`));
    expect(r.received[0]).toEqual(range(1, 6));
    expect(r.driver.stats()).toMatchObject({ rejected: 4 });
  });

  test('a rejected message is not also dropped: the first fault that applies wins', async () => {
    const r = await rig('faulty://?drop=2&rejectEvery=3');
    r.send(12);
    await macrotask();
    expect(r.received[0]).toEqual([1, 5, 7, 11]);
    expect(r.driver.stats()).toMatchObject({ rejected: 4, dropped: 4 });
  });

  test('brokerAcks=1: sends settle a macrotask later, as a confirm would', async () => {
    const r = await rig('faulty://?brokerAcks=1&rejectEvery=2');
    expect(r.producer.brokerAcks).toBe(true);
    r.send(2);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(r.outcomes).toEqual(['pending', 'pending']);
    await macrotask();
    await macrotask();
    expect(r.outcomes).toEqual(['resolved', 'rejected by faulty broker (message 2)']);
  });
});

describe('stalls', () => {
  test('stallAfter=5 (forever): 5 messages go through, later sends stay pending and undelivered', async () => {
    const r = await rig('faulty://?stallAfter=5');
    r.send(8);
    await sleep(30);
    expect(r.outcomes).toEqual([...Array(5).fill('resolved'), 'pending', 'pending', 'pending']);
    expect(r.received[0]).toEqual(range(1, 5));
    expect(r.driver.isFrozen()).toBe(true);
    expect(r.driver.stats()).toMatchObject({ sent: 8, resolved: 5, pending: 3 });
    r.driver.thaw();
    await macrotask();
    expect(r.outcomes.every((o) => o === 'resolved')).toBe(true);
    expect(r.received[0]).toEqual(range(1, 8));
    expect(r.driver.stats()).toMatchObject({ resolved: 8, pending: 0 });
  });

  test('stallForMs ends the stall on its own', async () => {
    const r = await rig('faulty://?stallAfter=2&stallForMs=150');
    r.send(4);
    await sleep(20);
    expect(r.outcomes).toEqual(['resolved', 'resolved', 'pending', 'pending']);
    await sleep(200);
    expect(r.outcomes.every((o) => o === 'resolved')).toBe(true);
    expect(r.received[0]).toEqual(range(1, 4));
    expect(r.driver.isFrozen()).toBe(false);
  });

  test('stallAfter=0 freezes from the first send', async () => {
    const r = await rig('faulty://?stallAfter=0');
    r.send(1);
    await macrotask();
    expect(r.outcomes).toEqual(['pending']);
    expect(r.received[0]).toEqual([]);
  });

  test('freeze()/thaw(): sends made during a freeze resolve after the thaw, with faults applied by number', async () => {
    const r = await rig('faulty://?drop=4');
    r.send(2);
    r.driver.freeze();
    r.send(3);
    await sleep(20);
    expect(r.outcomes).toEqual(['resolved', 'resolved', 'pending', 'pending', 'pending']);
    expect(r.received[0]).toEqual([1, 2]);
    r.driver.thaw();
    await macrotask();
    expect(r.outcomes.every((o) => o === 'resolved')).toBe(true);
    expect(r.received[0]).toEqual([1, 2, 3, 5]);
    expect(r.driver.stats()).toMatchObject({ dropped: 1, pending: 0 });
  });

  test('freeze(ms) thaws on its own', async () => {
    const r = await rig('faulty://');
    r.driver.freeze(100);
    r.send(1);
    await sleep(10);
    expect(r.outcomes).toEqual(['pending']);
    await sleep(150);
    expect(r.outcomes).toEqual(['resolved']);
    expect(r.received[0]).toEqual([1]);
  });
});

describe('fatalAfter', () => {
  test('calls onFatal once after message 3, then rejects every send', async () => {
    const r = await rig('faulty://?fatalAfter=3');
    const errors: Error[] = [];
    r.driver.onFatal((error) => errors.push(error));
    r.send(3);
    expect(errors).toEqual([]); // never from inside send()
    await macrotask();
    expect(errors.map((e) => e.message)).toEqual(['connection lost (faulty broker, after message 3)']);
    r.send(3);
    await macrotask();
    expect(errors).toHaveLength(1);
    expect(r.outcomes).toEqual(['resolved', 'resolved', 'resolved', ...Array(3).fill('connection lost (faulty broker)')]);
    expect(r.received[0]).toEqual([1, 2, 3]);
    expect(r.driver.stats()).toMatchObject({ resolved: 3, rejected: 3 });
  });
});

describe('URL', () => {
  const valid =
    'valid parameters: drop, duplicate, reorder, delayMs, stallAfter, stallForMs, rejectEvery, rejectAfter, fatalAfter, brokerAcks, throwAfter, fallbackEvery, hangSetup, hangAttach, hangTeardown';
  const usageError = (url: string): UsageError => {
    try {
      parseFaultyUrl(url);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as Error).message).not.toContain('\n');
      return error as UsageError;
    }
    throw new Error(`${url} was accepted`);
  };

  test('parses every parameter', () => {
    expect(
      parseFaultyUrl(
        'faulty://?drop=1&duplicate=2&reorder=3&delayMs=0&stallAfter=0&stallForMs=5&rejectEvery=6&rejectAfter=0&fatalAfter=8&brokerAcks=1',
      ),
    ).toEqual({ drop: 1, duplicate: 2, reorder: 3, delayMs: 0, stallAfter: 0, stallForMs: 5, rejectEvery: 6, rejectAfter: 0, fatalAfter: 8, brokerAcks: 1 });
    expect(parseFaultyUrl('faulty://')).toEqual({});
    expect(parseFaultyUrl('faulty:///?drop=2')).toEqual({ drop: 2 });
  });

  test('an unknown parameter is named with the valid ones', () => {
    expect(usageError('faulty://?dorp=3').message).toBe(`faulty URL: unknown parameter "dorp"; ${valid}`);
    expect(usageError('faulty://?constructor=1').message).toBe(`faulty URL: unknown parameter "constructor"; ${valid}`);
  });

  test('a value that is not an integer in range is named with the valid ones', () => {
    expect(usageError('faulty://?drop=1.5').message).toBe(`faulty URL: drop must be an integer >= 1, got "1.5"; ${valid}`);
    expect(usageError('faulty://?drop=0').message).toBe(`faulty URL: drop must be an integer >= 1, got "0"; ${valid}`);
    expect(usageError('faulty://?delayMs=-1').message).toBe(`faulty URL: delayMs must be an integer >= 0, got "-1"; ${valid}`);
    expect(usageError('faulty://?delayMs=').message).toBe(`faulty URL: delayMs must be an integer >= 0, got ""; ${valid}`);
    expect(usageError('faulty://?brokerAcks=2').message).toBe(`faulty URL: brokerAcks must be 0 or 1, got "2"; ${valid}`);
    expect(usageError('faulty://?drop=1%0Ax').message).toBe(`faulty URL: drop must be an integer >= 1, got "1\\nx"; ${valid}`);
  });

  test('a repeated parameter, another scheme or a host are refused', () => {
    expect(usageError('faulty://?drop=2&drop=3').message).toBe(`faulty URL: drop given twice; ${valid}`);
    expect(usageError('memory://').message).toBe(`faulty URL: expected faulty://?name=N&..., got "memory://"; ${valid}`);
    const withSecret = usageError('faulty://user:secret@host?drop=1').message;
    expect(withSecret).toContain('expected faulty://?name=N&...');
    expect(withSecret).not.toContain('secret');
  });

  test('the registry builds it and refuses a bad URL at creation', () => {
    const entry = findPlugin('faulty');
    expect(entry.endpoint?.defaultUrl).toBe('faulty://');
    expect(entry.create({ url: 'faulty://?drop=2', settings, connectTimeoutMs: 1000 }).name).toBe('faulty');
    expect(() => entry.create({ url: 'faulty://?nope=1', settings, connectTimeoutMs: 1000 })).toThrow(UsageError);
  });

  test('info() names the broker and lists the active faults', async () => {
    const r = await rig('faulty://?stallForMs=10&drop=3&brokerAcks=1', 2, 3);
    expect(await r.driver.info()).toEqual({
      broker: 'faulty',
      brokerVersion: 'in-process',
      client: { name: 'mqbench-faulty', version: '1' },
      url: 'faulty://?drop=3&stallForMs=10&brokerAcks=1',
      settings: { delivery: 'noack', drop: 3, stallForMs: 10, brokerAcks: 1 },
      mapping: 'in-process: 2 subscriptions x 3 partitions; faults: drop=3, stallForMs=10, brokerAcks=1',
    });
  });
});
