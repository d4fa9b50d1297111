import { localBrokersOf, provideNetworkBroker } from '../../provision/provide.js';
import { redactUrl } from '../../util/redact.js';
import type { BrokerPlugin } from '../plugin.js';
import { calibration } from './calibrate.js';
import { RabbitDriver } from './driver.js';
import { rabbitCluster } from './cluster.js';
import { rabbitCleaner } from './clean.js';
import { privateRabbitBeamPid, privateRabbitStatus } from './local.js';
import { defaultRabbitUrl, localRabbitNode, network } from './network.js';
import { rabbitMapping, rabbitOptions, rabbitSettings } from './settings.js';

/**
 * An amqp(s) URL whose user part a URL parser reads as the user meant: a '/', '?' or '#' left
 * unencoded in a password would be read as the path (and the password's start as the host name).
 */
function rabbitUrlProblem(url: string): string | undefined {
  // a cluster's nodes, each a URL of its own (amqp://u:p@h1:5701,amqp://u:p@h2:5702): each checked
  const items = url.split(/,(?=\s*amqps?:\/\/)/i);
  if (items.length > 1) return items.map((item) => rabbitUrlProblem(item.trim())).find((problem) => problem !== undefined);
  if (!/^amqps?:\/\/\S+$/i.test(url)) return 'must be an amqp:// or amqps:// URL, e.g. amqp://user:password@host:5672/vhost';
  const rest = url.replace(/^amqps?:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /[/?#]/.test(rest.slice(0, at))) return "the user or password holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)";
  return undefined;
}

/** The TCP port of an amqp(s) URL (5672 / 5671 when it names none). */
function portOf(url: string): number {
  const match = /^amqp(s?):\/\/(?:[^@/]*@)?[^:/]+(?::(\d+))?/i.exec(url);
  return match?.[2] ? Number(match[2]) : match?.[1] ? 5671 : 5672;
}

/** RabbitMQ over AMQP 0-9-1 with amqplib. */
export const rabbitPlugin: BrokerPlugin = {
  name: 'rabbit',
  description: 'RabbitMQ over AMQP 0-9-1 (amqplib)',
  options: rabbitOptions,
  endpoint: {
    option: 'rabbit-url',
    env: 'MQBENCH_RABBIT_URL',
    defaultUrl: defaultRabbitUrl,
    describe: `RabbitMQ URL (env MQBENCH_RABBIT_URL; default ${redactUrl(defaultRabbitUrl)} as guest)`,
    problemWith: rabbitUrlProblem,
  },
  mapping: rabbitMapping,
  settings: rabbitSettings,
  provide: (endpoint, mode, log) => provideNetworkBroker(network, endpoint, mode, log),
  startHint: (named) =>
    named
      ? 'is a broker running there? a local one starts with `rabbitmq-server -detached`; the URL came from --rabbit-url or MQBENCH_RABBIT_URL'
      : 'start it with `rabbitmq-server -detached` or `npx bench brokers up rabbit`, or pass --rabbit-url',
  local: localBrokersOf(network, defaultRabbitUrl),
  clean: rabbitCleaner,
  calibration,
  // broker cost: only the private node mqbench started, measured as its Erlang VM (beam.smp)
  async localProcesses(url) {
    const clusterPids = await rabbitCluster.localProcesses(url);
    if (clusterPids) return clusterPids;
    const ours = await privateRabbitStatus(localRabbitNode.name);
    if (!ours || portOf(url) !== ours.port || !/^amqps?:\/\/([^@/]*@)?(127\.0\.0\.1|localhost)([:/]|$)/i.test(url)) return undefined;
    return [(await privateRabbitBeamPid(localRabbitNode.name)) ?? ours.pid];
  },
  // a client stays on the node it connected to until that node fails: failover runs place each one
  placesClients: true,
  cluster: rabbitCluster,
  testing: async () => (await import('./testing.js')).testing,
  create: (options) => new RabbitDriver(options),
};
