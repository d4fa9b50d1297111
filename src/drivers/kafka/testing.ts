/** The kafka plug-in's tests: the local broker they run against, and Kafka seen through kafkajs' admin. */
import { Kafka, logLevel } from 'kafkajs';
import { installedVersion } from '../testing-support.js';
import type { BrokerProbe, ContractCase, PluginTesting } from '../plugin.js';
import type { Driver, DriverOptions, DriverSettings } from '../types.js';
import { fetchedKafkaVersion, knownLocalKafkaVersion, localKafkaStatus, localKafkaUrl, startLocalKafka, stopLocalKafka } from './local.js';
import { network } from './network.js';
import { kafkaTopicName, parseKafkaBrokers } from './shared.js';

const kafkaUrl = process.env.MQBENCH_KAFKA_URL ?? localKafkaUrl;

/** Kafka seen through kafkajs' admin, whichever client the driver under test uses. */
function kafkaProbe(expectedClient: { name: string; version: string }): BrokerProbe {
  const admin = new Kafka({ clientId: 'contract-probe', brokers: parseKafkaBrokers(kafkaUrl), logLevel: logLevel.NOTHING }).admin();
  let connected = false;
  const ready = async () => {
    if (!connected) await admin.connect();
    connected = true;
    return admin;
  };
  return {
    async exists(topology) {
      return (await (await ready()).listTopics()).includes(kafkaTopicName(topology));
    },
    async held(topology) {
      const offsets = await (await ready()).fetchTopicOffsets(kafkaTopicName(topology));
      return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    },
    async expectedBrokerVersion() {
      // Kafka does not report its version on the wire: mqbench knows it only for a broker it started
      const startedHere = await knownLocalKafkaVersion(kafkaUrl);
      if (!startedHere) {
        process.stderr.write(`contract: the Kafka at ${kafkaUrl} was not started by this checkout; expecting "unknown"\n`);
        return 'unknown (not started by mqbench; Kafka does not report it over the wire)';
      }
      const version = await fetchedKafkaVersion();
      if (!version) throw new Error('Kafka jars not fetched');
      return version;
    },
    expectedClient,
    async close() {
      if (connected) await admin.disconnect();
    },
  };
}

async function driverOptions(settings: DriverSettings): Promise<DriverOptions> {
  const brokerVersion = await knownLocalKafkaVersion(kafkaUrl);
  return { url: kafkaUrl, settings, connectTimeoutMs: 10_000, ...(brokerVersion ? { brokerVersion } : {}) };
}

/** The suite on one of the two clients, each loaded as the plug-in loads it: on use. */
function clientCase(client: string, version: string, create: (options: DriverOptions) => Promise<Driver>): ContractCase {
  return {
    variant: client,
    settings: (delivery) => ({ delivery, kafkaAcks: delivery === 'ack' ? -1 : 1, lingerMs: 0, batchSize: 500 }),
    create: async (settings) => create(await driverOptions(settings)),
    probe: () => kafkaProbe({ name: client, version }),
  };
}

export const testing: PluginTesting = {
  contract: [
    clientCase('kafkajs', installedVersion('kafkajs'), async (options) => new (await import('./kafkajs.js')).KafkaDriver(options)),
    clientCase('@platformatic/kafka', installedVersion('@platformatic/kafka'), async (options) => new (await import('./platformatic.js')).PlatformaticKafkaDriver(options)),
  ],
  // the Kafka the project starts: up before the broker tests, stopped after if this run started it
  async globalSetup(log) {
    if ((await localKafkaStatus()).reachable) return undefined;
    const { started } = await startLocalKafka(log);
    return started && process.env.MQBENCH_KEEP_KAFKA !== '1' ? async () => void (await stopLocalKafka()) : undefined;
  },
  compose: network,
};
