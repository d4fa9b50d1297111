/**
 * `bench clean` for RabbitMQ: AMQP 0-9-1 cannot list queues, and mqbench does not need the management
 * plugin, so listing goes through rabbitmqctl on this host; deleting goes through AMQP, so the URL's
 * credentials are what authorise it. A node mqbench started (rabbit-cluster's among them, on loopback
 * or in their namespaces) is asked with its own name and environment: the cluster's Erlang cookie.
 */
import type { Channel, ChannelModel } from 'amqplib';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { hostPortOf } from '../../provision/probe.js';
import { withTimeout } from '../../util/clock.js';
import { stateRoot } from '../../util/paths.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import type { Cleaner, LeftoverObject } from '../plugin.js';
import { privateRabbitStatus, rabbitCtlNodeArgs, type PrivateRabbitState } from './local.js';
import { connectAmqp, rabbitUrlList } from './urls.js';

const execFileAsync = promisify(execFile);
const runPrefix = 'mqbench-';
/** local.ts starts private nodes with this script; the Debian wrapper on PATH would use another cookie. */
const privateCtl = process.env.MQBENCH_RABBITMQCTL ?? '/usr/lib/rabbitmq/bin/rabbitmqctl';
const localHosts = new Set(['127.0.0.1', 'localhost', '::1']);

interface CtlTarget {
  command: string;
  /** -n <node> for a node mqbench started; nothing for the host's default node */
  nodeArgs: string[];
  /** a private node's environment: a cluster's HOME holds the cluster's own Erlang cookie */
  env?: Readonly<Record<string, string>>;
  /** ask for the node's own queues only (list_queues --local): see listQueues */
  local?: boolean;
}

/** The first node's URL of `url` (a cluster's endpoint lists every node, comma-separated). */
const firstUrlOf = (url: string): string => rabbitUrlList(url)[0] ?? url;

function vhostOf(url: string): string {
  try {
    const path = new URL(firstUrlOf(url)).pathname.slice(1);
    return path === '' ? '/' : decodeURIComponent(path);
  } catch {
    return '/';
  }
}

/** The private nodes mqbench started and that live now (their state lives under stateRoot). */
async function privateNodes(): Promise<PrivateRabbitState[]> {
  const names = (await readdir(stateRoot).catch(() => [] as string[])).filter((n) => n.startsWith('rabbit-'));
  const states = await Promise.all(names.map((dir) => privateRabbitStatus(dir.slice('rabbit-'.length))));
  return states.filter((state): state is PrivateRabbitState => state !== undefined);
}

/**
 * The private node that listens at host:port (pure: unit-tested): a loopback node on its port, a node
 * in a network namespace of its own (a --netns cluster) at its namespace's address, whatever its port:
 * on 5672 it must not be mistaken for the host's default node, nor the other way round.
 */
export function privateNodeAt(host: string, port: number, nodes: readonly PrivateRabbitState[]): PrivateRabbitState | undefined {
  return nodes.find((node) => node.port === port && (node.network ? node.network.address === host : localHosts.has(host)));
}

/**
 * How rabbitmqctl reaches a private node (pure: unit-tested): with its name and its own environment,
 * so that a cluster node is asked with the cluster's cookie. A namespace's node cannot answer a plain
 * list_queues (every node sends its rows to rabbitmqctl's own Erlang node, which this host keeps on
 * 127.0.0.1, out of the namespaces' reach): every node of its cluster (same HOME) is asked for its own.
 */
export function ctlTargetsOf(node: PrivateRabbitState, nodes: readonly PrivateRabbitState[]): CtlTarget[] {
  const target = (one: PrivateRabbitState): CtlTarget => ({ command: privateCtl, nodeArgs: rabbitCtlNodeArgs(one), ...(one.environment ? { env: one.environment } : {}), ...(one.network ? { local: true } : {}) });
  if (!node.network) return [target(node)];
  const home = node.environment?.HOME;
  const peers = nodes.filter((peer) => peer !== node && peer.network && home !== undefined && peer.environment?.HOME === home);
  return [node, ...peers].map(target);
}

/** Which rabbitmqctl calls reach the broker at `url`; throws (exit 3) when none can. */
async function ctlTargetsFor(url: string): Promise<CtlTarget[]> {
  const { host, port } = hostPortOf(firstUrlOf(url), 5672);
  const nodes = await privateNodes();
  const node = privateNodeAt(host, port, nodes);
  if (node) return ctlTargetsOf(node, nodes);
  if (!localHosts.has(host)) {
    throw new BrokerUnreachableError(`cannot list queues on a remote RabbitMQ without the management plugin (${redactUrl(url)}); run \`bench clean\` on the broker's host`);
  }
  // rabbitmqctl without -n reaches the host's default node, which listens on 5672: any other port is
  // some broker rabbitmqctl cannot be trusted to describe (a container, another node)
  if (port === 5672) return [{ command: 'rabbitmqctl', nodeArgs: [] }];
  throw new BrokerUnreachableError(`cannot list queues on RabbitMQ at 127.0.0.1:${port}: it is neither this host's default node (5672) nor a node mqbench started, and AMQP cannot list queues`);
}

async function ctlLines(target: CtlTarget, args: string[], timeoutMs: number): Promise<string[][]> {
  try {
    const env = target.env ? { ...process.env, ...target.env } : process.env;
    const { stdout } = await execFileAsync(target.command, [...target.nodeArgs, '-q', ...args, '--no-table-headers'], { timeout: timeoutMs, env });
    return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => line.split('\t'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (e.code === 'ENOENT') throw new BrokerUnreachableError(`cannot list queues: ${target.command} not found (AMQP cannot list queues; it comes with the rabbitmq-server package)`);
    const reason = e.killed ? `no answer within ${timeoutMs} ms` : ((e.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? e.message.split('\n')[0]);
    throw new BrokerUnreachableError(`cannot list queues with rabbitmqctl: ${reason}`);
  }
}

/** rabbitmqctl starts an Erlang VM: 1.5 s on an idle machine, 5 s on a loaded one; a ceiling, not a wait. */
const ctlStartMs = 15_000;

/** Every queue's name and consumer count: one node's answer, or each namespace node's own queues. */
async function listQueues(targets: readonly CtlTarget[], vhost: string[], timeoutMs: number): Promise<string[][]> {
  const asked = targets[0]?.local ? targets : targets.slice(0, 1);
  const rows = await Promise.all(asked.map((target) => ctlLines(target, ['list_queues', ...(target.local ? ['--local'] : []), ...vhost, 'name', 'consumers'], timeoutMs)));
  const byName = new Map(rows.flat().map((row) => [row[0] ?? '', row]));
  return [...byName.values()];
}

async function list(url: string, connectTimeoutMs: number): Promise<LeftoverObject[]> {
  const targets = await ctlTargetsFor(url);
  const vhost = ['-p', vhostOf(url)];
  const timeoutMs = connectTimeoutMs + ctlStartMs;
  const [queues, exchanges] = await Promise.all([listQueues(targets, vhost, timeoutMs), ctlLines(targets[0] as CtlTarget, ['list_exchanges', ...vhost, 'name'], timeoutMs)]);
  const found: LeftoverObject[] = [];
  // a queue with a consumer belongs to a run that is still going (or to someone's live consumer)
  for (const [name = '', consumers = '0'] of queues) found.push({ kind: 'queue', name, inUse: Number(consumers) > 0 });
  for (const [name = ''] of exchanges) found.push({ kind: 'exchange', name, inUse: false });
  return found.filter((o) => o.name.startsWith(runPrefix));
}

async function connectOne(url: string, connectTimeoutMs: number): Promise<ChannelModel> {
  try {
    return await withTimeout(connectAmqp(url, { timeout: connectTimeoutMs }), connectTimeoutMs, () => new Error(`no answer within ${connectTimeoutMs} ms`));
  } catch (error) {
    const reason = redactSecretsIn((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '', [url]);
    throw new BrokerUnreachableError(`cannot connect to RabbitMQ at ${redactUrl(url)}: ${/ACCESS_REFUSED|403/.test(reason) ? 'access refused (wrong user or password)' : reason}`);
  }
}

/** The first node of `url` that answers (a cluster's endpoint lists them all); the last one's error when none does. */
async function connect(url: string, connectTimeoutMs: number): Promise<ChannelModel> {
  const urls = rabbitUrlList(url);
  for (const [k, one] of urls.entries()) {
    try {
      return await connectOne(one, connectTimeoutMs);
    } catch (error) {
      if (k === urls.length - 1) throw error;
    }
  }
  return connectOne(url, connectTimeoutMs);
}

/** A queue or an exchange to delete (LeftoverObject's shape: bench clean, teardown and setup share this). */
export interface RabbitObject {
  kind: string;
  name: string;
}

/**
 * Deletes queues, then exchanges, over `width` channels at once: one channel answers one request at a
 * time, and a run with thousands of queues deleted one by one outlived teardown's time limit. A failed
 * delete closes its channel: open another and go on. Returns "name (reason)" for each failure.
 */
export async function deleteRabbitObjects(connection: ChannelModel, objects: readonly RabbitObject[], width = 8): Promise<string[]> {
  const failed: string[] = [];
  for (const kind of ['queue', 'exchange']) {
    const todo = objects.filter((o) => (o.kind === 'queue') === (kind === 'queue'));
    let next = 0;
    const worker = async (): Promise<void> => {
      let channel: Channel | undefined;
      for (let object = todo[next++]; object; object = todo[next++]) {
        try {
          channel ??= await connection.createChannel();
          if (kind === 'queue') await channel.deleteQueue(object.name);
          else await channel.deleteExchange(object.name);
        } catch (error) {
          failed.push(`${object.name} (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`);
          channel = undefined;
        }
      }
      await channel?.close().catch(() => undefined);
    };
    await Promise.all(Array.from({ length: Math.min(width, todo.length) }, worker));
  }
  return failed;
}

/** The first few failures: one line even when thousands failed the same way. */
export function namesOf(failed: readonly string[]): string {
  return failed.length > 3 ? `${failed.slice(0, 3).join(', ')} and ${failed.length - 3} more` : failed.join(', ');
}

async function remove(url: string, objects: readonly LeftoverObject[], connectTimeoutMs: number): Promise<void> {
  const ours = objects.filter((o) => o.name.startsWith(runPrefix));
  if (ours.length === 0) return;
  const connection = await connect(url, connectTimeoutMs);
  connection.on('error', () => undefined); // a channel-level failure must not crash the process
  try {
    const failed = await deleteRabbitObjects(connection, ours);
    if (failed.length > 0) throw new Error(`could not delete ${failed.length} of ${ours.length}: ${namesOf(failed)}`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export const rabbitCleaner: Cleaner = { list, remove };
