import { existsSync } from 'node:fs';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { composeDown, composeUp, dockerEngine } from '../provision/docker.js';
import { localKafkaStatus, localKafkaUrl, startLocalKafka, stopLocalKafka } from '../provision/kafka-local.js';
import { hostPortOf, portAnswers } from '../provision/probe.js';
import { privateRabbitStatus, startPrivateRabbit, stopPrivateRabbit } from '../provision/rabbit-local.js';
import { stateRoot } from '../util/paths.js';
import { redactUrl } from '../util/redact.js';
import { localRabbitNode, rabbitEndpoint, type ProvisionMode } from './endpoints.js';

const brokerTargets = ['kafka', 'rabbit', 'all'] as const;
type BrokerTarget = (typeof brokerTargets)[number];
const composeServiceOf = { rabbit: 'rabbitmq', kafka: 'kafka' } as const;
const composeState = join(stateRoot, 'compose.json');

function parseTarget(target: string | undefined): BrokerTarget {
  const value = target ?? 'all';
  if (!(brokerTargets as readonly string[]).includes(value)) {
    throw new UsageError(`unknown broker "${value}"; valid: ${brokerTargets.join(', ')}`);
  }
  return value as BrokerTarget;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function composeServices(): Promise<string[]> {
  if (!existsSync(composeState)) return [];
  return (JSON.parse(await readFile(composeState, 'utf8')) as { services: string[] }).services;
}

async function rememberCompose(services: string[]): Promise<void> {
  await mkdir(stateRoot, { recursive: true });
  if (services.length === 0) await rm(composeState, { force: true });
  else await writeFile(composeState, `${JSON.stringify({ services }, null, 2)}\n`);
}

async function rabbitLine(): Promise<string> {
  const { url } = rabbitEndpoint(undefined);
  const { host, port } = hostPortOf(url, 5672);
  const up = await portAnswers(host, port);
  const ours = await privateRabbitStatus(localRabbitNode.name);
  if (ours) return `rabbit  running at ${redactUrl(url)}: private node ${ours.node} started by mqbench (pid ${ours.pid})`;
  if ((await composeServices()).includes('rabbitmq')) return `rabbit  running at ${redactUrl(url)} in Docker (docker compose, started by mqbench)`;
  return `rabbit  ${up ? 'running' : 'not running'} at ${redactUrl(url)}${up ? ' (not started by mqbench; left alone)' : ' (start one with `npx bench brokers up rabbit`)'}`;
}

async function kafkaLine(): Promise<string> {
  const status = await localKafkaStatus();
  if (status.ours) return `kafka   running at ${localKafkaUrl}: Apache Kafka ${status.ours.version}, local process started by mqbench (pid ${status.ours.pid})`;
  if ((await composeServices()).includes('kafka')) return `kafka   running at ${localKafkaUrl} in Docker (docker compose, started by mqbench)`;
  if (status.reachable) return `kafka   running at ${localKafkaUrl} (not started by mqbench; left alone)`;
  return `kafka   not running at ${localKafkaUrl} (start one with \`npx bench brokers up kafka\`)`;
}

async function up(broker: 'rabbit' | 'kafka', mode: ProvisionMode): Promise<string> {
  const port = broker === 'rabbit' ? 5672 : 9092;
  if (mode !== 'docker' && (await portAnswers('127.0.0.1', port))) return broker === 'rabbit' ? rabbitLine() : kafkaLine();
  const useDocker = mode === 'docker' || (mode === 'auto' && (await dockerEngine()).available);
  if (useDocker) {
    await composeUp([composeServiceOf[broker]]);
    await rememberCompose([...new Set([...(await composeServices()), composeServiceOf[broker]])]);
    return `${broker.padEnd(7)} started in Docker (docker compose service ${composeServiceOf[broker]})`;
  }
  if (broker === 'kafka') {
    const { state } = await startLocalKafka(log);
    return `kafka   started: Apache Kafka ${state?.version ?? ''} at ${localKafkaUrl} (pid ${state?.pid ?? '?'})`;
  }
  const { state } = await startPrivateRabbit(localRabbitNode, log);
  return `rabbit  started: private node ${state.node} at ${redactUrl(state.url)} (pid ${state.pid})`;
}

async function down(broker: 'rabbit' | 'kafka'): Promise<string> {
  const lines: string[] = [];
  const services = await composeServices();
  if (services.includes(composeServiceOf[broker])) {
    await composeDown([composeServiceOf[broker]]);
    await rememberCompose(services.filter((s) => s !== composeServiceOf[broker]));
    lines.push(`${broker.padEnd(7)} docker compose service ${composeServiceOf[broker]} removed`);
  }
  const stopped = broker === 'kafka' ? await stopLocalKafka() : await stopPrivateRabbit(localRabbitNode.name);
  if (stopped) lines.push(`${broker.padEnd(7)} stopped the local process (pid ${stopped.pid})`);
  if (lines.length === 0) lines.push(`${broker.padEnd(7)} nothing to stop (mqbench did not start one; left alone)`);
  return lines.join('\n');
}

export async function brokersCommand(action: string, target: string | undefined, mode: ProvisionMode): Promise<string> {
  const which = parseTarget(target);
  const brokers = (which === 'all' ? ['rabbit', 'kafka'] : [which]) as ('rabbit' | 'kafka')[];
  const lines: string[] = [];
  for (const broker of brokers) {
    if (action === 'up') lines.push(await up(broker, mode));
    else if (action === 'down') lines.push(await down(broker));
    else if (action === 'status') lines.push(broker === 'rabbit' ? await rabbitLine() : await kafkaLine());
    else throw new UsageError(`unknown brokers action "${action}"; valid: up, down, status`);
  }
  return `${lines.join('\n')}\n`;
}
