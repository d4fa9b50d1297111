/**
 * `bench clean` for MQTT. mqbench's runs leave nothing on an MQTT broker: they publish no retained
 * messages and use clean sessions, which end with their connections. The only thing that can outlive
 * a connection under an mqbench topic is a retained message (a run of another tool, or a mistake):
 * those are listed (they arrive right after subscribing to `#`) and removed by publishing an empty
 * retained message. Persistent sessions cannot be listed over MQTT, and mqbench never makes one.
 */
import type { MqttClient } from 'mqtt';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import { mqttTargetOf } from './url.js';
import type { Cleaner, LeftoverObject } from '../plugin.js';

const runPrefix = 'mqbench-';
/** retained messages arrive right after the SUBACK; this long without one means they are all here */
const quietMs = 500;

async function open(url: string, connectTimeoutMs: number): Promise<MqttClient> {
  // loaded here, not when mqbench starts: `bench list` and bad flags do not pay for it
  const { connectAsync } = await import('mqtt');
  try {
    const target = mqttTargetOf(url);
    return await withTimeout(
      connectAsync(target.url, { clean: true, reconnectPeriod: 0, connectTimeout: connectTimeoutMs, ...target.login }),
      connectTimeoutMs,
      () => new Error(`no answer within ${connectTimeoutMs} ms`),
    );
  } catch (error) {
    const reason = redactSecretsIn((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '', [url]);
    throw new BrokerUnreachableError(`cannot connect to MQTT at ${redactUrl(url)}: ${reason}`);
  }
}

/** Topics under mqbench-* holding a retained message. */
async function retainedTopics(client: MqttClient): Promise<string[]> {
  const topics = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<void>((resolve) => {
    const restart = (): void => {
      clearTimeout(timer);
      timer = setTimeout(resolve, quietMs);
    };
    client.on('message', (topic, payload, packet) => {
      if (packet.retain && payload.length > 0 && topic.startsWith(runPrefix)) topics.add(topic);
      restart();
    });
    restart();
  });
  await client.subscribeAsync('#', { qos: 0 });
  await quiet;
  return [...topics].sort();
}

async function list(url: string, connectTimeoutMs: number): Promise<LeftoverObject[]> {
  const client = await open(url, connectTimeoutMs);
  try {
    return (await retainedTopics(client)).map((name) => ({ kind: 'retained message', name, inUse: false }));
  } finally {
    await client.endAsync().catch(() => undefined);
  }
}

async function remove(url: string, objects: readonly LeftoverObject[], connectTimeoutMs: number): Promise<void> {
  const ours = objects.filter((o) => o.name.startsWith(runPrefix));
  if (ours.length === 0) return;
  const client = await open(url, connectTimeoutMs);
  try {
    // an empty retained message deletes the retained one (MQTT 3.1.1 §3.3.1.3)
    for (const { name } of ours) await client.publishAsync(name, Buffer.alloc(0), { qos: 1, retain: true });
  } finally {
    await client.endAsync().catch(() => undefined);
  }
}

export const mqttCleaner: Cleaner = { list, remove };
