/** The redis plug-in's tests: Redis seen through a node-redis connection of the probe's own (stream keys and lengths). */
import { execFileSync } from 'node:child_process';
import { createClient } from 'redis';
import { installedVersion } from '../testing-support.js';
import type { BrokerProbe, PluginTesting } from '../plugin.js';
import { RedisDriver, redisLayout } from './driver.js';
import { defaultRedisUrl } from './url.js';

const redisUrl = process.env.MQBENCH_REDIS_URL ?? defaultRedisUrl;

function redisProbe(): BrokerProbe {
  const client = createClient({ url: redisUrl, RESP: 2 });
  const ready = async () => (client.isOpen ? client : client.connect());
  return {
    async exists(topology) {
      const { streams } = redisLayout(topology);
      return Number(await (await ready()).sendCommand(['EXISTS', ...streams])) === streams.length;
    },
    async held(topology) {
      let total = 0;
      for (const stream of redisLayout(topology).streams) total += Number(await (await ready()).sendCommand(['XLEN', stream]));
      return total;
    },
    async expectedBrokerVersion() {
      return /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ?? '';
    },
    expectedClient: { name: 'redis', version: installedVersion('redis') },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}

export const testing: PluginTesting = {
  contract: [{ create: async (settings) => new RedisDriver({ url: redisUrl, settings, connectTimeoutMs: 5000 }), probe: redisProbe }],
};
