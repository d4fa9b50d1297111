import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { sleepMs } from '../../util/clock.js';
import { stateRoot } from '../../util/paths.js';
import { isPidAlive, portAnswers } from '../../provision/probe.js';
import { frozenProcesses, resumeFrozen } from '../../provision/process-state.js';

const execFileAsync = promisify(execFile);

/** The installed RabbitMQ's own start script (not the Debian wrapper, which switches user). */
const serverScript = process.env.MQBENCH_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
const ctlScript = process.env.MQBENCH_RABBITMQCTL ?? '/usr/lib/rabbitmq/bin/rabbitmqctl';

export interface PrivateRabbitOptions {
  /** e.g. "mqbench" -> node mqbench@localhost, data in .mqbench/rabbit-mqbench */
  name: string;
  port: number;
  /** Erlang distribution port; must differ from every other node's */
  distPort: number;
  /** plugins to enable on this node (e.g. rabbitmq_stream); none by default */
  plugins?: readonly string[];
  /** extra rabbitmq.conf lines (e.g. the stream listener's port) */
  extraConfig?: readonly string[];
  /** environment for the node and its rabbitmqctl calls (a cluster's HOME, holding its private Erlang cookie) */
  environment?: Readonly<Record<string, string>>;
  /** restart with the data folder as it is (a cluster node rejoining), instead of a fresh one */
  keepData?: boolean;
  /** run inside this network namespace, listening on `address` (a long node name, name@address); absent: loopback, name@localhost */
  network?: { namespace: string; address: string };
}

export interface PrivateRabbitState extends PrivateRabbitOptions {
  pid: number;
  node: string;
  url: string;
  startedAt: string;
}

function homeOf(name: string): string {
  return join(stateRoot, `rabbit-${name}`);
}

async function readState(name: string): Promise<PrivateRabbitState | undefined> {
  try {
    const state = JSON.parse(await readFile(join(homeOf(name), 'state.json'), 'utf8')) as PrivateRabbitState;
    return isPidAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The node's own log (RabbitMQ names it after the node); undefined before the node has written one. */
export async function privateRabbitLogPath(name: string): Promise<string | undefined> {
  const state = await readState(name);
  return state ? join(homeOf(name), 'log', `${state.node}.log`) : undefined;
}

export function privateRabbitStatus(name: string): Promise<PrivateRabbitState | undefined> {
  return readState(name);
}

/** The node's processes a run left stopped (SIGSTOP: a --fault stop whose run was killed); [] when it runs or is gone. */
export async function privateRabbitFrozen(name: string): Promise<number[]> {
  const state = await readState(name);
  return state ? frozenProcesses(state.pid) : [];
}

/** Continues (SIGCONT) a node a run left stopped; a line saying so, or undefined when it was not frozen. */
export async function resumePrivateRabbit(name: string): Promise<string | undefined> {
  const state = await readState(name);
  const frozen = state ? await resumeFrozen(state.pid) : [];
  return state && frozen.length > 0 ? `${state.node} was stopped (SIGSTOP, pids ${frozen.join(', ')}): continued (SIGCONT)` : undefined;
}

/** Where a node runs: its host part, listen address and how it is spawned (rabbit-cluster --netns). */
function placementOf(options: Pick<PrivateRabbitOptions, 'name' | 'network'>): { node: string; address: string } {
  const address = options.network?.address ?? '127.0.0.1';
  // a namespace's node is named by its address: a long name, which the other namespaces can resolve
  return { node: `${options.name}@${options.network ? address : 'localhost'}`, address };
}

async function writeNodeFiles(home: string, options: PrivateRabbitOptions, address: string): Promise<void> {
  await mkdir(join(home, 'log'), { recursive: true });
  await writeFile(join(home, 'enabled_plugins'), `[${(options.plugins ?? []).join(',')}].\n`);
  // clients of a namespaced node come from the bridge's address, not loopback: guest must be allowed from there
  const remoteGuest = options.network ? ['loopback_users = none'] : [];
  await writeFile(join(home, 'rabbitmq.conf'), ['# written by mqbench: a private node for benchmarks and fault tests', `listeners.tcp.default = ${address}:${options.port}`, ...remoteGuest, ...(options.extraConfig ?? []), ''].join('\n'));
  // this host's /etc/rabbitmq/rabbitmq-env.conf pins epmd and distribution to 127.0.0.1, which a namespace's
  // node must not inherit (its peers reach it at its own address): it gets an empty file of its own
  if (options.network) await writeFile(join(home, 'rabbitmq-env.conf'), '# written by mqbench: nothing from /etc/rabbitmq/rabbitmq-env.conf\n');
}

function nodeEnvironment(home: string, options: PrivateRabbitOptions, node: string, address: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: address,
    RABBITMQ_NODE_PORT: String(options.port),
    RABBITMQ_DIST_PORT: String(options.distPort),
    RABBITMQ_MNESIA_BASE: join(home, 'mnesia'),
    RABBITMQ_LOG_BASE: join(home, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(home, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(home, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: join(home, 'pid'),
    ...(options.network ? { RABBITMQ_USE_LONGNAME: 'true', RABBITMQ_CONF_ENV_FILE: join(home, 'rabbitmq-env.conf') } : {}),
    ...options.environment,
  };
  // epmd inside the namespace must listen on its address, not only on the namespace's own loopback
  if (options.network) delete env.ERL_EPMD_ADDRESS;
  return env;
}

/** Spawns the start script (inside the node's namespace when it has one), detached, its output in server.log. */
function spawnNode(home: string, options: PrivateRabbitOptions, env: NodeJS.ProcessEnv): number {
  const logFd = openSync(join(home, 'server.log'), 'a');
  const [file, args] = options.network ? ['ip', ['netns', 'exec', options.network.namespace, serverScript]] : [serverScript, []];
  // the node's own folder as cwd: a VM that crashes writes erl_crash.dump there, not into the caller's folder
  const child = spawn(file, args, { env, cwd: options.network ? home : undefined, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new BrokerUnreachableError('cannot start rabbitmq-server');
  return child.pid;
}

async function awaitPort(address: string, port: number, pid: number, home: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await portAnswers(address, port, 500))) {
    if (!isPidAlive(pid)) throw new BrokerUnreachableError(`the private RabbitMQ node exited during start-up; see ${join(home, 'server.log')}`);
    if (Date.now() > deadline) throw new BrokerUnreachableError(`the private RabbitMQ node did not open port ${port} within 90 s; see ${join(home, 'server.log')}`);
    await sleepMs(250);
  }
}

/**
 * Starts a private RabbitMQ node from the installed rabbitmq-server: its own node name, ports and
 * data folder, no plugins. Fault tests kill it without touching the shared broker on 5672.
 */
export async function startPrivateRabbit(options: PrivateRabbitOptions, log: (line: string) => void): Promise<{ state: PrivateRabbitState; started: boolean }> {
  const { node, address } = placementOf(options);
  // a frozen node's port accepts connections it never answers: continued first, it is then the node it was
  const resumed = await resumePrivateRabbit(options.name);
  if (resumed) log(resumed);
  const existing = await readState(options.name);
  if (existing && (await portAnswers(address, existing.port))) return { state: existing, started: false };
  if (await portAnswers(address, options.port)) {
    throw new BrokerUnreachableError(`port ${options.port} is taken by something mqbench did not start; choose another port for the private RabbitMQ node`);
  }
  if (!existsSync(serverScript)) {
    throw new BrokerUnreachableError(`cannot start a private RabbitMQ node: ${serverScript} not found (install the rabbitmq-server package)`);
  }
  const home = homeOf(options.name);
  if (!options.keepData) await rm(home, { recursive: true, force: true });
  await writeNodeFiles(home, options, address);
  const where = options.network ? ` in network namespace ${options.network.namespace}` : '';
  log(`starting a private RabbitMQ node ${node} on ${address}:${options.port}${where}; data and logs in ${home}`);
  const pid = spawnNode(home, options, nodeEnvironment(home, options, node, address));
  const state: PrivateRabbitState = { ...options, pid, node, url: `amqp://guest:guest@${address}:${options.port}`, startedAt: new Date().toISOString() };
  await writeFile(join(home, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  await awaitPort(address, options.port, pid, home);
  return { state, started: true };
}

/** The Erlang VM's pid (the process to kill to simulate a crash), read from the node's pid file. */
export async function privateRabbitBeamPid(name: string): Promise<number | undefined> {
  const text = await readFile(join(homeOf(name), 'pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** rabbitmqctl's arguments that name the node: a namespaced node has a long name (name@address). */
export function rabbitCtlNodeArgs(options: Pick<PrivateRabbitOptions, 'name' | 'network'>): string[] {
  const { node } = placementOf(options);
  return options.network ? ['--longnames', '-n', node] : ['-n', node];
}

/** Stops the private node mqbench started (never another one) and removes its data. */
export async function stopPrivateRabbit(name: string): Promise<PrivateRabbitState | undefined> {
  // a frozen node would not answer `rabbitmqctl stop`: continued, it stops as any other
  await resumePrivateRabbit(name);
  const state = await readState(name);
  if (state) {
    const env = { ...process.env, ...state.environment };
    await execFileAsync(ctlScript, [...rabbitCtlNodeArgs(state), 'stop'], { timeout: 30_000, env }).catch(() => undefined);
    const beam = await privateRabbitBeamPid(name);
    for (const pid of [beam, state.pid]) {
      if (pid !== undefined && isPidAlive(pid)) {
        try {
          process.kill(-state.pid, 'SIGKILL');
        } catch {
          process.kill(pid, 'SIGKILL');
        }
      }
    }
    const until = Date.now() + 10_000;
    while (state.pid && isPidAlive(state.pid) && Date.now() < until) await sleepMs(100);
  }
  await rm(homeOf(name), { recursive: true, force: true });
  return state;
}
