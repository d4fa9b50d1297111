import type { EndpointChoice, LocalBrokers, ProvidedBroker, ProvisionMode } from './types.js';
import { redactUrl } from '../util/redact.js';
import { composeDown, composeServices, composeUp, dockerEngine, rememberCompose, startContainerBroker, type ContainerSpec } from './docker.js';
import { otherCheckoutListeningOn } from './port-owner.js';
import { hostPortOf, portAnswers } from './probe.js';

/** What a network broker's plug-in tells the shared provisioning logic. */
export interface NetworkBroker {
  name: string;
  defaultPort: number;
  container: ContainerSpec;
  /** the docker-compose.yml service */
  composeService: string;
  /** starts the local process (idempotent); returns a line for `brokers up` */
  startLocal(log: (line: string) => void): Promise<string>;
  /** stops the local process mqbench started; returns its pid, or undefined when there was none */
  stopLocal(): Promise<number | undefined>;
  /** a line about the local process mqbench started, or undefined when there is none */
  ownStatus(): Promise<string | undefined>;
  /** the broker's version when mqbench knows it (it started the broker) */
  versionOf?(url: string): Promise<string | undefined>;
}

async function withVersion(broker: NetworkBroker, url: string): Promise<ProvidedBroker> {
  const version = await broker.versionOf?.(url);
  return version ? { url, version } : { url };
}

/**
 * Where a broker comes from (DESIGN.md, Provisioning): a named endpoint is used as is; the default
 * one is used if it answers; otherwise a container (docker, or auto with an engine) or a local process.
 */
export async function provideNetworkBroker(broker: NetworkBroker, endpoint: EndpointChoice, mode: ProvisionMode, log: (line: string) => void): Promise<ProvidedBroker> {
  if (endpoint.named) return withVersion(broker, endpoint.url);
  const { host, port } = hostPortOf(endpoint.url, broker.defaultPort);
  if (mode !== 'docker' && (await portAnswers(host, port))) return withVersion(broker, endpoint.url);
  if (mode === 'docker' || (mode === 'auto' && (await dockerEngine()).available)) {
    log(`starting ${broker.name} in a throwaway container (testcontainers); it is removed after the run`);
    const container = await startContainerBroker(broker.container);
    return { url: container.url, version: container.version, release: container.stop };
  }
  log(await broker.startLocal(log));
  return withVersion(broker, endpoint.url);
}

/** `bench brokers up|down|status` for a network broker: only what mqbench started is stopped. */
export function localBrokersOf(broker: NetworkBroker, defaultUrl: string): LocalBrokers {
  const label = broker.name.padEnd(7);
  const status = async (): Promise<string> => {
    const ours = await broker.ownStatus();
    if (ours) return `${label} ${ours}`;
    if ((await composeServices()).includes(broker.composeService)) return `${label} running at ${redactUrl(defaultUrl)} in Docker (docker compose, started by mqbench)`;
    const { host, port } = hostPortOf(defaultUrl, broker.defaultPort);
    const another = await otherCheckoutListeningOn(port);
    if (another) return `${label} running at ${redactUrl(defaultUrl)} (started by another checkout's mqbench, ${another}; left alone)`;
    if (await portAnswers(host, port)) return `${label} running at ${redactUrl(defaultUrl)} (not started by mqbench; left alone)`;
    return `${label} not running at ${redactUrl(defaultUrl)} (start one with \`npx bench brokers up ${broker.name}\`)`;
  };
  return {
    status,
    async up(mode, log) {
      const { host, port } = hostPortOf(defaultUrl, broker.defaultPort);
      if (mode !== 'docker' && (await portAnswers(host, port))) return status();
      if (mode === 'docker' || (mode === 'auto' && (await dockerEngine()).available)) {
        await composeUp([broker.composeService]);
        await rememberCompose([...new Set([...(await composeServices()), broker.composeService])]);
        return `${label} started in Docker (docker compose service ${broker.composeService})`;
      }
      return `${label} ${await broker.startLocal(log)}`;
    },
    async down() {
      const lines: string[] = [];
      const services = await composeServices();
      if (services.includes(broker.composeService)) {
        await composeDown([broker.composeService]);
        await rememberCompose(services.filter((s) => s !== broker.composeService));
        lines.push(`${label} docker compose service ${broker.composeService} removed`);
      }
      const pid = await broker.stopLocal();
      if (pid !== undefined) lines.push(`${label} stopped the local process (pid ${pid})`);
      if (lines.length === 0) lines.push(`${label} nothing to stop (mqbench did not start one; left alone)`);
      return lines.join('\n');
    },
  };
}
