import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../src/drivers/rabbit/coalesce.js';
import { rabbitUrl } from '../helpers.js';

describe('rabbit: coalesced socket writes (amqplib internals)', () => {
  it('applies to the pinned amqplib, and 5,000 publishes of one turn arrive whole and in order', async () => {
    const connection = await amqp.connect(rabbitUrl);
    const queue = `mqbench-test-coalesce-${randomBytes(4).toString('hex')}`;
    try {
      // false means amqplib's internals changed shape: writes would go out one system call per frame again
      expect(coalesceWrites(connection)).toBe(true);
      const channel = await connection.createChannel();
      await channel.assertQueue(queue, { durable: false, autoDelete: false });
      const count = 5000;
      const received: number[] = [];
      let damaged = 0;
      const all = new Promise<void>((resolve) => {
        void channel.consume(
          queue,
          (message) => {
            if (!message) return;
            // checked after the wait: a throw in amqplib's dispatcher would only show as a timeout
            if (!message.content.subarray(4).equals(Buffer.alloc(96, 7))) damaged++;
            received.push(message.content.readUInt32BE(0));
            if (received.length === count) resolve();
          },
          { noAck: true },
        );
      });
      for (let i = 0; i < count; i++) {
        const body = Buffer.alloc(100, 7);
        body.writeUInt32BE(i, 0);
        channel.sendToQueue(queue, body);
      }
      await all;
      expect(damaged).toBe(0);
      expect(received).toEqual(Array.from({ length: count }, (_, i) => i));
      await channel.deleteQueue(queue);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }, 30_000);
});
