/**
 * The driver contract suite (DESIGN.md), for any plug-in: each case its `testing()` gives (a driver
 * configuration and a probe that looks inside the broker with client code of its own) runs it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { assignPartitions } from '../../src/drivers/partition.js';
import type { BrokerPlugin, ContractCase } from '../../src/drivers/plugin.js';
import type { Topology } from '../../src/drivers/types.js';
import { sleepMs } from '../../src/util/clock.js';

function topologyFor(partitions: number, subscriptions: number): Topology {
  return { prefix: `contract-${randomBytes(4).toString('hex')}`, stream: 'stream', partitions, subscriptions };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleepMs(20);
}

/** Declares the suite for every contract case of the plug-in (none when it has no `testing`). */
export async function describeContract(plugin: BrokerPlugin): Promise<void> {
  for (const contractCase of (await plugin.testing?.())?.contract ?? []) {
    describe(`driver contract: ${plugin.name}${contractCase.variant ? ` (${contractCase.variant})` : ''}`, () => contractTests(contractCase));
  }
}

function contractTests({ settings: settingsFor = (delivery) => ({ delivery }), create, probe: newProbe }: ContractCase): void {
  const probe = newProbe();
  const ackSettings = settingsFor('ack');
  const noackSettings = settingsFor('noack');
  afterAll(() => probe.close());

  test.each([
    { shape: 'one queue/partition', partitions: 1, subscriptions: 1, consumers: 1, settings: noackSettings },
    { shape: 'fanout to 2 subscriptions', partitions: 1, subscriptions: 2, consumers: 1, settings: noackSettings },
    { shape: '3 partitions, 3 consumers, ack mode', partitions: 3, subscriptions: 1, consumers: 3, settings: ackSettings },
  ])('$shape: N sent -> N received intact per subscription; teardown leaves nothing', async ({ partitions, subscriptions, consumers, settings }) => {
    const driver = await create(settings);
    await driver.connect();
    const topology = topologyFor(partitions, subscriptions);
    try {
      await driver.setup(topology);
      expect(await probe.exists(topology, driver)).toBe(true);
      const received: Map<string, number>[] = Array.from({ length: subscriptions }, () => new Map());
      const perConsumer: number[] = [];
      const closers: (() => Promise<void>)[] = [];
      for (let s = 0; s < subscriptions; s++) {
        for (let c = 0; c < consumers; c++) {
          const index = perConsumer.push(0) - 1;
          const consumer = await driver.createConsumer(
            { subscription: s, partitions: assignPartitions(partitions, consumers, c), groupSize: consumers },
            (payload) => {
              const key = payload.toString('hex');
              const seen = received[s] as Map<string, number>;
              seen.set(key, (seen.get(key) ?? 0) + 1);
              perConsumer[index] = (perConsumer[index] ?? 0) + 1;
            },
          );
          closers.push(() => consumer.close());
        }
      }
      await driver.waitUntilConsumersReady(30_000);
      const producer = await driver.createProducer(0);
      const n = 600;
      const sent = Array.from({ length: n }, (_, i) => Buffer.concat([Buffer.from(`msg-${i}-`), randomBytes(40)]));
      await Promise.all(sent.map((payload, i) => producer.send(payload, partitions > 1 ? `key-${i}` : undefined)));
      await waitFor(() => received.every((m) => [...m.values()].reduce((a, b) => a + b, 0) >= n), 30_000);
      await producer.close();
      for (const close of closers) await close();
      for (const seen of received) {
        expect(seen.size).toBe(n);
        for (const payload of sent) expect(seen.get(payload.toString('hex'))).toBe(1);
      }
      if (partitions > 1) for (const count of perConsumer) expect(count).toBeGreaterThan(0);
    } finally {
      await driver.teardown();
      await driver.close();
    }
    expect(await probe.exists(topology, driver)).toBe(false);
  });

  test('in confirm / acks=all mode, send resolves only once the broker holds the message', async () => {
    const driver = await create(ackSettings);
    await driver.connect();
    const topology = topologyFor(1, 1);
    try {
      await driver.setup(topology);
      await probe.watch?.(topology);
      const producer = await driver.createProducer(0);
      for (let i = 1; i <= 5; i++) {
        await producer.send(Buffer.from(`confirmed-${i}`));
        // no consumer is attached: whatever the broker holds was taken before send resolved
        expect(await probe.held(topology, driver)).toBe(i);
      }
      await producer.close();
    } finally {
      await driver.teardown();
      await driver.close();
    }
  });

  test('info() reports the real broker version and client library version', async () => {
    const driver = await create(noackSettings);
    await driver.connect();
    try {
      const info = await driver.info();
      expect(info.brokerVersion).toBe(await probe.expectedBrokerVersion());
      expect(info.client).toEqual(probe.expectedClient);
      expect(info.url).not.toMatch(/guest:guest/);
    } finally {
      await driver.close();
    }
  });
}
