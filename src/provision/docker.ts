import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../errors.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { repoRoot, stateRoot } from '../util/paths.js';

const execFileAsync = promisify(execFile);
const composeFile = join(repoRoot, 'docker-compose.yml');

/** Whether a Docker engine answers here (not just the client), and if not, why. */
export async function dockerEngine(): Promise<{ available: true; version: string } | { available: false; reason: string }> {
  try {
    const { stdout } = await execFileAsync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 });
    const version = stdout.trim();
    return version ? { available: true, version } : { available: false, reason: 'docker info printed no server version' };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return { available: false, reason: 'the docker command is not installed' };
    const detail = (e.stderr ?? e.message ?? '').split('\n').find((l) => l.trim() !== '') ?? 'no answer';
    return { available: false, reason: `no Docker engine answers (${detail.trim()})` };
  }
}

async function requireEngine(): Promise<void> {
  const engine = await dockerEngine();
  if (!engine.available) throw new BrokerUnreachableError(`--provision docker: ${engine.reason}; use --provision local`);
}

/** `bench brokers up --provision docker`: the compose services, waiting for their healthchecks. */
export async function composeUp(services: readonly string[]): Promise<void> {
  await requireEngine();
  try {
    await execFileAsync('docker', ['compose', '-f', composeFile, 'up', '-d', '--wait', ...services], { timeout: 300_000 });
  } catch (error) {
    const first = String((error as { stderr?: string }).stderr ?? (error as Error).message).split('\n')[0];
    throw new BrokerUnreachableError(`docker compose up failed: ${first}`);
  }
}

export async function composeDown(services: readonly string[]): Promise<void> {
  await requireEngine();
  await execFileAsync('docker', ['compose', '-f', composeFile, 'rm', '--stop', '--force', ...services], { timeout: 120_000 });
}

export interface ContainerBroker {
  url: string;
  version: string;
  stop(): Promise<void>;
}

/** How a plug-in's broker runs in a container (its image, port, environment, readiness). */
export interface ContainerSpec {
  image: string;
  /** the broker's port inside the container, mapped to a free host port */
  port: number;
  /** the broker must advertise the port the host sees (Kafka): map it to the same number on the host */
  samePortOnHost?: boolean;
  environment?: (port: number) => Record<string, string>;
  readyLog: RegExp;
  urlFor(host: string, port: number): string;
}

/**
 * A broker in a throwaway container for one run or one test (testcontainers): mapped to a free
 * host port, removed when stopped (or by testcontainers' reaper if the process dies).
 */
export async function startContainerBroker(spec: ContainerSpec): Promise<ContainerBroker> {
  await requireEngine();
  const { GenericContainer, Wait } = await import('testcontainers');
  let container = new GenericContainer(spec.image);
  container = spec.samePortOnHost ? container.withExposedPorts({ container: spec.port, host: spec.port }) : container.withExposedPorts(spec.port);
  if (spec.environment) container = container.withEnvironment(spec.environment(spec.port));
  const started = await container.withWaitStrategy(Wait.forLogMessage(spec.readyLog)).withStartupTimeout(120_000).start();
  return {
    url: spec.urlFor(started.getHost(), spec.samePortOnHost ? spec.port : started.getMappedPort(spec.port)),
    version: spec.image.split(':')[1] ?? 'unknown',
    stop: async () => {
      await started.stop();
    },
  };
}

const composeState = join(stateRoot, 'compose.json');

/** The docker compose services mqbench started (so `brokers down` stops only those). */
export async function composeServices(): Promise<string[]> {
  if (!existsSync(composeState)) return [];
  return (JSON.parse(await readFile(composeState, 'utf8')) as { services: string[] }).services;
}

export async function rememberCompose(services: string[]): Promise<void> {
  await mkdir(stateRoot, { recursive: true });
  if (services.length === 0) await rm(composeState, { force: true });
  else await writeFile(composeState, `${JSON.stringify({ services }, null, 2)}\n`);
}
