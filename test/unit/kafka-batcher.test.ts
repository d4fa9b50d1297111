import { describe, expect, it } from 'vitest';
import { createBatcher, type BatchItem } from '../../src/drivers/kafka/shared.js';
import { encodeProduceRequest } from '../../src/drivers/kafka/wire/produce-request.js';

/** The batches a batcher hands to its sender, as payload sizes. */
function recorder(): { batches: number[][]; send: (items: readonly { payload: Buffer }[]) => Promise<void> } {
  const batches: number[][] = [];
  return { batches, send: async (items) => void batches.push(items.map((i) => i.payload.length)) };
}

describe('Kafka batcher', () => {
  it('flushes at the message count', async () => {
    const { batches, send } = recorder();
    const batcher = createBatcher(send, 1000, 3, 1 << 20);
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => batcher.send(Buffer.alloc(10), undefined)));
    expect(batches).toEqual([
      [10, 10, 10],
      [10, 10, 10],
    ]);
  });

  it('never lets a batch pass the byte cap (the broker refuses a record batch over message.max.bytes)', async () => {
    const { batches, send } = recorder();
    const batcher = createBatcher(send, 1000, 1000, 10_000);
    const sends = Array.from({ length: 7 }, () => batcher.send(Buffer.alloc(4096), undefined));
    batcher.flush();
    await Promise.all(sends);
    expect(batches).toEqual([[4096, 4096], [4096, 4096], [4096, 4096], [4096]]);
    expect(Math.max(...batches.map((b) => b.reduce((a, n) => a + n, 0)))).toBeLessThanOrEqual(10_000);
  });

  it('counts each record as encoded, not its payload alone: small messages never make a batch over the cap', async () => {
    const batches: BatchItem[][] = [];
    const cap = 1_048_576; // the broker's message.max.bytes (1 MiB + 12) refuses a larger record batch: MESSAGE_TOO_LARGE, not retriable
    const batcher = createBatcher(async (items) => void batches.push([...items]), 1000, 1_000_000, cap);
    const sends = Array.from({ length: 12_000 }, (_, i) => batcher.send(Buffer.alloc(100, i & 0xff), i % 2 === 0 ? `key-${i % 100}` : undefined));
    batcher.flush();
    await Promise.all(sends);
    for (const items of batches) {
      const records = { partition: 0, values: items.map((i) => i.payload), keys: items.map((i) => (i.key === undefined ? undefined : Buffer.from(i.key))) };
      // the whole request body: the record batch and some 20 bytes around it
      expect(encodeProduceRequest({ topic: 't', acks: 1, timeoutMs: 1, timestampMs: 0, partitions: [records] }).length).toBeLessThanOrEqual(cap);
    }
    // and the cap is used: not a batch much smaller than it needs to be
    expect(batches[0]?.length).toBeGreaterThan(cap / (100 + 5 + 30));
  });

  it('sends a message larger than the cap alone', async () => {
    const { batches, send } = recorder();
    const batcher = createBatcher(send, 1000, 1000, 1000);
    const sends = [batcher.send(Buffer.alloc(100), undefined), batcher.send(Buffer.alloc(5000), undefined), batcher.send(Buffer.alloc(100), undefined)];
    batcher.flush();
    await Promise.all(sends);
    expect(batches).toEqual([[100], [5000], [100]]);
  });

  it('settles every message of a batch once through sendWith: acknowledged, or with the batch\'s error', async () => {
    let fail = false;
    const batcher = createBatcher(async () => {
      if (fail) throw new Error('broker gone');
    }, 1000, 2, 1 << 20);
    const outcomes: (string | undefined)[] = [];
    const done = { settled: (error?: Error) => void outcomes.push(error?.message) };
    batcher.sendWith(Buffer.alloc(10), undefined, done);
    batcher.sendWith(Buffer.alloc(10), undefined, done);
    fail = true;
    batcher.sendWith(Buffer.alloc(10), 'k', done);
    batcher.sendWith(Buffer.alloc(10), 'k', done);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes).toEqual([undefined, undefined, 'broker gone', 'broker gone']);
  });

  it('settles the rest of a batch when one settled() throws, and the throw shows', async () => {
    const batcher = createBatcher(async () => undefined, 1000, 1000, 1 << 20);
    let settledCount = 0;
    batcher.sendWith(Buffer.alloc(10), undefined, { settled: () => void settledCount++ });
    batcher.sendWith(Buffer.alloc(10), undefined, {
      settled: () => {
        settledCount++;
        throw new Error('recorder bug');
      },
    });
    batcher.sendWith(Buffer.alloc(10), undefined, { settled: () => void settledCount++ });
    await expect(batcher.flush()).rejects.toThrow('recorder bug');
    expect(settledCount).toBe(3);
  });

  it('a sender that throws at once fails every message of its batch', async () => {
    const batcher = createBatcher(() => {
      throw new Error('no connection');
    }, 1000, 3, 1 << 20);
    const outcomes: (string | undefined)[] = [];
    const done = { settled: (error?: Error) => void outcomes.push(error?.message) };
    for (let i = 0; i < 3; i++) batcher.sendWith(Buffer.alloc(10), undefined, done);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes).toEqual(['no connection', 'no connection', 'no connection']);
  });
});
