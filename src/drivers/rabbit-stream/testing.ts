/** The rabbit-stream plug-in's tests: the private node they run against, and streams seen through a stream client of the probe's own. */
import { execFileSync } from 'node:child_process';
import { connect, Offset, type Client } from 'rabbitmq-stream-js-client';
import { countUntilQuiet, installedVersion } from '../testing-support.js';
import type { BrokerProbe, PluginTesting } from '../plugin.js';
import { adaptStreamClient } from './compat.js';
import { RabbitStreamDriver, streamNames } from './driver.js';
import { defaultStreamUrl, startStreamNode, stopStreamNode, streamNode } from './local.js';

const streamUrl = process.env.MQBENCH_RABBIT_STREAM_URL ?? defaultStreamUrl;

/** Metadata for existence, a reader from offset first for what is held. */
function streamProbe(): BrokerProbe {
  let client: Client | undefined;
  const open = async (): Promise<Client> => {
    adaptStreamClient();
    return (client ??= await connect({ hostname: '127.0.0.1', port: 5552, username: 'guest', password: 'guest', vhost: '/' }));
  };
  return {
    async exists(topology) {
      const metadata = await (await open()).queryMetadata({ streams: streamNames(topology) });
      return metadata.every((m) => m.responseCode === 1);
    },
    async held(topology) {
      const reader = await open();
      let count = 0;
      const consumers = [];
      for (const stream of streamNames(topology)) consumers.push(await reader.declareConsumer({ stream, offset: Offset.first() }, () => {
        count++;
      }));
      const held = await countUntilQuiet(() => count, 200);
      for (const consumer of consumers) await consumer.close();
      return held;
    },
    async expectedBrokerVersion() {
      return execFileSync('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', `${streamNode.name}@localhost`, 'version']).toString().trim();
    },
    expectedClient: { name: 'rabbitmq-stream-js-client', version: installedVersion('rabbitmq-stream-js-client') },
    async close() {
      await client?.close();
    },
  };
}

export const testing: PluginTesting = {
  contract: [{ create: async (settings) => new RabbitStreamDriver({ url: streamUrl, settings, connectTimeoutMs: 5000 }), probe: streamProbe }],
  // the private RabbitMQ node with the stream plugin (never the shared one): started if not running, stopped after if so
  async globalSetup(log) {
    try {
      const { started } = await startStreamNode(log);
      return started && process.env.MQBENCH_KEEP_STREAM_NODE !== '1' ? async () => void (await stopStreamNode()) : undefined;
    } catch (error) {
      // only the rabbit-stream tests need it: if it cannot start, they fail on their own and the rest runs
      log(`the private stream node did not start (rabbit-stream tests will fail): ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  },
};
