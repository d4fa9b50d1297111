import { knownLocalKafkaVersion, localKafkaUrl, startLocalKafka } from '../provision/kafka-local.js';

export const defaultRabbitUrl = 'amqp://guest:guest@127.0.0.1:5672';
export const defaultKafkaUrl = localKafkaUrl;

export interface EndpointChoice {
  url: string;
  /** the user named it (flag or env): never start anything for it */
  named: boolean;
}

export function rabbitEndpoint(flag: string | undefined): EndpointChoice {
  const named = flag ?? process.env.MQBENCH_RABBIT_URL;
  return { url: named ?? defaultRabbitUrl, named: named !== undefined };
}

export function kafkaEndpoint(flag: string | undefined): EndpointChoice {
  const named = flag ?? process.env.MQBENCH_KAFKA_URL;
  return { url: named ?? defaultKafkaUrl, named: named !== undefined };
}

/**
 * Makes sure a broker answers at the endpoint: the default local Kafka is started when nothing
 * answers (DESIGN.md, Provisioning). Returns the broker version when mqbench knows it.
 */
export async function ensureBroker(broker: string, endpoint: EndpointChoice, log: (line: string) => void): Promise<string | undefined> {
  if (broker !== 'kafka') return undefined;
  if (!endpoint.named) {
    const { started, state } = await startLocalKafka(log);
    if (started && state) log(`local Kafka ${state.version} is up (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down kafka\``);
  }
  return knownLocalKafkaVersion(endpoint.url);
}
