import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { sleepMs } from '../../util/clock.js';
import { repoRoot, stateRoot } from '../../util/paths.js';
import { isPidAlive, portAnswers } from '../../provision/probe.js';
import { frozenProcesses, resumeFrozen } from '../../provision/process-state.js';

const execFileAsync = promisify(execFile);

export const localKafkaHost = '127.0.0.1';
export const localKafkaPort = 9092;
export const localKafkaUrl = `${localKafkaHost}:${localKafkaPort}`;

/** Which local broker: the default one, or another (fault tests) with its own ports and folder. */
export interface KafkaInstance {
  name: string;
  port: number;
  controllerPort: number;
  /** a cluster node: its node.id, every voter (id@host:port,...), the cluster id formatted into its data folder */
  clusterNode?: { nodeId: number; quorumVoters: string; clusterId: string; replicas: number };
  /** the JVM's -Xmx (default 1g) */
  maxHeap?: string;
  /** the address its listeners bind and advertise (default 127.0.0.1) */
  host?: string;
  /** runs inside this network namespace (a cluster node on a network of its own), reached at `host` */
  namespace?: string;
  /** server.properties lines appended to the generated ones (later lines win) */
  extraProperties?: readonly string[];
  /** a log4j2 configuration of its own instead of brokers/kafka/log4j2.properties */
  log4jConfig?: string;
}

export const defaultKafkaInstance: KafkaInstance = { name: 'kafka', port: localKafkaPort, controllerPort: 9093 };

const pomPath = join(repoRoot, 'brokers', 'kafka', 'pom.xml');
const libDir = join(repoRoot, 'brokers', 'kafka', 'lib');
const log4jConfig = join(repoRoot, 'brokers', 'kafka', 'log4j2.properties');
function pathsOf(instance: Pick<KafkaInstance, 'name'>) {
  const home = join(stateRoot, instance.name);
  return {
    home,
    dataDir: join(home, 'data'),
    configPath: join(home, 'server.properties'),
    statePath: join(home, 'state.json'),
    logPath: join(home, 'broker.log'),
  };
}

export interface LocalKafkaState {
  pid: number;
  version: string;
  url: string;
  startedAt: string;
}

export interface KafkaStatus {
  reachable: boolean;
  /** present when mqbench started the broker that is running */
  ours: LocalKafkaState | undefined;
}

/** The Kafka version of the fetched jars (kafka_2.13-<version>.jar), if fetched. */
export async function fetchedKafkaVersion(): Promise<string | undefined> {
  const names = await readdir(libDir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^kafka_2\.13-(.+)\.jar$/.exec(name);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** A KRaft cluster id: 22 characters (a base64 UUID's length). */
export function newClusterId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 22);
}

/** Fetches Kafka's jars from Maven Central through the pom in brokers/kafka (a no-op when present). */
export async function fetchKafkaJars(log: (line: string) => void): Promise<string> {
  const existing = await fetchedKafkaVersion();
  if (existing) return existing;
  log(`fetching Apache Kafka jars from Maven Central (mvn -f ${pomPath}) ...`);
  try {
    await execFileAsync('mvn', ['-q', '-B', '-f', pomPath, 'dependency:copy-dependencies'], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'mvn is not installed' : 'mvn failed';
    throw new BrokerUnreachableError(`cannot fetch Kafka's jars: ${reason} (run \`mvn -f brokers/kafka/pom.xml dependency:copy-dependencies\` to see why)`);
  }
  const version = await fetchedKafkaVersion();
  if (!version) throw new BrokerUnreachableError(`mvn ran but no kafka_2.13 jar is in ${libDir}`);
  return version;
}

async function readState(instance: KafkaInstance = defaultKafkaInstance): Promise<LocalKafkaState | undefined> {
  try {
    const state = JSON.parse(await readFile(pathsOf(instance).statePath, 'utf8')) as LocalKafkaState;
    return isPidAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The broker's own log (its stdout and stderr): what a cluster's watchReports follows. */
export const kafkaLogPath = (instance: Pick<KafkaInstance, 'name'>): string => pathsOf(instance).logPath;

const hostOf = (instance: KafkaInstance): string => instance.host ?? localKafkaHost;

export async function localKafkaStatus(instance: KafkaInstance = defaultKafkaInstance): Promise<KafkaStatus> {
  return { reachable: await portAnswers(hostOf(instance), instance.port), ours: await readState(instance) };
}

/** The broker's processes a run left stopped (SIGSTOP: a --fault stop whose run was killed); [] when it runs or is gone. */
export async function localKafkaFrozen(instance: KafkaInstance = defaultKafkaInstance): Promise<number[]> {
  const state = await readState(instance);
  return state ? frozenProcesses(state.pid) : [];
}

/** Continues (SIGCONT) a broker a run left stopped; a line saying so, or undefined when it was not frozen. */
export async function resumeLocalKafka(instance: KafkaInstance = defaultKafkaInstance): Promise<string | undefined> {
  const state = await readState(instance);
  const frozen = state ? await resumeFrozen(state.pid) : [];
  return state && frozen.length > 0 ? `Kafka ${instance.name} at ${state.url} was stopped (SIGSTOP, pids ${frozen.join(', ')}): continued (SIGCONT)` : undefined;
}

/** A cluster node's replication: every internal topic on all nodes, and a write needs two in-sync copies. */
function replicationProperties(replicas: number): string[] {
  const minInSync = Math.min(2, replicas);
  return [
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minInSync}`,
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minInSync}`,
  ];
}

function serverProperties(instance: KafkaInstance, dataDir: string): string {
  const { port, controllerPort, clusterNode } = instance;
  const host = hostOf(instance);
  return [
    `# written by mqbench: a ${clusterNode ? 'cluster node' : 'single-node KRaft broker'} for benchmarks on this host`,
    'process.roles=broker,controller',
    `node.id=${clusterNode?.nodeId ?? 1}`,
    `controller.quorum.voters=${clusterNode?.quorumVoters ?? `1@${host}:${controllerPort}`}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    // clients bootstrap from any node and then connect to what the nodes advertise: the address they are reached at
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.num.partitions=8',
    ...replicationProperties(clusterNode?.replicas ?? 1),
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    ...(instance.extraProperties ?? []),
    '',
  ].join('\n');
}

function javaArgs(mainClass: string, args: string[], maxHeap = '1g', logConfig = log4jConfig): string[] {
  return [
    '-Xms256m',
    `-Xmx${maxHeap}`,
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${logConfig}`,
    '-cp',
    `${libDir}/*`,
    mainClass,
    ...args,
  ];
}

/** Formats the data folder with the cluster id, once (a folder with meta.properties is kept as it is). */
async function formatDataDir(instance: KafkaInstance, dataDir: string, configPath: string, cwd: string): Promise<void> {
  if (existsSync(join(dataDir, 'meta.properties'))) return;
  await rm(dataDir, { recursive: true, force: true });
  try {
    await execFileAsync('java', javaArgs('kafka.tools.StorageTool', ['format', '-t', instance.clusterNode?.clusterId ?? newClusterId(), '-c', configPath]), { cwd });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'java is not installed' : String((error as Error).message).split('\n')[0];
    throw new BrokerUnreachableError(`cannot format the local Kafka data folder: ${reason}`);
  }
}

/** The broker's JVM, detached, its output appended to its log; inside its namespace when it has one. */
function spawnKafka(instance: KafkaInstance, configPath: string, cwd: string, logPath: string): number {
  const java = javaArgs('kafka.Kafka', [configPath], instance.maxHeap, instance.log4jConfig);
  // `ip netns exec` execs java in place (no fork): the pid is the JVM's, as a kill fault needs
  const [file, args] = instance.namespace ? ['ip', ['netns', 'exec', instance.namespace, 'java', ...java]] : ['java', java];
  const logFd = openSync(logPath, 'a');
  const child = spawn(file, args, { cwd, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new BrokerUnreachableError('cannot start java for the local Kafka broker');
  return child.pid;
}

async function awaitKafkaPort(instance: KafkaInstance, pid: number, statePath: string, logPath: string): Promise<void> {
  const url = `${hostOf(instance)}:${instance.port}`;
  const deadline = Date.now() + 90_000;
  while (!(await portAnswers(hostOf(instance), instance.port, 500))) {
    if (!isPidAlive(pid)) {
      await rm(statePath, { force: true });
      throw new BrokerUnreachableError(`the local Kafka broker exited during start-up; see ${logPath}`);
    }
    if (Date.now() > deadline) throw new BrokerUnreachableError(`the local Kafka broker did not open ${url} within 90 s; see ${logPath}`);
    await sleepMs(250);
  }
}

/**
 * Starts a local single-node KRaft broker unless one answers already. Returns its state;
 * `ours` is false when something else is listening on 9092 (we never touch that one).
 */
export async function startLocalKafka(
  log: (line: string) => void,
  instance: KafkaInstance = defaultKafkaInstance,
): Promise<{ state: LocalKafkaState | undefined; started: boolean }> {
  // a frozen broker's port accepts connections it never answers: continued first, it is then the broker it was
  const resumed = await resumeLocalKafka(instance);
  if (resumed) log(resumed);
  const status = await localKafkaStatus(instance);
  if (status.reachable) return { state: status.ours, started: false };
  const version = await fetchKafkaJars(log);
  const { home: kafkaHome, dataDir, configPath, statePath, logPath } = pathsOf(instance);
  const url = `${hostOf(instance)}:${instance.port}`;
  await mkdir(kafkaHome, { recursive: true });
  await writeFile(configPath, serverProperties(instance, dataDir));
  await formatDataDir(instance, dataDir, configPath, kafkaHome);
  const where = instance.namespace ? ` in network namespace ${instance.namespace}` : '';
  log(`starting Apache Kafka ${version} (KRaft, ${instance.clusterNode ? `cluster node ${instance.clusterNode.nodeId}` : 'single node'}) on ${url}${where}; logs in ${logPath}`);
  const pid = spawnKafka(instance, configPath, kafkaHome, logPath);
  const state: LocalKafkaState = { pid, version, url, startedAt: new Date().toISOString() };
  await writeFile(statePath, `${JSON.stringify(state, null, 2)}\n`);
  await awaitKafkaPort(instance, pid, statePath, logPath);
  return { state, started: true };
}

/** Stops the broker mqbench started (never another one) and removes its data. */
export async function stopLocalKafka(instance: KafkaInstance = defaultKafkaInstance): Promise<LocalKafkaState | undefined> {
  // a frozen JVM keeps SIGTERM pending: continued, it shuts down in order instead of being killed after 30 s
  await resumeLocalKafka(instance);
  const state = await readState(instance);
  if (state) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isPidAlive(state.pid) && Date.now() < deadline) await sleepMs(200);
    if (isPidAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
    while (isPidAlive(state.pid)) await sleepMs(100);
  }
  await rm(pathsOf(instance).home, { recursive: true, force: true });
  return state;
}

/** The version of the broker at `url` when mqbench started it; undefined otherwise. */
export async function knownLocalKafkaVersion(url: string, instance: KafkaInstance = defaultKafkaInstance): Promise<string | undefined> {
  const state = await readState(instance);
  return state && url.replace(/^kafka:\/\//, '') === state.url ? state.version : undefined;
}
