import { BrokerUnreachableError } from '../../errors.js';
import { hostPortOf, portAnswers } from '../../provision/probe.js';
import { LazyDriver } from '../lazy.js';
import type { BrokerPlugin, EndpointChoice, LocalBrokers, ProvidedBroker, ProvisionMode } from '../plugin.js';
import { mqttCleaner } from './clean.js';
import { mqttLimitWarnings } from './limits.js';
import { localMosquittoStatus, startLocalMosquitto, stopLocalMosquitto } from './local.js';
import { defaultMqttUrl, mqttDefaultInflight, mqttMapping, mqttOptions, mqttSettings } from './settings.js';

const defaultPort = 1883;

/** mqtt(s):// with a host; a '/', '?' or '#' left unencoded in a password would be read as the path. */
function mqttUrlProblem(url: string): string | undefined {
  if (!/^mqtts?:\/\/\S+$/i.test(url)) return 'must be an mqtt:// or mqtts:// URL, e.g. mqtt://user:password@host:1883';
  const rest = url.replace(/^mqtts?:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /[/?#]/.test(rest.slice(0, at))) return "the user or password holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)";
  return undefined;
}

/** A named endpoint as is; the default one if it answers; else a local Mosquitto (there is no container for it here). */
async function provide(endpoint: EndpointChoice, mode: ProvisionMode, log: (line: string) => void): Promise<ProvidedBroker> {
  if (endpoint.named) return { url: endpoint.url };
  const { host, port } = hostPortOf(endpoint.url, defaultPort);
  if (mode !== 'docker' && (await portAnswers(host, port))) return { url: endpoint.url };
  if (mode === 'docker') throw new BrokerUnreachableError('mqtt: mqbench has no container for Mosquitto (its image needs a config to accept connections); use --provision local or auto');
  const state = await startLocalMosquitto(port, log);
  log(`started Mosquitto (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down mqtt\``);
  return { url: endpoint.url };
}

const label = 'mqtt'.padEnd(7);

const local: LocalBrokers = {
  async status() {
    const ours = await localMosquittoStatus();
    if (ours) return `${label} running at ${defaultMqttUrl}: Mosquitto started by mqbench (pid ${ours.pid})`;
    if (await portAnswers('127.0.0.1', defaultPort)) return `${label} running at ${defaultMqttUrl} (not started by mqbench; left alone)`;
    return `${label} not running at ${defaultMqttUrl} (start one with \`npx bench brokers up mqtt\`)`;
  },
  async up(mode, log) {
    if (await portAnswers('127.0.0.1', defaultPort)) return local.status();
    if (mode === 'docker') throw new BrokerUnreachableError('mqtt: mqbench has no container for Mosquitto; use --provision local');
    const state = await startLocalMosquitto(defaultPort, log);
    return `${label} started: Mosquitto at ${defaultMqttUrl} (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down mqtt\``;
  },
  async down() {
    const state = await stopLocalMosquitto();
    return state ? `${label} stopped the local process (pid ${state.pid})` : `${label} nothing to stop (mqbench did not start one; left alone)`;
  },
};

/** MQTT 3.1.1 / 5 (Mosquitto here) with mqtt.js. */
export const mqttPlugin: BrokerPlugin = {
  name: 'mqtt',
  description: 'MQTT 3.1.1 / 5.0, e.g. Mosquitto (mqtt.js)',
  options: mqttOptions,
  endpoint: {
    option: 'mqtt-url',
    env: 'MQBENCH_MQTT_URL',
    defaultUrl: defaultMqttUrl,
    describe: `MQTT broker URL (env MQBENCH_MQTT_URL; default ${defaultMqttUrl})`,
    problemWith: mqttUrlProblem,
  },
  mapping: mqttMapping,
  defaultInflight: mqttDefaultInflight,
  limitWarnings: mqttLimitWarnings,
  settings: mqttSettings,
  provide,
  startHint: (named) =>
    named
      ? 'is a broker running there? a local one starts with `mosquitto -d`; the URL came from --mqtt-url or MQBENCH_MQTT_URL'
      : 'start one with `npx bench brokers up mqtt` (or `mosquitto -d`), or pass --mqtt-url',
  local,
  clean: mqttCleaner,
  testing: async () => (await import('./testing.js')).testing,
  // the client loads when the driver connects: `bench list` and bad flags do not pay for it
  create: (options) => new LazyDriver('mqtt', async () => new (await import('./driver.js')).MqttDriver(options)),
};
