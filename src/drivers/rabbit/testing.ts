/** The rabbit plug-in's tests: RabbitMQ seen through an amqplib connection of the probe's own. */
import amqp from 'amqplib';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { installedVersion } from '../testing-support.js';
import type { BrokerProbe, PluginTesting } from '../plugin.js';
import { RabbitDriver, rabbitLayout } from './driver.js';
import { defaultRabbitUrl, network } from './network.js';

const rabbitUrl = process.env.MQBENCH_RABBIT_URL ?? defaultRabbitUrl;

const execFileAsync = promisify(execFile);

/** Queue and exchange names on the shared RabbitMQ that an mqbench run would have made. */
export async function leftoverRabbitObjects(): Promise<string[]> {
  const queues = await execFileAsync('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name']);
  const exchanges = await execFileAsync('rabbitmqctl', ['list_exchanges', '-q', '--no-table-headers', 'name']);
  return `${queues.stdout}\n${exchanges.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith('mqbench-') || name.startsWith('contract-'));
}

function rabbitProbe(): BrokerProbe {
  let connection: amqp.ChannelModel | undefined;
  const channel = async (): Promise<amqp.Channel> => {
    connection ??= await amqp.connect(rabbitUrl);
    const ch = await connection.createChannel();
    ch.on('error', () => undefined); // a 404 on checkQueue closes the channel; the probe expects that
    return ch;
  };
  return {
    async exists(topology) {
      for (const queue of rabbitLayout(topology).queues.flat()) {
        const ch = await channel();
        try {
          await ch.checkQueue(queue);
          await ch.close();
        } catch {
          return false; // 404 closes the channel
        }
      }
      return true;
    },
    async held(topology) {
      const ch = await channel();
      let total = 0;
      for (const queue of rabbitLayout(topology).queues.flat()) total += (await ch.checkQueue(queue)).messageCount;
      await ch.close();
      return total;
    },
    async expectedBrokerVersion() {
      return execFileSync('rabbitmqctl', ['version']).toString().trim();
    },
    expectedClient: { name: 'amqplib', version: installedVersion('amqplib') },
    async close() {
      await connection?.close();
    },
  };
}

export const testing: PluginTesting = {
  contract: [
    {
      settings: (delivery) => ({ delivery, confirm: delivery === 'ack', persistent: false, prefetch: 100, multiAck: 10 }),
      create: async (settings) => new RabbitDriver({ url: rabbitUrl, settings, connectTimeoutMs: 5000 }),
      probe: rabbitProbe,
    },
  ],
  // the RabbitMQ is shared (not started here): after every test file it must be as clean as before
  globalSetup: async () => async () => {
    const leftovers = await leftoverRabbitObjects();
    if (leftovers.length > 0) throw new Error(`tests left these on the shared RabbitMQ: ${leftovers.join(', ')}`);
  },
  compose: network,
};
