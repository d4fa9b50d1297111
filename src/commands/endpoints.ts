import { UsageError } from '../errors.js';
import { dockerEngine, startContainerBroker } from '../provision/docker.js';
import { knownLocalKafkaVersion, localKafkaUrl, startLocalKafka } from '../provision/kafka-local.js';
import { hostPortOf, portAnswers } from '../provision/probe.js';
import { startPrivateRabbit } from '../provision/rabbit-local.js';

export const defaultRabbitUrl = 'amqp://guest:guest@127.0.0.1:5672';
export const defaultKafkaUrl = localKafkaUrl;

/** The private RabbitMQ node mqbench starts when the default endpoint has no broker. */
export const localRabbitNode = { name: 'mqbench', port: 5672, distPort: 25679 } as const;

export const provisionModes = ['auto', 'local', 'docker'] as const;
export type ProvisionMode = (typeof provisionModes)[number];

export function parseProvision(value: string | undefined): ProvisionMode {
  const mode = value ?? 'auto';
  if (!(provisionModes as readonly string[]).includes(mode)) {
    throw new UsageError(`--provision: must be ${provisionModes.join(', ')}, got "${mode}"`);
  }
  return mode as ProvisionMode;
}

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

export interface ProvidedBroker {
  url: string;
  /** known when mqbench started the broker */
  version?: string;
  /** for a throwaway container: remove it after the run */
  release?: () => Promise<void>;
}

/**
 * Where a broker comes from (DESIGN.md, Provisioning): a named endpoint is used as is; the default
 * one is used if it answers; otherwise a container (docker, or auto with an engine) or a local process.
 */
export async function provideBroker(broker: string, endpoint: EndpointChoice, mode: ProvisionMode, log: (line: string) => void): Promise<ProvidedBroker> {
  if (broker !== 'rabbit' && broker !== 'kafka') return { url: endpoint.url };
  if (endpoint.named) return { url: endpoint.url, ...(await versionOf(broker, endpoint.url)) };
  const { host, port } = hostPortOf(endpoint.url, broker === 'rabbit' ? 5672 : 9092);
  const reachable = await portAnswers(host, port);
  if (reachable && mode !== 'docker') return { url: endpoint.url, ...(await versionOf(broker, endpoint.url)) };
  const useDocker = mode === 'docker' || (mode === 'auto' && (await dockerEngine()).available);
  if (useDocker) {
    log(`starting ${broker} in a throwaway container (testcontainers); it is removed after the run`);
    const container = await startContainerBroker(broker);
    return { url: container.url, version: container.version, release: container.stop };
  }
  if (broker === 'kafka') {
    const { started, state } = await startLocalKafka(log);
    if (started && state) log(`local Kafka ${state.version} is up (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down kafka\``);
    return { url: endpoint.url, ...(await versionOf(broker, endpoint.url)) };
  }
  const { state } = await startPrivateRabbit(localRabbitNode, log);
  log(`private RabbitMQ node ${state.node} is up; it keeps running: stop it with \`npx bench brokers down rabbit\``);
  return { url: endpoint.url };
}

async function versionOf(broker: string, url: string): Promise<{ version?: string }> {
  if (broker !== 'kafka') return {};
  const version = await knownLocalKafkaVersion(url);
  return version ? { version } : {};
}
