/**
 * `bench clean` for RabbitMQ streams. The stream protocol cannot list streams, so listing goes through
 * rabbitmqctl against the private node mqbench started (the only node where mqbench enables streams);
 * deleting goes through the stream protocol, so the URL's credentials are what authorise it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import type { Cleaner, LeftoverObject } from '../plugin.js';
import { adaptStreamClient } from './compat.js';
import { streamNode, streamNodeStatus, streamPort } from './local.js';
import { parseStreamUrl } from './url.js';

const execFileAsync = promisify(execFile);
const runPrefix = 'mqbench-';
const ctlScript = process.env.MQBENCH_RABBITMQCTL ?? '/usr/lib/rabbitmq/bin/rabbitmqctl';
/** rabbitmqctl starts an Erlang VM: seconds on a loaded machine; a ceiling, not a wait */
const ctlStartMs = 15_000;

const refusal = (url: string): BrokerUnreachableError =>
  new BrokerUnreachableError(`cannot list streams at ${redactUrl(url)}: the stream protocol cannot list them, and it is not the private node mqbench starts (\`npx bench brokers up rabbit-stream\`); run rabbitmqctl list_queues on its host`);

/**
 * The private node serving `url` (`ours`: this checkout started it), or a one-line refusal (exit 3).
 * Another checkout on this host that started it has the same node name and the user's own cookie: its
 * node is asked the same way, and if no such node answers the listing ends in the same refusal.
 */
async function nodeFor(url: string): Promise<{ node: string; ours: boolean }> {
  const { hostname, port } = parseStreamUrl(url);
  const local = port === streamPort && ['127.0.0.1', 'localhost', '::1'].includes(hostname);
  const node = await streamNodeStatus();
  if (node && local) return { node: node.node, ours: true };
  if (local) return { node: `${streamNode.name}@localhost`, ours: false };
  throw refusal(url);
}

async function list(url: string, connectTimeoutMs: number): Promise<LeftoverObject[]> {
  const { node, ours } = await nodeFor(url);
  const vhost = parseStreamUrl(url).vhost;
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(ctlScript, ['-n', node, '-q', 'list_queues', '-p', vhost, 'name', 'type', 'consumers', '--no-table-headers'], { timeout: connectTimeoutMs + ctlStartMs }));
  } catch (error) {
    if (!ours) throw refusal(url);
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    throw new BrokerUnreachableError(`cannot list streams with rabbitmqctl: ${(e.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? e.message.split('\n')[0]}`);
  }
  return stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([name = '', type = '']) => name.startsWith(runPrefix) && type === 'stream')
    .map(([name = '', , consumers = '0']) => ({ kind: 'stream', name, inUse: Number(consumers) > 0 }));
}

async function remove(url: string, objects: readonly LeftoverObject[], connectTimeoutMs: number): Promise<void> {
  const ours = objects.filter((o) => o.name.startsWith(runPrefix));
  if (ours.length === 0) return;
  adaptStreamClient();
  // loaded here, not when mqbench starts: `bench list` and bad flags do not pay for it
  const { connect } = await import('rabbitmq-stream-js-client');
  let client;
  try {
    client = await withTimeout(connect({ ...parseStreamUrl(url), socketTimeout: connectTimeoutMs }), connectTimeoutMs, () => new Error(`no answer within ${connectTimeoutMs} ms`));
  } catch (error) {
    const reason = redactSecretsIn((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '', [url]);
    throw new BrokerUnreachableError(`cannot connect to the RabbitMQ stream port at ${redactUrl(url)}: ${reason}`);
  }
  const failed: string[] = [];
  try {
    for (const { name } of ours) await client.deleteStream({ stream: name }).catch((error: unknown) => failed.push(`${name} (${error instanceof Error ? error.message : String(error)})`));
  } finally {
    await client.close().catch(() => undefined);
  }
  if (failed.length > 0) throw new Error(`could not delete ${failed.length} of ${ours.length}: ${failed.slice(0, 3).join(', ')}`);
}

export const streamCleaner: Cleaner = { list, remove };
