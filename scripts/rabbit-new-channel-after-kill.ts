/**
 * Issue 26, item 4: on RabbitMQ 3.10.8, a confirm channel opened on a surviving node just after a
 * quorum queue's leader node was SIGKILLed had all its publishes nacked, while a channel opened
 * before the kill lost nothing. This script reproduces that on mqbench's 3-node rabbit-cluster with
 * plain amqplib and records what ends the nacking. It shares no code with src/: the cluster is
 * started, read and stopped through `bench brokers` and the RabbitMQ CLI tools, as a user would.
 *
 * Run: node --import tsx scripts/rabbit-new-channel-after-kill.ts   (about 3 minutes)
 * It starts the cluster if needed (and stops it again), restarts the node it killed and deletes its
 * queue on every exit path, Ctrl-C included.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { delimiter, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';

const execFileAsync = promisify(execFile);

// ---- the cluster as `bench brokers up rabbit-cluster` lays it out (src/drivers/rabbit/cluster.ts, local.ts)

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const stateRoot = process.env.MQBENCH_HOME ?? join(repoRoot, '.mqbench');
/** The cluster's HOME: its private Erlang cookie, which every rabbitmqctl call against it needs. */
const clusterHome = join(stateRoot, 'rabbit-cluster');
const nodeIndexes = [1, 2, 3] as const;
const nodeName = (index: number): string => `mqbench-c${index}@localhost`;
const amqpUrl = (index: number): string => `amqp://guest:guest@127.0.0.1:${5700 + index}`;
const nodeFolder = (index: number): string => join(stateRoot, `rabbit-mqbench-c${index}`);
const nodeLogFile = (index: number): string => join(nodeFolder(index), 'log', `${nodeName(index)}.log`);
const nodeIndexIn = (text: string): number | undefined => {
  const match = /mqbench-c(\d)@localhost/.exec(text);
  return match ? Number(match[1]) : undefined;
};

// ---- what is measured

const rateHz = 200;
/** When, after the kill, the probe channels open (the schedule). */
const probeOffsetsMs = [50, 1_000, 5_000, 15_000, 30_000, 60_000, 90_000];
const probeMessages = 5;
const probeSpacingMs = 20;
/** A publish not confirmed within this time counts as timed out. */
const confirmTimeoutMs = 10_000;
/**
 * Also a fresh channel with one message every 50 ms for the first second, then every second: they
 * time the end of the nacking for new channels more finely than the schedule does.
 */
const samplerOffsetsMs = [...Array.from({ length: 20 }, (_, i) => 50 + i * 50), ...Array.from({ length: 90 }, (_, i) => 1_500 + i * 1_000)];
const warmUpMs = 5_000;
/** The last probe opens at +90 s and may wait 10 s for its confirms. */
const observeMs = 101_000;
/** After the killed node is back, the streams run this long to show whether they recover. */
const afterRestartMs = 10_000;

const now = (): number => performance.now();
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const seconds = (ms: number, digits = 1): string => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(digits)} s`;

// ---- RabbitMQ CLI tools and `bench brokers`

/**
 * The RabbitMQ scripts themselves, next to the real rabbitmq-server: the Debian wrappers on the PATH
 * switch to the rabbitmq user, whose HOME holds another cookie (that of the shared node on 5672).
 */
function rabbitToolsDir(): string {
  if (process.env.MQBENCH_RABBITMQCTL) return dirname(process.env.MQBENCH_RABBITMQCTL);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'rabbitmq-server');
    if (dir && existsSync(candidate)) return dirname(realpathSync(candidate));
  }
  throw new Error('rabbitmq-server is not on the PATH');
}
const toolsDir = rabbitToolsDir();

async function cli(tool: 'rabbitmqctl' | 'rabbitmq-queues', index: number, args: string[], timeoutMs = 30_000): Promise<string> {
  const env = { ...process.env, HOME: clusterHome };
  const { stdout } = await execFileAsync(join(toolsDir, tool), ['-n', nodeName(index), ...args], { env, timeout: timeoutMs, maxBuffer: 8 << 20 });
  return stdout;
}

async function bench(action: 'up' | 'down' | 'status'): Promise<string> {
  const { stdout, stderr } = await execFileAsync(process.execPath, [join(repoRoot, 'bin', 'bench.js'), 'brokers', action, 'rabbit-cluster'], { cwd: repoRoot, timeout: 300_000, maxBuffer: 8 << 20 });
  return `${stdout}${stderr}`;
}

interface NodeState {
  index: number;
  running: boolean;
  /** the node's first process (its start script), which leads its process group */
  pid?: number;
}

/** `bench brokers status rabbit-cluster` lines: "node 1 mqbench-c1@localhost at ...: running, pid 123". */
async function clusterNodes(): Promise<NodeState[]> {
  const text = await bench('status');
  return [...text.matchAll(/^\s*node (\d) \S+ at .*: (running|not running)(?:, pid (\d+))?$/gm)].map((m) => ({
    index: Number(m[1]),
    running: m[2] === 'running',
    ...(m[3] ? { pid: Number(m[3]) } : {}),
  }));
}

// ---- the node's processes, found and killed without touching any other process

interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  zombie: boolean;
}

async function procTable(): Promise<ProcEntry[]> {
  const names = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const rows = await Promise.all(names.map((name) => readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined)));
  return rows.flatMap((text) => {
    if (!text) return [];
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [{ pid: Number.parseInt(text, 10), zombie: fields[0] === 'Z', ppid: Number(fields[1]), pgid: Number(fields[2]) }];
  });
}

/** The group the start script leads, plus descendants (erl_child_setup leaves the group with setsid). */
function treeOf(leader: number, table: readonly ProcEntry[]): number[] {
  const found = new Set([leader, ...table.filter((e) => e.pgid === leader).map((e) => e.pid)]);
  for (let size = 0; size !== found.size; ) {
    size = found.size;
    for (const e of table) if (found.has(e.ppid)) found.add(e.pid);
  }
  return table.filter((e) => found.has(e.pid) && !e.zombie).map((e) => e.pid);
}

/** Only processes whose environment names this node; the VM from the node's pid file must be one of them. */
async function nodeProcesses(index: number, groupLeader: number): Promise<number[]> {
  const marker = `RABBITMQ_NODENAME=${nodeName(index)}`;
  const tree = treeOf(groupLeader, await procTable());
  const environs = await Promise.all(tree.map((pid) => readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')));
  const mine = tree.filter((_, i) => environs[i]?.split('\0').includes(marker));
  const beam = Number((await readFile(join(nodeFolder(index), 'pid'), 'utf8')).trim());
  if (!mine.includes(beam)) throw new Error(`node ${index}'s VM (pid ${beam}) is not among its processes ${mine.join(', ')}; killing nothing`);
  // the VM first: the crash is its death; the start script and helpers follow
  return [beam, ...mine.filter((pid) => pid !== beam)];
}

/** A short-lived helper (the VM runs `df` and the like through erl_child_setup) may be gone already. */
function signalKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function awaitGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const alive = new Set((await procTable()).filter((e) => !e.zombie).map((e) => e.pid));
    if (!pids.some((pid) => alive.has(pid))) return;
    if (now() > deadline) throw new Error(`processes ${pids.join(', ')} still alive ${timeoutMs} ms after SIGKILL`);
    await sleep(20);
  }
}

// ---- publishing with confirms

type Outcome = 'ack' | 'nack' | 'closed';

interface Sent {
  at: number;
  settledAt?: number;
  outcome?: Outcome;
}

const body = Buffer.alloc(100, 'x');

/** amqplib settles a confirm with null (ack), "message nacked" (basic.nack) or another error (channel gone). */
function publishTracked(channel: ConfirmChannel, queue: string): Sent {
  const sent: Sent = { at: now() };
  const settle = (outcome: Outcome): void => {
    if (sent.outcome) return;
    sent.outcome = outcome;
    sent.settledAt = now();
  };
  try {
    channel.publish('', queue, body, { persistent: true }, (error: unknown) => settle(!error ? 'ack' : message(error) === 'message nacked' ? 'nack' : 'closed'));
  } catch {
    settle('closed');
  }
  return sent;
}

interface Stream {
  sent: Sent[];
  stop: () => Promise<void>;
}

/** Publishes at `rateHz`, catching up after a stalled event loop so the rate holds over time. */
function publishSteadily(channel: ConfirmChannel, queue: string): Stream {
  const sent: Sent[] = [];
  const start = now();
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const due = Math.floor(((now() - start) * rateHz) / 1000) + 1 - sent.length;
      for (let i = 0; i < Math.min(due, 50); i++) sent.push(publishTracked(channel, queue));
      await sleep(1000 / rateHz);
    }
  };
  const done = loop();
  return {
    sent,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function awaitSettled(sent: readonly Sent[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = now() + timeoutMs;
  while (sent.some((s) => !s.outcome) && now() < deadline) await sleep(10, undefined, { signal });
}

// ---- connections (every one on 127.0.0.1; errors are recorded as outcomes, never thrown as events)

interface Run {
  signal: AbortSignal;
  connections: ChannelModel[];
  /** the publishing streams and the poller, stopped before the connections are closed */
  stoppers: (() => Promise<void>)[];
  startedCluster: boolean;
  queue?: string;
  killed?: number;
  restarted: boolean;
}

async function connect(run: Run, index: number): Promise<ChannelModel> {
  const connection = await amqp.connect(amqpUrl(index));
  connection.on('error', () => undefined);
  run.connections.push(connection);
  return connection;
}

async function confirmChannel(connection: ChannelModel): Promise<ConfirmChannel> {
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  return channel;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what}: no answer in ${ms} ms`)))]);
}

/** amqplib's close() can wait forever for a close-ok from a node that was just killed. */
function closeQuietly(closable: { close: () => Promise<void> }): Promise<void> {
  return withTimeout(closable.close(), 3_000, 'close').catch(() => undefined);
}

// ---- the queue and its leader

async function declareQueue(connection: ChannelModel): Promise<string> {
  const queue = `mqbench-newchan-${randomBytes(4).toString('hex')}`;
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.close();
  return queue;
}

/** `rabbitmqctl list_queues name leader`, asked until the new queue has elected a leader. */
async function leaderOf(queue: string, askIndex: number, signal: AbortSignal): Promise<number> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const rows = JSON.parse(await cli('rabbitmqctl', askIndex, ['list_queues', 'name', 'leader', '--formatter', 'json'])) as { name?: string; leader?: string }[];
    const leader = nodeIndexIn(rows.find((row) => row.name === queue)?.leader ?? '');
    if (leader !== undefined) return leader;
    await sleep(1000, undefined, { signal });
  }
  throw new Error(`queue ${queue} has no leader after 30 s`);
}

/** `rabbitmq-queues quorum_status`: each member's raft state, as the reader would look it up. */
async function quorumStatus(queue: string, askIndex: number): Promise<string> {
  try {
    const rows = JSON.parse(await cli('rabbitmq-queues', askIndex, ['quorum_status', queue, '--formatter', 'json'], 60_000)) as Record<string, unknown>[];
    return rows.map((row) => `${String(row['Node Name'])}: ${String(row['Raft State'])}`).join('; ');
  } catch (error) {
    return `quorum_status failed: ${message(error).split('\n')[0] ?? ''}`;
  }
}

/** `rabbitmqctl cluster_status`: the nodes rabbit on `askIndex` counts as running. */
async function runningNodes(askIndex: number): Promise<string> {
  const status = JSON.parse(await cli('rabbitmqctl', askIndex, ['cluster_status', '--formatter', 'json'])) as { running_nodes?: string[] };
  return (status.running_nodes ?? []).join(', ');
}

// ---- what the surviving node believes, sampled every ~0.5 s during the outage

interface Sample {
  /** the node's own clock (same host as ours) */
  wallMs: number;
  /** the queue's record in the metadata store: the leader a channel's first publish is sent to */
  recordLeader: string;
  /** the leader the node's Ra leaderboard knows */
  raLeader: string;
  /** the raft state of the node's own member of the queue */
  localState: string;
  /** Erlang distribution: the nodes this node is connected to */
  connected: string[];
  /** rabbit's running nodes (what cluster_status reports) */
  running: string[];
  netTicktime: number;
}

function sampleExpression(queue: string): string {
  return [
    `{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, <<"${queue}">>)),`,
    '{RaName, RecordNode} = amqqueue:get_pid(Q),',
    'RaLeader = case ra_leaderboard:lookup_leader(RaName) of {_, L} -> L; _ -> none end,',
    'Local = case ets:lookup(ra_state, RaName) of [{_, S} | _] -> S; [{_, S, _} | _] -> S; _ -> none end,',
    'io:format("~s~n", [rabbit_json:encode(#{wall => os:system_time(millisecond), record_leader => RecordNode, ra_leader => RaLeader,',
    'local_state => Local, connected => nodes(), running => rabbit_nodes:all_running(), net_ticktime => net_kernel:get_net_ticktime()})]).',
  ].join(' ');
}

async function sampleOnce(queue: string, askIndex: number): Promise<Sample | undefined> {
  const out = await cli('rabbitmqctl', askIndex, ['eval', sampleExpression(queue)], 10_000).catch(() => '');
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) return undefined;
  const json = JSON.parse(line) as Record<string, unknown>;
  return {
    wallMs: Number(json.wall),
    recordLeader: String(json.record_leader),
    raLeader: String(json.ra_leader),
    localState: String(json.local_state),
    connected: json.connected as string[],
    running: json.running as string[],
    netTicktime: Number(json.net_ticktime),
  };
}

function pollNode(queue: string, askIndex: number): { samples: Sample[]; stop: () => Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const sample = await sampleOnce(queue, askIndex);
      if (sample) samples.push(sample);
      await sleep(500);
    }
  };
  const done = loop();
  return {
    samples,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

// ---- probes: new channels after the kill

/**
 * A new channel on a new connection, a new channel on the connection the steady channel uses, and a
 * channel opened before the kill that publishes for the first time now: that last kind tells whether
 * what matters is when the channel was opened or when it first published to the queue.
 */
type ProbeKind = 'new connection' | 'existing connection' | 'idle since before the kill';
const probeKinds: ProbeKind[] = ['new connection', 'existing connection', 'idle since before the kill'];

interface Probe {
  kind: ProbeKind;
  scheduledMs: number;
  /** since the kill, when the channel was open */
  openedMs?: number;
  sent: Sent[];
  error?: string;
}

/** What every probe needs: where to open its channel and the moment of the kill. */
interface ProbeContext {
  run: Run;
  queue: string;
  survivor: number;
  /** the connection the steady channel was opened on before the kill */
  existing: ChannelModel;
  /** channels opened on `existing` before the kill, one per probe offset, not used until then */
  idle: Map<number, ConfirmChannel>;
  killAt: number;
}

async function openProbeChannel(ctx: ProbeContext, kind: ProbeKind, offsetMs: number): Promise<{ channel: ConfirmChannel; close: () => Promise<void> }> {
  const idle = ctx.idle.get(offsetMs);
  if (kind === 'idle since before the kill' && idle) return { channel: idle, close: () => closeQuietly(idle) };
  if (kind === 'existing connection') {
    const channel = await confirmChannel(ctx.existing);
    return { channel, close: () => closeQuietly(channel) };
  }
  const connection = await connect(ctx.run, ctx.survivor);
  return { channel: await confirmChannel(connection), close: () => closeQuietly(connection) };
}

async function runProbe(ctx: ProbeContext, probe: Probe, messages: number): Promise<Probe> {
  const signal = ctx.run.signal;
  try {
    const { channel, close } = await withTimeout(openProbeChannel(ctx, probe.kind, probe.scheduledMs), confirmTimeoutMs, 'opening the channel');
    probe.openedMs = now() - ctx.killAt;
    for (let i = 0; i < messages; i++) {
      probe.sent.push(publishTracked(channel, ctx.queue));
      if (i < messages - 1) await sleep(probeSpacingMs, undefined, { signal });
    }
    await awaitSettled(probe.sent, confirmTimeoutMs, signal);
    await close();
  } catch (error) {
    if (signal.aborted) throw error;
    probe.error = message(error);
  }
  return probe;
}

/** Waits until `offsetMs` after the kill, then opens a channel and publishes `messages` on it. */
async function probeAt(ctx: ProbeContext, kind: ProbeKind, offsetMs: number, messages: number): Promise<Probe> {
  await sleep(Math.max(0, ctx.killAt + offsetMs - now()), undefined, { signal: ctx.run.signal });
  return runProbe(ctx, { kind, scheduledMs: offsetMs, sent: [] }, messages);
}

// ---- the scenario

interface Observation {
  queue: string;
  leader: number;
  survivor: number;
  killAt: number;
  killWall: number;
  killedPids: number[];
  steady: Sent[];
  late: Sent[];
  lateOpenedMs: number;
  probes: Probe[];
  sampler: Probe[];
  samples: Sample[];
  quorumBefore: string;
  quorumAfter: string;
  runningAfter: string;
  /** since the kill: `bench brokers up` began and returned */
  restart: { beganMs: number; doneMs: number };
  endWall: number;
}

async function ensureCluster(run: Run): Promise<void> {
  const nodes = await clusterNodes();
  const up = nodes.filter((node) => node.running).length;
  if (up === nodeIndexes.length) return log('rabbit-cluster is up: using it as it is (it stays up)');
  // a partly running cluster may be someone's fault test in progress
  if (up > 0) throw new Error(`rabbit-cluster is partly up (${up} of 3 nodes): not touching it`);
  log('rabbit-cluster is not up: starting it with `bench brokers up rabbit-cluster` (it is stopped again at the end)');
  run.startedCluster = true;
  await bench('up');
}

/** Killing a node under someone else's run would spoil it: refuse when others are connected. */
async function assertIdle(): Promise<void> {
  const rows = JSON.parse(await cli('rabbitmqctl', 1, ['list_connections', 'name', '--formatter', 'json'])) as unknown[];
  if (rows.length > 0) throw new Error(`rabbit-cluster has ${rows.length} client connection(s) from someone else: not killing a node under them`);
}

async function killLeader(run: Run, leader: number): Promise<{ at: number; wall: number; pids: number[] }> {
  const node = (await clusterNodes()).find((n) => n.index === leader);
  if (!node?.running || node.pid === undefined) throw new Error(`node ${leader} is not running`);
  const pids = await nodeProcesses(leader, node.pid);
  run.signal.throwIfAborted();
  run.killed = leader;
  for (const pid of pids) signalKill(pid);
  const killed = { at: now(), wall: Date.now(), pids };
  await awaitGone(pids, 10_000);
  return killed;
}

async function restartKilled(run: Run): Promise<void> {
  await bench('up');
  run.restarted = true;
  const down = (await clusterNodes()).filter((node) => !node.running);
  if (down.length > 0) throw new Error(`after bench brokers up, nodes ${down.map((n) => n.index).join(', ')} are still down`);
}

function schedule(ctx: ProbeContext): { probes: Promise<Probe[]>; sampler: Promise<Probe[]> } {
  const probes = probeOffsetsMs.flatMap((offset) => probeKinds.map((kind) => probeAt(ctx, kind, offset, probeMessages)));
  const sampler = samplerOffsetsMs.map((offset) => probeAt(ctx, 'existing connection', offset, 1));
  return { probes: Promise.all(probes), sampler: Promise.all(sampler) };
}

interface Setup {
  queue: string;
  leader: number;
  survivor: number;
  existing: ChannelModel;
  /**
   * The continuous late channel's connection, opened before the kill: an AMQP handshake took up to
   * 0.4 s on this loaded machine, after the new leader was elected, so a channel on a connection
   * opened at +50 ms could not reproduce the issue reliably; opening a channel takes milliseconds.
   */
  second: ChannelModel;
  idle: Map<number, ConfirmChannel>;
  quorumBefore: string;
}

/** The queue, its leader, and the channels on a surviving node that exist before the kill. */
async function setUp(run: Run): Promise<Setup> {
  await ensureCluster(run);
  await assertIdle();
  const declaring = await connect(run, 1);
  const queue = await declareQueue(declaring);
  run.queue = queue;
  // node 1 may be the one killed: keep no connection to it
  await closeQuietly(declaring);
  const leader = await leaderOf(queue, 1, run.signal);
  const survivor = nodeIndexes.find((index) => index !== leader) ?? 1;
  const quorumBefore = await quorumStatus(queue, survivor);
  log(`queue ${queue}: leader node ${leader} (${nodeName(leader)}); channels on node ${survivor}; ${quorumBefore}`);
  const existing = await connect(run, survivor);
  const second = await connect(run, survivor);
  const idle = new Map<number, ConfirmChannel>();
  for (const offset of probeOffsetsMs) idle.set(offset, await confirmChannel(existing));
  return { queue, leader, survivor, existing, second, idle, quorumBefore };
}

/** Snapshots at the end of the outage, then the restart, while the two streams keep publishing. */
async function endOutage(run: Run, setup: Setup, killAt: number): Promise<Pick<Observation, 'quorumAfter' | 'runningAfter' | 'restart'>> {
  const statusAtMs = now() - killAt;
  const quorumAfter = `${await quorumStatus(setup.queue, setup.survivor)} (asked at ${seconds(statusAtMs)})`;
  const runningAfter = `${await runningNodes(setup.survivor)} (asked at ${seconds(statusAtMs)})`;
  log(`restarting node ${setup.leader} with \`bench brokers up rabbit-cluster\` (the streams keep publishing)`);
  const beganMs = now() - killAt;
  await restartKilled(run);
  const restart = { beganMs, doneMs: now() - killAt };
  await sleep(afterRestartMs, undefined, { signal: run.signal });
  return { quorumAfter, runningAfter, restart };
}

async function observe(run: Run): Promise<Observation> {
  const setup = await setUp(run);
  const steady = publishSteadily(await confirmChannel(setup.existing), setup.queue);
  const poll = pollNode(setup.queue, setup.survivor);
  run.stoppers.push(steady.stop, poll.stop);
  await sleep(warmUpMs, undefined, { signal: run.signal });

  const kill = await killLeader(run, setup.leader);
  log(`SIGKILLed node ${setup.leader} (pids ${kill.pids.join(', ')}); probing for ${observeMs / 1000} s`);
  const planned = schedule({ run, queue: setup.queue, survivor: setup.survivor, existing: setup.existing, idle: setup.idle, killAt: kill.at });
  await sleep(Math.max(0, kill.at + 50 - now()), undefined, { signal: run.signal });
  const late = publishSteadily(await confirmChannel(setup.second), setup.queue);
  run.stoppers.push(late.stop);
  const lateOpenedMs = now() - kill.at;
  const [probes, sampler] = await Promise.all([planned.probes, planned.sampler]);
  await sleep(Math.max(0, kill.at + observeMs - now()), undefined, { signal: run.signal });

  const ending = await endOutage(run, setup, kill.at);
  await Promise.all([steady.stop(), late.stop(), poll.stop()]);
  // the last publishes' confirms
  await sleep(2_000, undefined, { signal: run.signal });
  const { queue, leader, survivor, quorumBefore } = setup;
  return { queue, leader, survivor, quorumBefore, ...ending, killAt: kill.at, killWall: kill.wall, killedPids: kill.pids, steady: steady.sent, late: late.sent, lateOpenedMs, probes, sampler, samples: poll.samples, endWall: Date.now() };
}

// ---- the report

const count = (sent: readonly Sent[], outcome: Outcome): number => sent.filter((s) => s.outcome === outcome).length;
const unsettled = (sent: readonly Sent[]): number => sent.filter((s) => !s.outcome).length;

function firstLatency(sent: readonly Sent[], outcome: Outcome): string {
  const first = sent.filter((s) => s.outcome === outcome).sort((a, b) => (a.settledAt ?? 0) - (b.settledAt ?? 0))[0];
  const start = sent[0]?.at;
  return first?.settledAt !== undefined && start !== undefined ? `${(first.settledAt - start).toFixed(0)} ms` : '-';
}

function probeTable(probes: readonly Probe[]): string {
  const rows = [...probes].sort((a, b) => a.scheduledMs - b.scheduledMs || a.kind.localeCompare(b.kind)).map((p) => {
    const opened = p.openedMs === undefined ? `not opened: ${p.error ?? '?'}` : seconds(p.openedMs, 2);
    const cells = [seconds(p.scheduledMs, 2), opened, p.kind, count(p.sent, 'ack'), count(p.sent, 'nack'), count(p.sent, 'closed'), unsettled(p.sent), firstLatency(p.sent, 'ack'), firstLatency(p.sent, 'nack')];
    return `| ${cells.join(' | ')} |`;
  });
  const head = '| scheduled | channel open at | channel kind | acks | nacks | channel closed | timed out | first ack after | first nack after |';
  return [head, '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The sampler's channels as runs of the same outcome: "+0.05 .. +0.25 s: nack (5 channels)". */
function samplerRuns(sampler: readonly Probe[]): string[] {
  const outcomeOf = (p: Probe): string => p.sent[0]?.outcome ?? (p.error ? 'error' : 'timed out');
  const runs: { from: Probe; to: Probe; outcome: string; n: number }[] = [];
  for (const probe of [...sampler].sort((a, b) => a.scheduledMs - b.scheduledMs)) {
    const last = runs.at(-1);
    if (last && last.outcome === outcomeOf(probe)) Object.assign(last, { to: probe, n: last.n + 1 });
    else runs.push({ from: probe, to: probe, outcome: outcomeOf(probe), n: 1 });
  }
  return runs.map((r) => `  channels opened ${seconds(r.from.openedMs ?? r.from.scheduledMs)} .. ${seconds(r.to.openedMs ?? r.to.scheduledMs)}: ${r.outcome} (${r.n} channel${r.n === 1 ? '' : 's'})`);
}

function longestAckGap(sent: readonly Sent[], from: number, to: number): number {
  const acks = sent.flatMap((s) => (s.outcome === 'ack' && s.settledAt !== undefined && s.settledAt >= from && s.settledAt <= to ? [s.settledAt] : [])).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < acks.length; i++) gap = Math.max(gap, (acks[i] ?? 0) - (acks[i - 1] ?? 0));
  return gap;
}

/** When, since the kill, the stream's first ack (or nack) after the kill was published and settled. */
function firstAfterKill(sent: readonly Sent[], outcome: Outcome, killAt: number): string {
  const first = sent.find((s) => s.outcome === outcome && s.at >= killAt);
  return first ? `published ${seconds(first.at - killAt, 2)}, settled ${seconds((first.settledAt ?? 0) - killAt, 2)}` : 'none';
}

function lastNack(sent: readonly Sent[], killAt: number): string {
  const last = sent.filter((s) => s.outcome === 'nack').at(-1);
  return last ? `published ${seconds(last.at - killAt, 2)}, settled ${seconds((last.settledAt ?? 0) - killAt, 2)}` : 'none';
}

function streamLine(name: string, sent: readonly Sent[], killAt: number): string {
  const aroundKill = sent.filter((s) => s.settledAt !== undefined && s.at >= killAt - 1000 && s.at <= killAt + 10_000);
  const maxLatency = Math.max(0, ...aroundKill.map((s) => (s.settledAt ?? 0) - s.at));
  return [
    `${name}: ${sent.length} published, ${count(sent, 'ack')} acked, ${count(sent, 'nack')} nacked, ${count(sent, 'closed')} lost with the channel, ${unsettled(sent)} never confirmed;`,
    `    after the kill: first nack ${firstAfterKill(sent, 'nack', killAt)}; last nack ${lastNack(sent, killAt)}; first ack ${firstAfterKill(sent, 'ack', killAt)};`,
    `    longest time without an ack around the kill (-1 s .. +10 s) ${longestAckGap(sent, killAt - 1000, killAt + 10_000).toFixed(0)} ms; slowest confirm of a message published then ${maxLatency.toFixed(0)} ms`,
  ].join('\n');
}

/** The first sample, after the kill, in which `test` holds; with the sample before it (the change lies between). */
function firstSampleWhere(o: Observation, test: (s: Sample) => boolean): string {
  const after = o.samples.filter((s) => s.wallMs >= o.killWall);
  const index = after.findIndex(test);
  if (index < 0) return 'not seen';
  const previous = index > 0 ? after[index - 1] : o.samples.filter((s) => s.wallMs < o.killWall).at(-1);
  const seenAt = (after[index]?.wallMs ?? 0) - o.killWall;
  return previous ? `between ${seconds(previous.wallMs - o.killWall, 2)} and ${seconds(seenAt, 2)}` : `by ${seconds(seenAt, 2)}`;
}

function timeline(o: Observation): string[] {
  const dead = nodeName(o.leader);
  const gone = (list: readonly string[]): boolean => !list.includes(dead);
  return [
    `  node ${o.survivor} lost its distribution connection to ${dead} (nodes()): ${firstSampleWhere(o, (s) => gone(s.connected))}`,
    `  rabbit on node ${o.survivor} dropped ${dead} from its running nodes (cluster_status): ${firstSampleWhere(o, (s) => gone(s.running))}`,
    `  node ${o.survivor}'s Ra leaderboard names a new leader: ${firstSampleWhere(o, (s) => s.raLeader !== 'none' && s.raLeader !== dead)}`,
    `  the queue record (metadata store) names a new leader: ${firstSampleWhere(o, (s) => s.recordLeader !== dead)}`,
    `  net_ticktime on node ${o.survivor}: ${o.samples[0]?.netTicktime ?? '?'} s; ${o.samples.length} samples taken`,
  ];
}

/** Each change in what the surviving node believes, one line per change. */
function sampleChanges(o: Observation): string[] {
  const key = (s: Sample): string => `record leader ${s.recordLeader}; Ra leader ${s.raLeader}; own member ${s.localState}; connected [${s.connected.join(', ')}]; running [${s.running.join(', ')}]`;
  let previous = '';
  return o.samples.flatMap((s) => {
    const text = key(s);
    if (text === previous) return [];
    previous = text;
    return [`  ${seconds(s.wallMs - o.killWall, 2)}: ${text}`];
  });
}

/** The surviving node's own log lines about the dead node or the queue, from the kill to the end. */
async function logExcerpt(o: Observation): Promise<string[]> {
  const text = await readFile(nodeLogFile(o.survivor), 'utf8').catch(() => '');
  const pattern = new RegExp(`${nodeName(o.leader)}|${o.queue}|leader|nodedown|partition`, 'i');
  return text.split('\n').flatMap((line) => {
    const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})\d*([+-]\d\d:\d\d)/.exec(line);
    if (!match || !pattern.test(line)) return [];
    const at = Date.parse(`${match[1]}T${match[2]}${match[3]}`) - o.killWall;
    if (at < -500 || at > o.endWall - o.killWall) return [];
    return [`  ${seconds(at, 3)} ${line.slice(match[0].length).trim().slice(0, 200)}`];
  }).slice(0, 40);
}

function newChannelEnd(o: Observation): string {
  const channels = [...o.probes, ...o.sampler].filter((p) => p.openedMs !== undefined && p.sent.length > 0).sort((a, b) => (a.openedMs ?? 0) - (b.openedMs ?? 0));
  const nacked = channels.filter((p) => count(p.sent, 'nack') > 0);
  const lastNacked = nacked.at(-1);
  const firstAcked = channels.find((p) => count(p.sent, 'ack') > 0 && (!lastNacked || (p.openedMs ?? 0) > (lastNacked.openedMs ?? 0)));
  if (!lastNacked) return 'no channel that first published after the kill was nacked';
  const acked = firstAcked ? `; the first acked one after it opened at ${seconds(firstAcked.openedMs ?? 0, 2)}` : '; none acked after it';
  return `${nacked.length} of ${channels.length} channels first publishing after the kill (probes and these) had nacks; the last nacked one opened at ${seconds(lastNacked.openedMs ?? 0, 2)}${acked}`;
}

async function report(o: Observation): Promise<string> {
  return [
    `## RabbitMQ new confirm channels after the quorum queue leader's node was SIGKILLed`,
    `date ${new Date(o.killWall).toISOString()}; queue ${o.queue}; leader node ${o.leader} (${nodeName(o.leader)}) SIGKILLed (pids ${o.killedPids.join(', ')}); all channels on node ${o.survivor}; ${rateHz} msg/s per stream`,
    `quorum_status before the kill: ${o.quorumBefore}`,
    `quorum_status after the outage: ${o.quorumAfter}`,
    `cluster_status running nodes after the outage: ${o.runningAfter}`,
    `node ${o.leader} restarted: \`bench brokers up\` ran from ${seconds(o.restart.beganMs)} to ${seconds(o.restart.doneMs)} (node ${o.survivor}'s log below says when its VM reconnected)`,
    '',
    `### Probe channels (each publishes ${probeMessages} messages ${probeSpacingMs} ms apart; times since the kill; latencies from the first publish)`,
    probeTable(o.probes),
    '',
    '### Continuous streams',
    streamLine(`  channel open before the kill (existing connection)`, o.steady, o.killAt),
    streamLine(`  channel opened at ${seconds(o.lateOpenedMs, 2)} on a second connection (opened before the kill)`, o.late, o.killAt),
    '',
    `### A new channel on the existing connection every 50 ms for 1 s, then every second (1 message each)`,
    ...samplerRuns(o.sampler),
    `  => ${newChannelEnd(o)}`,
    '',
    `### What node ${o.survivor} believed (rabbitmqctl eval every ~0.5 s)`,
    ...timeline(o),
    ...sampleChanges(o),
    '',
    `### Node ${o.survivor}'s log about ${nodeName(o.leader)}, the queue, leaders`,
    ...(await logExcerpt(o)),
  ].join('\n');
}

// ---- clean-up, on every exit path

async function step(what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    log(`clean-up: ${what} failed: ${message(error)}`);
  }
}

async function deleteQueue(queue: string): Promise<void> {
  for (const index of nodeIndexes) {
    const connection = await amqp.connect(amqpUrl(index)).catch(() => undefined);
    if (!connection) continue;
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      return log(`deleted queue ${queue}`);
    } finally {
      await closeQuietly(connection);
    }
  }
  throw new Error('no node answered');
}

async function cleanUp(run: Run): Promise<void> {
  // stopping twice is harmless: a stopped loop's promise is already settled
  await Promise.all(run.stoppers.map((stop) => withTimeout(stop(), 15_000, 'stop').catch(() => undefined)));
  await Promise.all(run.connections.map(closeQuietly));
  if (run.killed !== undefined && !run.restarted) await step(`restarting node ${run.killed}`, () => (log(`restarting node ${run.killed}`), restartKilled(run)));
  if (run.queue) await step(`deleting queue ${run.queue}`, () => deleteQueue(run.queue ?? ''));
  if (run.startedCluster) await step('stopping rabbit-cluster', () => (log('stopping rabbit-cluster (this script started it)'), bench('down')));
}

async function main(): Promise<number> {
  const abort = new AbortController();
  // every pending sleep listens on the one signal: about 150 at the kill
  setMaxListeners(1_000, abort.signal);
  const run: Run = { signal: abort.signal, connections: [], stoppers: [], startedCluster: false, restarted: false };
  const onSignal = (signal: string): void => {
    if (abort.signal.aborted) return log(`${signal}: still cleaning up, please wait`);
    log(`${signal}: stopping; the killed node is restarted and the queue deleted first`);
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const observation = await observe(run);
    process.stdout.write(`${await report(observation)}\n`);
    return 0;
  } catch (error) {
    log(abort.signal.aborted ? 'interrupted' : `failed: ${message(error)}`);
    return abort.signal.aborted ? 130 : 1;
  } finally {
    await cleanUp(run);
  }
}

// dangling timers (the probes' sleeps) must not keep the process alive after clean-up
process.exit(await main());
