import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../errors.js';
import { repoRoot } from '../util/paths.js';

const execFileAsync = promisify(execFile);
const composeFile = join(repoRoot, 'docker-compose.yml');

export const brokerImages = {
  rabbit: 'rabbitmq:3.13-management',
  kafka: 'apache/kafka:4.1.1',
} as const;

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

/**
 * A broker in a throwaway container for one run or one test (testcontainers): mapped to a free
 * host port, removed when stopped (or by testcontainers' reaper if the process dies).
 */
export async function startContainerBroker(broker: 'rabbit' | 'kafka'): Promise<ContainerBroker> {
  await requireEngine();
  const { GenericContainer, Wait } = await import('testcontainers');
  if (broker === 'rabbit') {
    const container = await new GenericContainer(brokerImages.rabbit)
      .withExposedPorts(5672)
      .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
      .withStartupTimeout(120_000)
      .start();
    return {
      url: `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}`,
      version: brokerImages.rabbit.split(':')[1] ?? 'unknown',
      stop: async () => {
        await container.stop();
      },
    };
  }
  // Kafka must advertise the port the host sees, which is known only after start: fix it up front.
  const hostPort = 19092 + Math.floor(Math.random() * 1000);
  const container = await new GenericContainer(brokerImages.kafka)
    .withExposedPorts({ container: hostPort, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${hostPort},CONTROLLER://:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `127.0.0.1:${hostPort}`,
    version: brokerImages.kafka.split(':')[1] ?? 'unknown',
    stop: async () => {
      await container.stop();
    },
  };
}
