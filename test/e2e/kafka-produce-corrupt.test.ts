/**
 * The @platformatic/kafka driver's producer against the real local Kafka when a batch mqbench encoded
 * arrives with one byte flipped: the broker refuses it (CORRUPT_MESSAGE, retriable in Kafka's table),
 * and that must show as a failed send with the broker's reason and an event, not be written through
 * the client's encoder as if nothing had happened. The flip is made on mqbench's own connections only
 * (those of no client instance: the sender's ConnectionPool), after encoding, as the wire would.
 */
import { randomBytes } from 'node:crypto';
import { Connection, Producer as ClientProducer, Writer } from '@platformatic/kafka';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { PlatformaticKafkaDriver } from '../../src/drivers/kafka/platformatic.js';
import type { DriverEvent, DriverSettings, Topology } from '../../src/drivers/types.js';
import { kafkaUrl } from '../helpers.js';

const settings: DriverSettings = { delivery: 'noack', confirm: false, persistent: false, prefetch: 100, multiAck: 10, kafkaAcks: 1, lingerMs: 0, batchSize: 500 };
const produceApiKey = 0;

/** The request with its last record's last value byte flipped (the body ends: value, headers count, three empty tagged fields). */
function flipped(payload: Writer): Writer {
  const bytes = Buffer.from(payload.buffer);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
  const out = Writer.create().append(bytes);
  out.context.noResponse = payload.context.noResponse;
  return out;
}

/** Every Produce request on a connection no client owns (mqbench's sender's) leaves with one byte flipped. */
function flipMqbenchProduceRequests(): void {
  const send = Connection.prototype.send;
  vi.spyOn(Connection.prototype, 'send').mockImplementation(function (this: Connection, apiKey, apiVersion, createPayload, ...rest) {
    const payload = apiKey === produceApiKey && this.ownerId === undefined ? () => flipped(createPayload()) : createPayload;
    return send.call(this, apiKey, apiVersion, payload, ...rest);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('@platformatic/kafka producer: a batch the broker finds corrupt', () => {
  test('fails the send with the broker\'s reason and an event, after at most one resend through the client', async () => {
    const driver = new PlatformaticKafkaDriver({ url: kafkaUrl, settings, connectTimeoutMs: 10_000 });
    const events: DriverEvent[] = [];
    driver.onEvent((event) => events.push(event));
    await driver.connect();
    const topology: Topology = { prefix: `mqbench-corrupttest-${randomBytes(4).toString('hex')}`, stream: 'stream', partitions: 1, subscriptions: 1 };
    await driver.setup(topology);
    try {
      const producer = await driver.createProducer(0);
      await producer.send(Buffer.from('before'));
      const clientSends = vi.spyOn(ClientProducer.prototype, 'send');
      flipMqbenchProduceRequests();
      await expect(producer.send(Buffer.from('flipped on the wire'))).rejects.toThrow(/CORRUPT_MESSAGE/);
      expect(clientSends.mock.calls.length).toBeLessThanOrEqual(1);
      expect(events.map((e) => `${e.kind}: ${e.detail}`).join('\n')).toMatch(/CORRUPT_MESSAGE/);
      // every request went through mqbench's encoder; none of them was resent behind its back
      const counts = driver.pathCounts();
      expect(counts.paths.find((p) => p.path === 'produce: mqbench encoder')).toMatchObject({ requests: 2, records: 2 });
      expect(counts.fallbacks.filter((f) => f.reason.startsWith('produce'))).toEqual([]);
      // the wire is sound again: the producer still sends
      vi.restoreAllMocks();
      await producer.send(Buffer.from('after'));
      await producer.close();
    } finally {
      await driver.teardown();
      await driver.close();
    }
  });
});
