import { BrokerUnreachableError } from '../../errors.js';
import { hostPortOf, portAnswers } from '../../provision/probe.js';
import { redactUrl } from '../../util/redact.js';
import { LazyDriver } from '../lazy.js';
import type { BrokerPlugin, Cleaner, EndpointChoice, ProvidedBroker } from '../plugin.js';
import { natsLimitWarnings } from './limits.js';
import { defaultNatsUrl, natsUrlProblem } from './url.js';
import { natsMapping, natsOptions, natsSettings } from './settings.js';

function startHint(named: boolean): string {
  return named
    ? 'is a NATS server running there? a local one starts with `nats-server -js`; the URL came from --nats-url or MQBENCH_NATS_URL'
    : 'start one with `nats-server -js` (JetStream on), or pass --nats-url';
}

/**
 * mqbench does not start NATS: the default endpoint is used when it answers; otherwise the one-line
 * error says how to start it. (A user's named endpoint is used as is: its connect error says more.)
 */
async function provide(endpoint: EndpointChoice): Promise<ProvidedBroker> {
  if (endpoint.named) return { url: endpoint.url };
  const { host, port } = hostPortOf(endpoint.url, 4222);
  if (!(await portAnswers(host, port))) throw new BrokerUnreachableError(`cannot connect to NATS at ${redactUrl(endpoint.url)}: nothing answers (${startHint(false)})`);
  return { url: endpoint.url };
}

/** `bench clean`, its client loaded only when used. */
const cleaner: Cleaner = {
  list: async (url, timeoutMs) => (await import('./clean.js')).natsCleaner.list(url, timeoutMs),
  remove: async (url, objects, timeoutMs) => (await import('./clean.js')).natsCleaner.remove(url, objects, timeoutMs),
};

/** NATS: core publish/subscribe (noack) and JetStream (ack), with the official nats.js v3 client. */
export const natsPlugin: BrokerPlugin = {
  name: 'nats',
  description: 'NATS: core pub/sub (noack) and JetStream (ack) (@nats-io/transport-node + @nats-io/jetstream); no calibration: `nats bench` is a Go binary mqbench cannot fetch',
  options: natsOptions,
  endpoint: {
    option: 'nats-url',
    env: 'MQBENCH_NATS_URL',
    defaultUrl: defaultNatsUrl,
    describe: `NATS URL, nats://[user:password@|token@]host:4222 (env MQBENCH_NATS_URL; default ${defaultNatsUrl})`,
    problemWith: natsUrlProblem,
  },
  mapping: natsMapping,
  settings: natsSettings,
  limitWarnings: natsLimitWarnings,
  provide,
  startHint,
  clean: cleaner,
  testing: async () => (await import('./testing.js')).testing,
  // the client loads when the driver connects, not when `bench list` or a bad flag runs
  create: (options) => new LazyDriver('nats', async () => new (await import('./driver.js')).NatsDriver(options)),
};
