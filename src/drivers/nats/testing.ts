/** The nats plug-in's tests: NATS seen through a JetStream manager of the probe's own. */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { execFileSync } from 'node:child_process';
import { installedVersion } from '../testing-support.js';
import type { BrokerProbe, PluginTesting } from '../plugin.js';
import { NatsDriver } from './driver.js';
import { defaultNatsUrl } from './url.js';

const natsUrl = process.env.MQBENCH_NATS_URL ?? defaultNatsUrl;

/** Core NATS (noack) keeps nothing on the server: there the driver says whether it holds the topology. */
function natsProbe(): BrokerProbe {
  let connection: NatsConnection | undefined;
  const manager = async (): Promise<JetStreamManager> => jetstreamManager((connection ??= await connect({ servers: natsUrl.replace(/^nats:\/\//, '') })));
  return {
    async exists(topology, driver) {
      const stream = (driver as NatsDriver).streamOf(topology);
      if (stream === undefined) return (driver as NatsDriver).holds(topology);
      return (await manager()).streams.info(stream).then(() => true, () => false);
    },
    async held(topology, driver) {
      return (await (await manager()).streams.info((driver as NatsDriver).streamOf(topology) ?? '')).state.messages;
    },
    async expectedBrokerVersion() {
      return execFileSync('nats-server', ['--version']).toString().trim().replace(/^nats-server: v/, '');
    },
    expectedClient: { name: '@nats-io/transport-node', version: installedVersion('@nats-io/transport-node') },
    async close() {
      await connection?.close();
    },
  };
}

export const testing: PluginTesting = {
  contract: [{ create: async (settings) => new NatsDriver({ url: natsUrl, settings, connectTimeoutMs: 5000 }), probe: natsProbe }],
};
