/** The mqtt plug-in's tests: MQTT 5.0 and 3.1.1, seen through mqtt.js clients of the probe's own. */
import mqtt, { type MqttClient } from 'mqtt';
import { execFileSync } from 'node:child_process';
import { countUntilQuiet, installedVersion } from '../testing-support.js';
import { sleepMs } from '../../util/clock.js';
import type { BrokerProbe, ContractCase, PluginTesting } from '../plugin.js';
import { MqttDriver } from './driver.js';
import { defaultMqttUrl } from './settings.js';

const mqttUrl = process.env.MQBENCH_MQTT_URL ?? defaultMqttUrl;

/**
 * MQTT keeps no objects: a topology "exists" while the driver holds it or a retained message sits
 * under its prefix (none must after teardown). Without a subscriber the broker holds nothing, so
 * "held" is what a QoS 1 watcher subscribed right after setup received: Mosquitto routes a publish to
 * its subscribers before it sends the PUBACK.
 */
function mqttProbe(): BrokerProbe {
  let watcher: MqttClient | undefined;
  let watched = 0;
  const open = () => mqtt.connectAsync(mqttUrl, { clean: true, reconnectPeriod: 0 });
  return {
    async watch(topology) {
      watcher ??= await open();
      watched = 0;
      watcher.removeAllListeners('message');
      watcher.on('message', (topic) => {
        if (topic.startsWith(`${topology.prefix}/`)) watched++;
      });
      await watcher.subscribeAsync(`${topology.prefix}/#`, { qos: 1 });
    },
    async exists(topology, driver) {
      if ((driver as MqttDriver).holds(topology.prefix)) return true;
      const client = await open();
      let retained = 0;
      client.on('message', (_topic, payload, packet) => {
        if (packet.retain && payload.length > 0) retained++;
      });
      await client.subscribeAsync(`${topology.prefix}/#`, { qos: 0 });
      await sleepMs(300);
      await client.endAsync();
      return retained > 0;
    },
    async held() {
      return countUntilQuiet(() => watched, 200);
    },
    async expectedBrokerVersion() {
      // `mosquitto -h` prints its version first and exits non-zero
      const help = (() => {
        try {
          return execFileSync('mosquitto', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        } catch (error) {
          return String((error as { stdout?: string }).stdout ?? '');
        }
      })();
      return help.trim().split('\n')[0]?.replace(/^mosquitto version /i, 'Mosquitto ') ?? '';
    },
    expectedClient: { name: 'mqtt', version: installedVersion('mqtt') },
    async close() {
      await watcher?.endAsync();
    },
  };
}

function protocolCase(variant: string, protocolVersion: 4 | 5): ContractCase {
  return {
    variant,
    settings: (delivery) => ({ delivery, protocolVersion }),
    create: async (settings) => new MqttDriver({ url: mqttUrl, settings, connectTimeoutMs: 5000 }),
    probe: mqttProbe,
  };
}

export const testing: PluginTesting = { contract: [protocolCase('5.0', 5), protocolCase('3.1.1', 4)] };
