import { BrokerUnreachableError } from '../../errors.js';
import { hostPortOf, portAnswers } from '../../provision/probe.js';
import { redactUrl } from '../../util/redact.js';
import { LazyDriver } from '../lazy.js';
import type { BrokerPlugin, Cleaner, EndpointChoice, ProvidedBroker } from '../plugin.js';
import { redisMapping, redisOptions, redisSettings } from './settings.js';
import { defaultRedisUrl, redisUrlProblem } from './url.js';

function startHint(named: boolean): string {
  return named
    ? 'is a Redis server running there? a local one starts with `redis-server`; the URL came from --redis-url or MQBENCH_REDIS_URL'
    : 'start one with `redis-server`, or pass --redis-url';
}

/**
 * mqbench does not start Redis: the default endpoint is used when it answers; otherwise the one-line
 * error says how to start it. (A user's named endpoint is used as is: its connect error says more.)
 */
async function provide(endpoint: EndpointChoice): Promise<ProvidedBroker> {
  if (endpoint.named) return { url: endpoint.url };
  const { host, port } = hostPortOf(endpoint.url, 6379);
  if (!(await portAnswers(host, port))) throw new BrokerUnreachableError(`cannot connect to Redis at ${redactUrl(endpoint.url)}: nothing answers (${startHint(false)})`);
  return { url: endpoint.url };
}

/** `bench clean`, its client loaded only when used. */
const cleaner: Cleaner = {
  list: async (url, timeoutMs) => (await import('./clean.js')).redisCleaner.list(url, timeoutMs),
  remove: async (url, objects, timeoutMs) => (await import('./clean.js')).redisCleaner.remove(url, objects, timeoutMs),
};

/** Redis Streams with node-redis. */
export const redisPlugin: BrokerPlugin = {
  name: 'redis',
  description: 'Redis Streams: XADD, consumer groups with XREADGROUP/XACK (node-redis); no calibration: redis-benchmark has no stream consumer workload',
  options: redisOptions,
  endpoint: {
    option: 'redis-url',
    env: 'MQBENCH_REDIS_URL',
    defaultUrl: defaultRedisUrl,
    describe: `Redis URL, redis[s]://[[user]:password@]host:6379[/db] (env MQBENCH_REDIS_URL; default ${defaultRedisUrl})`,
    problemWith: redisUrlProblem,
  },
  mapping: redisMapping,
  settings: redisSettings,
  provide,
  startHint,
  clean: cleaner,
  testing: async () => (await import('./testing.js')).testing,
  // the client loads when the driver connects, not when `bench list` or a bad flag runs
  create: (options) => new LazyDriver('redis', async () => new (await import('./driver.js')).RedisDriver(options)),
};
