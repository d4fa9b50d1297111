import { localBrokersOf, provideNetworkBroker } from '../../provision/provide.js';
import { LazyDriver } from '../lazy.js';
import type { BrokerPlugin } from '../plugin.js';
import { calibration } from './calibrate.js';
import type { Driver, DriverOptions } from '../types.js';
import { kafkaCleaner } from './clean.js';
import { kafkaLimitWarnings } from './limits.js';
import { kafkaCluster } from './cluster.js';
import { localKafkaStatus, localKafkaUrl } from './local.js';
import { network } from './network.js';
import { kafkaMapping, kafkaOptions, kafkaSettings, kafkaSettingsOf } from './settings.js';

/** A bootstrap list: host:port[,host:port...], optionally after kafka://; no credentials (no SASL here). */
function kafkaAddressProblem(url: string): string | undefined {
  const list = url.replace(/^kafka:\/\//i, '');
  if (list.includes('@')) return 'user:password in a Kafka address is not supported (mqbench connects without SASL); remove it';
  const ok = list.split(',').every((address) => /^[a-z0-9.\-_]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(address.trim()));
  return ok ? undefined : 'must be host:port[,host:port...], e.g. 127.0.0.1:9092';
}

function createKafkaDriver(options: DriverOptions): Driver {
  // the clients load when the driver connects: @platformatic/kafka alone takes about a second to import
  return kafkaSettingsOf(options.settings).client === 'kafkajs'
    ? new LazyDriver('kafka', async () => new (await import('./kafkajs.js')).KafkaDriver(options))
    : new LazyDriver('kafka', async () => new (await import('./platformatic.js')).PlatformaticKafkaDriver(options));
}

/** Apache Kafka, measured with @platformatic/kafka (default) or kafkajs. */
export const kafkaPlugin: BrokerPlugin = {
  name: 'kafka',
  description: 'Apache Kafka (@platformatic/kafka or kafkajs: --kafka-client)',
  options: kafkaOptions,
  endpoint: {
    option: 'kafka-url',
    env: 'MQBENCH_KAFKA_URL',
    defaultUrl: localKafkaUrl,
    describe: `Kafka bootstrap host:port[,host:port...] (env MQBENCH_KAFKA_URL; default ${localKafkaUrl})`,
    problemWith: kafkaAddressProblem,
  },
  mapping: kafkaMapping,
  settings: kafkaSettings,
  limitWarnings: kafkaLimitWarnings,
  provide: (endpoint, mode, log) => provideNetworkBroker(network, endpoint, mode, log),
  startHint: (named) =>
    named
      ? 'is a broker running there? a local one starts with `npx bench brokers up kafka`; the address came from --kafka-url or MQBENCH_KAFKA_URL'
      : 'start one with `npx bench brokers up kafka`, or pass --kafka-url',
  local: localBrokersOf(network, localKafkaUrl),
  clean: kafkaCleaner,
  calibration,
  // broker cost: only the local broker mqbench started (its state file has the java pid)
  async localProcesses(url) {
    const clusterPids = await kafkaCluster.localProcesses(url);
    if (clusterPids) return clusterPids;
    const { ours } = await localKafkaStatus();
    return ours && url.replace(/^kafka:\/\//i, '') === ours.url ? [ours.pid] : undefined;
  },
  cluster: kafkaCluster,
  testing: async () => (await import('./testing.js')).testing,
  create: createKafkaDriver,
};
