import type { MqttClient } from 'mqtt';

const versionTopic = '$SYS/broker/version';
/** Mosquitto publishes $SYS/broker/version as a retained message: it arrives right after the SUBACK. */
const waitMs = 1000;

/** The broker's version as it publishes it on $SYS (Mosquitto: "mosquitto version 2.0.11"), else "unknown (why)". */
export async function brokerVersionOf(client: MqttClient): Promise<string> {
  let onMessage: ((topic: string, payload: Buffer) => void) | undefined;
  const version = new Promise<string | undefined>((resolve) => {
    onMessage = (topic, payload) => {
      if (topic === versionTopic) resolve(payload.toString('utf8').trim());
    };
    client.on('message', onMessage);
    setTimeout(() => resolve(undefined), waitMs).unref();
  });
  try {
    await client.subscribeAsync(versionTopic, { qos: 0 });
    const text = await version;
    await client.unsubscribeAsync(versionTopic).catch(() => undefined);
    if (text === undefined) return `unknown (the broker publishes no ${versionTopic})`;
    return text.replace(/^mosquitto version /i, 'Mosquitto ');
  } catch {
    return `unknown (the broker refused a subscription to ${versionTopic})`;
  } finally {
    if (onMessage) client.off('message', onMessage);
  }
}
