import { UsageError } from '../errors.js';
import { localKafkaStatus, localKafkaUrl, startLocalKafka, stopLocalKafka } from '../provision/kafka-local.js';
import { hostPortOf, portAnswers } from '../provision/probe.js';
import { redactUrl } from '../util/redact.js';
import { rabbitEndpoint } from './endpoints.js';

const brokerTargets = ['kafka', 'rabbit', 'all'] as const;
type BrokerTarget = (typeof brokerTargets)[number];

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

async function rabbitLine(): Promise<string> {
  const { url } = rabbitEndpoint(undefined);
  const { host, port } = hostPortOf(url, 5672);
  const up = await portAnswers(host, port);
  return `rabbit  ${up ? 'running' : 'not running'} at ${redactUrl(url)} (not managed by mqbench${up ? '' : '; start it with `rabbitmq-server -detached`'})`;
}

async function kafkaLine(): Promise<string> {
  const status = await localKafkaStatus();
  if (status.ours) return `kafka   running at ${localKafkaUrl}: Apache Kafka ${status.ours.version}, started by mqbench (pid ${status.ours.pid})`;
  if (status.reachable) return `kafka   running at ${localKafkaUrl} (not started by mqbench; left alone)`;
  return `kafka   not running at ${localKafkaUrl} (start it with \`npx bench brokers up kafka\`)`;
}

export async function brokersCommand(action: string, target: string | undefined): Promise<string> {
  const which = parseTarget(target);
  const lines: string[] = [];
  if (action === 'up') {
    if (which === 'kafka' || which === 'all') {
      const { started, state } = await startLocalKafka(log);
      lines.push(started ? `kafka   started: Apache Kafka ${state?.version ?? ''} at ${localKafkaUrl} (pid ${state?.pid ?? '?'})` : await kafkaLine());
    }
    if (which === 'rabbit' || which === 'all') lines.push(await rabbitLine());
  } else if (action === 'down') {
    if (which === 'kafka' || which === 'all') {
      const stopped = await stopLocalKafka();
      lines.push(stopped ? `kafka   stopped (pid ${stopped.pid})` : 'kafka   nothing to stop (mqbench did not start one)');
    }
    if (which === 'rabbit' || which === 'all') lines.push('rabbit  left alone (mqbench did not start it)');
  } else if (action === 'status') {
    if (which === 'kafka' || which === 'all') lines.push(await kafkaLine());
    if (which === 'rabbit' || which === 'all') lines.push(await rabbitLine());
  } else {
    throw new UsageError(`unknown brokers action "${action}"; valid: up, down, status`);
  }
  return `${lines.join('\n')}\n`;
}
