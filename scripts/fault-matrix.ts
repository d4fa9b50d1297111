/**
 * Issue 29's fault matrix: broker x fault x delivery, one small run per cell, each against a broker
 * process of the matrix's own (never the machine's shared RabbitMQ 5672, NATS 4222, Redis 6379 or
 * Mosquitto 1883), killed or frozen by its pid. Per cell: exit code, seconds from spawn to exit, the
 * result file and its status, whether its counts are exact, and what the run left on the broker.
 * A cell still running at its stall timeout + 5 s past the point the run should have ended is a HANG
 * (killed); a cell that exits 0 without a completed result is flagged.
 *
 *   npx tsx scripts/fault-matrix.ts [--brokers rabbit,kafka,rabbit-stream,nats,redis,mqtt]
 *     [--faults setup-kill,kill,freeze,drain-freeze] [--deliveries noack,ack]
 *     [--out results/baselines/fault-matrix] [--list]
 *
 * Brokers: nats, redis and mqtt get a fresh private process per cell on a free loopback port (and a
 * temporary folder), restarted on the same port and folder after a kill so leftovers can be listed.
 * rabbit and rabbit-stream use mqbench's private node mqbench-stream@localhost (AMQP 5682, streams
 * 5552), kafka mqbench's single node on 9092: both brought up with `bench brokers up`, again after a
 * kill; their leftovers are what appeared during the cell (listed before and after).
 * Faults (times from the bench process, see injectFault):
 *   setup-kill    SIGKILL 0.4 s after the first TCP connection to the broker's port is established
 *                 (read from /proc/net/tcp: the broker is private, so that connection is the run's)
 *   kill          SIGKILL 3 s after sending started
 *   freeze        SIGSTOP 3 s after sending started, SIGCONT 15 s later
 *   drain-freeze  SIGSTOP as the window ends (sending start + warmup + duration, less 0.25 s so that the
 *                 broker is frozen when the drain begins), SIGCONT 15 s later
 * "Sending started" is estimated from the run's progress lines on stderr (a line at each phase
 * change, with whole seconds elapsed since sending started: within about 0.25 s). A frozen broker is
 * continued as soon as the run exits, if that is before the 15 s (the run is what is measured), and
 * always before its leftovers are listed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localKafkaStatus } from '../src/drivers/kafka/local.js';
import { privateRabbitBeamPid } from '../src/drivers/rabbit/local.js';
import { streamNode, streamNodeStatus } from '../src/drivers/rabbit-stream/local.js';
import { isPidAlive, portAnswers } from '../src/provision/probe.js';
import { redactUrl } from '../src/util/redact.js';
import type { RunResult } from '../src/results/types.js';

const allBrokers = ['rabbit', 'kafka', 'rabbit-stream', 'nats', 'redis', 'mqtt'] as const;
const allFaults = ['setup-kill', 'kill', 'freeze', 'drain-freeze'] as const;
const allDeliveries = ['noack', 'ack'] as const;
type BrokerName = (typeof allBrokers)[number];
type Fault = (typeof allFaults)[number];
type Delivery = (typeof allDeliveries)[number];

/** The run of every cell: small, so a cell takes about 20 s when mqbench behaves. */
const run = { warmupS: 1, durationS: 8, rate: 500, stallTimeoutS: 5, drainTimeoutS: 5 };
/** drainFreezeLeadMs: how much before the estimated window end a drain freeze starts (the estimate's error, see faultMoment) */
const faultTiming = { setupKillDelayMs: 400, midRunS: 3, freezeS: 15, drainFreezeLeadMs: 250 };
/** Node's start, the prebuilt copy of src/, connect and setup before sending starts: used only when no progress line said when sending started (a setup kill). */
const startupAllowanceS = 5;
const hangGraceS = 5;

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  brokers: BrokerName[];
  faults: Fault[];
  deliveries: Delivery[];
  out: string;
  list: boolean;
}

function listOption<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',').map((s) => s.trim());
  const bad = items.find((item) => !(allowed as readonly string[]).includes(item));
  if (bad !== undefined) usage(`--${name}: '${bad}' is not one of ${allowed.join(', ')}`);
  return items as T[];
}

function usage(line: string): never {
  process.stderr.write(`fault-matrix: ${line}\n`);
  process.exit(2);
}

function parseOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        brokers: { type: 'string', default: allBrokers.join(',') },
        faults: { type: 'string', default: allFaults.join(',') },
        deliveries: { type: 'string', default: allDeliveries.join(',') },
        out: { type: 'string', default: 'results/baselines/fault-matrix' },
        list: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    usage((error as Error).message.split('\n')[0] ?? 'bad option');
  }
  if (parsed.out === '') usage('--out: empty');
  return {
    brokers: listOption('brokers', parsed.brokers, allBrokers),
    faults: listOption('faults', parsed.faults, allFaults),
    deliveries: listOption('deliveries', parsed.deliveries, allDeliveries),
    out: parsed.out,
    list: parsed.list,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const secondsSince = (start: number, at: number | undefined): number | null => (at === undefined ? null : Math.round((at - start) / 10) / 100);

/** A loopback port nobody listens on now (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function awaitPort(port: number, pid: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portAnswers('127.0.0.1', port, 500))) {
    if (!isPidAlive(pid)) throw new Error(`${what} exited during start-up`);
    if (Date.now() > deadline) throw new Error(`${what} did not open port ${port} within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * Established TCP connections whose remote end is `port` on this host: the broker is private to the
 * cell, so these are the run's clients (the script itself probes the port only before the run).
 */
function connectionsTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = existsSync(table) ? readFileSync(table, 'utf8').split('\n').slice(1) : [];
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '01' && fields[2]?.endsWith(`:${hexPort}`)) count++;
    }
  }
  return count;
}

function signalPid(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** What must happen even when the script is interrupted: frozen brokers continued, private ones and the run killed. */
const onExit = new Map<string, () => void>();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    for (const undo of onExit.values()) undo();
    process.stderr.write(`fault-matrix: ${signal}: brokers continued, private processes killed; stopped\n`);
    process.exit(4);
  });
}

// ---------------------------------------------------------------------------------------------
// Brokers under test: processes of the matrix's own, reached only on loopback

interface BrokerUnderTest {
  name: BrokerName;
  /** the port the run's clients connect to (a setup kill waits for a connection to it) */
  port: number;
  /** endpoint options for bench run and bench clean */
  urlArgs: string[];
  /** the broker serves the next cells too (mqbench's nodes): what a cell left is deleted once recorded */
  outlivesCell: boolean;
  /** the process a fault hits */
  pid(): Promise<number>;
  /** brought back after a kill (same port, same data where it keeps any), so leftovers can be listed */
  restart(): Promise<void>;
  /** after the cell */
  release(): Promise<void>;
}

type PrivateName = 'nats' | 'redis' | 'mqtt';

/** The command line of a private broker on `port`, its data (if any) in `dir`. */
function privateCommand(name: PrivateName, port: number, dir: string): [string, string[]] {
  if (name === 'nats') return ['nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'jetstream')]];
  if (name === 'redis') return ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]];
  // Mosquitto 2 takes a listener's address only from a config file
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  return ['mosquitto', ['-c', config]];
}

const privateUrlArgs: Record<PrivateName, (port: number) => string[]> = {
  nats: (port) => ['--nats-url', `nats://127.0.0.1:${port}`],
  redis: (port) => ['--redis-url', `redis://127.0.0.1:${port}`],
  mqtt: (port) => ['--mqtt-url', `mqtt://127.0.0.1:${port}`],
};

/** Starts the private broker and waits until its port answers; its output goes to dir/broker.log. */
async function spawnPrivate(name: PrivateName, port: number, dir: string): Promise<ChildProcess> {
  const [file, args] = privateCommand(name, port, dir);
  const log = openSync(join(dir, 'broker.log'), 'a');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${file}`);
  // SIGKILL ends a stopped (frozen) process too
  onExit.set(`broker ${pid}`, () => signalPid(pid, 'SIGKILL'));
  await awaitPort(port, pid, `${file} (see ${join(dir, 'broker.log')})`, 15_000);
  return child;
}

async function stopPrivate(child: ChildProcess): Promise<void> {
  const pid = child.pid as number;
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    signalPid(pid, 'SIGKILL');
    await gone;
  }
  onExit.delete(`broker ${pid}`);
}

/** nats, redis, mqtt: a fresh process per cell on a free loopback port, removed with its folder after. */
async function privateBroker(name: PrivateName): Promise<BrokerUnderTest> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `fault-matrix-${name}-`));
  let child = await spawnPrivate(name, port, dir);
  return {
    name,
    port,
    urlArgs: privateUrlArgs[name](port),
    outlivesCell: false,
    pid: async () => child.pid as number,
    async restart() {
      await stopPrivate(child);
      child = await spawnPrivate(name, port, dir);
    },
    async release() {
      await stopPrivate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type ManagedName = 'rabbit' | 'rabbit-stream' | 'kafka';

/** rabbit and rabbit-stream share mqbench's private stream node; kafka is mqbench's single node. */
const managed: Record<ManagedName, { node: 'rabbit-stream' | 'kafka'; port: number; urlArgs: string[] }> = {
  rabbit: { node: 'rabbit-stream', port: streamNode.port, urlArgs: ['--rabbit-url', `amqp://guest:guest@127.0.0.1:${streamNode.port}`] },
  'rabbit-stream': { node: 'rabbit-stream', port: 5552, urlArgs: ['--rabbit-stream-url', 'rabbitmq-stream://guest:guest@127.0.0.1:5552'] },
  kafka: { node: 'kafka', port: 9092, urlArgs: ['--kafka-url', '127.0.0.1:9092'] },
};

/** The nodes this script brought up (down at the end); a node that was up before is left up. */
const broughtUp = new Set<'rabbit-stream' | 'kafka'>();

async function nodeIsUp(node: 'rabbit-stream' | 'kafka'): Promise<boolean> {
  return node === 'kafka' ? (await localKafkaStatus()).ours !== undefined : (await streamNodeStatus()) !== undefined;
}

/** `bench brokers up` (local processes, never Docker: a container's pid is not ours to signal). */
async function bringUp(node: 'rabbit-stream' | 'kafka'): Promise<void> {
  if (!broughtUp.has(node) && !(await nodeIsUp(node))) broughtUp.add(node);
  const up = spawnSync(process.execPath, ['bin/bench.js', 'brokers', 'up', node, '--provision', 'local'], { encoding: 'utf8', timeout: 240_000 });
  if (up.status !== 0) throw new Error(`bench brokers up ${node}: exit ${up.status}: ${(up.stderr || up.stdout).trim().split('\n').pop()}`);
}

/** The JVM (kafka) or the Erlang VM (rabbit): the process whose crash or freeze is the broker's. */
async function managedPid(node: 'rabbit-stream' | 'kafka'): Promise<number> {
  if (node === 'kafka') {
    const status = await localKafkaStatus();
    if (!status.ours) throw new Error(status.reachable ? 'a Kafka on 9092 that mqbench did not start: left alone' : 'Kafka is not running on 9092');
    return status.ours.pid;
  }
  const beam = await privateRabbitBeamPid(streamNode.name);
  if (beam === undefined || !isPidAlive(beam)) throw new Error(`the private RabbitMQ node ${streamNode.name} has no running Erlang VM`);
  return beam;
}

async function managedBroker(name: ManagedName): Promise<BrokerUnderTest> {
  const { node, port, urlArgs } = managed[name];
  await bringUp(node);
  return { name, port, urlArgs, outlivesCell: true, pid: () => managedPid(node), restart: () => bringUp(node), release: async () => undefined };
}

function openBroker(name: BrokerName): Promise<BrokerUnderTest> {
  return name === 'nats' || name === 'redis' || name === 'mqtt' ? privateBroker(name) : managedBroker(name);
}

// ---------------------------------------------------------------------------------------------
// One run of bench and the moments the cell is timed by

interface Cell {
  broker: BrokerName;
  fault: Fault;
  delivery: Delivery;
}

/** Date.now() of what happened during the cell; absent when it did not happen. */
interface Moments {
  spawned: number;
  /** estimated from the first progress line after sending started (within 0.25 s: firstTickElapsedMs) */
  sendingStarted?: number;
  exited?: number;
}

interface BenchRun {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  lastStderrLine: () => string;
}

function benchArgs(cell: Cell, broker: BrokerUnderTest, outDir: string): string[] {
  return [
    'bin/bench.js', 'run', '--broker', cell.broker, '--scenario', cell.delivery,
    '--duration', `${run.durationS}s`, '--warmup', `${run.warmupS}s`, '--rate', String(run.rate),
    '--stall-timeout', `${run.stallTimeoutS}s`, '--drain-timeout', `${run.drainTimeoutS}s`,
    ...broker.urlArgs, '--out', outDir,
  ];
}

/** "warmup  3s elapsed", "measure  1m05s elapsed": seconds since sending started, whole. */
function elapsedOfProgressLine(line: string): number | undefined {
  const match = /\b(?:warmup|measure|drain)\s+(?:(\d+)m)?(\d+)s elapsed/.exec(line);
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2]) : undefined;
}

/**
 * How long sending had gone on at the first progress tick after it started, from the whole seconds
 * the line shows. That tick comes within 1 s of the start (bench ticks once a second), so a shown 0
 * means 0-0.5 s and a shown 1 means 0.5-1 s: the middle of each is within 0.25 s of the truth.
 */
function firstTickElapsedMs(shownSeconds: number): number {
  return shownSeconds <= 1 ? (shownSeconds === 0 ? 250 : 750) : shownSeconds * 1000;
}

/**
 * Spawns bench in a process group of its own (a HANG is killed with whatever it started); stdout and
 * stderr go to the cell's folder, and stderr's progress lines tell when sending started. stderr is a
 * pipe, so bench prints a plain line at each phase change instead of a bar.
 */
function startBench(args: string[], cellDir: string, moments: Moments): BenchRun {
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  onExit.set(`bench ${pid}`, () => signalPid(-pid, 'SIGKILL'));
  const stdout = openSync(join(cellDir, 'stdout.txt'), 'w');
  const stderr = openSync(join(cellDir, 'stderr.txt'), 'w');
  child.stdout?.on('data', (chunk: Buffer) => writeFileSync(stdout, chunk));
  let lines: string[] = [''];
  child.stderr?.on('data', (chunk: Buffer) => {
    writeFileSync(stderr, chunk);
    const parts = chunk.toString().split('\n');
    lines = [...lines.slice(0, -1), `${lines[lines.length - 1] ?? ''}${parts[0] ?? ''}`, ...parts.slice(1)].slice(-20);
    for (const line of lines.slice(0, -1)) {
      const elapsed = elapsedOfProgressLine(line);
      if (elapsed !== undefined && moments.sendingStarted === undefined) moments.sendingStarted = Date.now() - firstTickElapsedMs(elapsed);
    }
  });
  child.once('close', () => {
    closeSync(stdout);
    closeSync(stderr);
  });
  // 'exit', not 'close': a process bench left behind holding the pipes must not make bench look alive
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      moments.exited = Date.now();
      onExit.delete(`bench ${pid}`);
      resolve({ code, signal });
    }),
  );
  return { child, exited, lastStderrLine: () => lines.filter((l) => l.trim() !== '').pop() ?? '' };
}

/**
 * The latest moment a run may end without a fault counting against it: sending start (or, when no
 * progress line said so, spawn + a start-up allowance) + warmup + window + drain timeout. Past that
 * by the stall timeout + 5 s, the cell is a HANG (issue 29: "no cell hangs past its stall timeout plus 5 s").
 */
function hangDeadline(moments: Moments): number {
  const start = moments.sendingStarted ?? moments.spawned + startupAllowanceS * 1000;
  return start + (run.warmupS + run.durationS + run.drainTimeoutS + run.stallTimeoutS + hangGraceS) * 1000;
}

interface BenchExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  hang: boolean;
  /** processes of bench's group still there after it exited (killed then) */
  leftBehind: boolean;
}

/** Waits for bench to exit; at the hang deadline it is killed (SIGKILL to its group) and marked a HANG. */
async function awaitExitOrHang(bench: BenchRun, moments: Moments): Promise<BenchExit> {
  const group = -(bench.child.pid as number);
  let hang = false;
  while (moments.exited === undefined) {
    if (Date.now() > hangDeadline(moments)) {
      hang = true;
      signalPid(group, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
  const exit = await bench.exited;
  // signal 0 only asks whether any process of the group is left (a worker bench did not end)
  const leftBehind = !hang && signalPid(group, 0);
  if (leftBehind) signalPid(group, 'SIGKILL');
  return { ...exit, hang, leftBehind };
}

// ---------------------------------------------------------------------------------------------
// Faults

interface FaultRecord {
  injected: boolean;
  /** what the fault was timed by, or why it was not injected */
  trigger: string;
  brokerPid: number;
  /** seconds from spawn */
  atS: number | null;
  /** seconds from the estimated start of sending (negative: before it, as a setup kill should be); set once bench exited */
  afterSendingStartS: number | null;
  /** a freeze: seconds from spawn to SIGCONT */
  resumedAtS: number | null;
  /** a freeze: bench was still running when the broker was continued (after the whole freeze, or it would have exited first) */
  runningAtResume: boolean | null;
  /** the broker was killed: restart it before its leftovers are listed */
  killed: boolean;
}

/** Resolves when `ready()` is true, or false when bench exited first or `timeoutMs` passed. */
async function waitFor(ready: () => boolean, moments: Moments, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (moments.exited !== undefined || Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Sleeps until `at` (Date.now() ms); false when bench exited first (the fault would hit nothing of the run). */
async function sleepUntil(at: number, moments: Moments): Promise<boolean> {
  return waitFor(() => Date.now() >= at, moments, Math.max(0, at - Date.now()) + 1000);
}

/** When the fault is due, per kind; undefined (with the reason) when its moment never came. */
async function faultMoment(fault: Fault, broker: BrokerUnderTest, moments: Moments, connectionsBefore: number): Promise<{ at?: number; trigger: string }> {
  if (fault === 'setup-kill') {
    const connected = await waitFor(() => connectionsTo(broker.port) > connectionsBefore, moments, 30_000);
    if (!connected) return { trigger: `no connection to port ${broker.port} seen before bench exited or within 30 s` };
    return { at: Date.now() + faultTiming.setupKillDelayMs, trigger: `${faultTiming.setupKillDelayMs} ms after the first connection to port ${broker.port} (/proc/net/tcp)` };
  }
  const started = await waitFor(() => moments.sendingStarted !== undefined, moments, 60_000);
  if (!started || moments.sendingStarted === undefined) return { trigger: 'no progress line said sending started before bench exited' };
  if (fault === 'drain-freeze') {
    // the drain takes milliseconds on a healthy broker at this rate: a freeze that may land 0.25 s after
    // the window's end (the estimate's error) would miss it; one that lands by the end is there throughout
    const windowEnd = moments.sendingStarted + (run.warmupS + run.durationS) * 1000;
    return { at: windowEnd - faultTiming.drainFreezeLeadMs, trigger: `window end (sending start + ${run.warmupS + run.durationS} s) - ${faultTiming.drainFreezeLeadMs} ms` };
  }
  return { at: moments.sendingStarted + faultTiming.midRunS * 1000, trigger: `sending start + ${faultTiming.midRunS} s` };
}

/** SIGSTOP now; SIGCONT after the freeze, or as soon as bench exits (nothing of the run is left to hit). */
async function freeze(pid: number, moments: Moments): Promise<number> {
  signalPid(pid, 'SIGSTOP');
  onExit.set(`frozen ${pid}`, () => signalPid(pid, 'SIGCONT'));
  await waitFor(() => false, moments, faultTiming.freezeS * 1000);
  signalPid(pid, 'SIGCONT');
  onExit.delete(`frozen ${pid}`);
  return Date.now();
}

async function injectFault(fault: Fault, broker: BrokerUnderTest, brokerPid: number, moments: Moments, connectionsBefore: number): Promise<FaultRecord> {
  const record: FaultRecord = { injected: false, trigger: '', brokerPid, atS: null, afterSendingStartS: null, resumedAtS: null, runningAtResume: null, killed: false };
  const due = await faultMoment(fault, broker, moments, connectionsBefore);
  record.trigger = due.trigger;
  if (due.at === undefined) return record;
  if (!(await sleepUntil(due.at, moments))) {
    record.trigger += '; bench exited before then: not injected';
    return record;
  }
  const at = Date.now();
  record.injected = true;
  record.atS = secondsSince(moments.spawned, at);
  if (fault === 'setup-kill' || fault === 'kill') {
    record.killed = signalPid(brokerPid, 'SIGKILL');
  } else {
    record.resumedAtS = secondsSince(moments.spawned, await freeze(brokerPid, moments));
    record.runningAtResume = moments.exited === undefined;
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// What the run left: its result file, its counts, objects on the broker

/** The one result file bench wrote into the cell's folder, parsed; undefined when there is none. */
function readResult(resultsDir: string): { file: string; result: RunResult } | undefined {
  const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('.json')) : [];
  const file = files[0];
  if (file === undefined) return undefined;
  return { file: join(resultsDir, file), result: JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as RunResult };
}

const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Whether the counts add up, read from the result alone (not through mqbench's own checks, which
 * are what is being tested): every count a whole number >= 0; per stream, received - received
 * despite a send error + lost = expected; the streams sum to the totals; expected = (sent - send
 * errors) x subscriptions; no more acked than sent. With one subscription and no send errors this is
 * sent = received + lost.
 */
function countProblems(result: RunResult): string[] {
  const c = result.counts;
  const problems = Object.entries(c).filter(([, v]) => !isCount(v)).map(([k, v]) => `counts.${k} = ${String(v)}`);
  result.accounting.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) if (!isCount(v)) problems.push(`accounting[${i}].${k} = ${String(v)}`);
    if (row.received - row.receivedDespiteSendError + row.lost !== row.expected) problems.push(`accounting[${i}]: received ${row.received} - despite error ${row.receivedDespiteSendError} + lost ${row.lost} != expected ${row.expected}`);
  });
  for (const key of ['expected', 'received', 'lost', 'duplicated', 'receivedDespiteSendError'] as const) {
    const sum = result.accounting.reduce((n, row) => n + row[key], 0);
    if (sum !== c[key]) problems.push(`counts.${key} ${c[key]} != streams' sum ${sum}`);
  }
  const expected = (c.sent - c.sendErrors) * result.workload.subscriptions;
  if (expected !== c.expected) problems.push(`counts.expected ${c.expected} != (sent ${c.sent} - send errors ${c.sendErrors}) x ${result.workload.subscriptions} subscription(s)`);
  if (c.acked > c.sent) problems.push(`acked ${c.acked} > sent ${c.sent}`);
  return problems;
}

interface Listing {
  names: string[];
  error?: string;
}

/** `bench clean --dry-run --json` against the cell's broker: the mqbench-* objects on it now. */
function listObjects(broker: BrokerUnderTest): Listing {
  const args = ['bin/bench.js', 'clean', '--broker', broker.name, '--dry-run', '--json', ...broker.urlArgs];
  const listed = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  try {
    const outcome = (JSON.parse(listed.stdout) as { brokers: { objects: { name: string }[]; error?: string }[] }).brokers[0];
    return { names: outcome?.objects.map((o) => o.name) ?? [], ...(outcome?.error ? { error: outcome.error } : {}) };
  } catch {
    return { names: [], error: `bench clean exit ${listed.status}: ${(listed.stderr || listed.stdout).trim().split('\n').pop() ?? ''}` };
  }
}

/**
 * On the shared mqbench nodes, what the cell left is deleted after it is recorded, so the next cell
 * starts from the same broker (only the runs this cell created: their ids come from the names).
 */
function removeObjects(broker: BrokerUnderTest, names: readonly string[]): void {
  const runs = [...new Set(names.map((name) => name.split('.')[0] ?? name))];
  if (runs.length === 0) return;
  spawnSync(process.execPath, ['bin/bench.js', 'clean', '--broker', broker.name, '--run', runs.join(','), '--force', ...broker.urlArgs], { encoding: 'utf8', timeout: 120_000 });
}

// ---------------------------------------------------------------------------------------------
// A cell, from a fresh (or known) broker to its record

interface CellRecord extends Cell {
  command: string;
  /** wall clock at spawn, to set the seconds below beside the result's startedAt and finishedAt */
  spawnedAt: string | null;
  exitCode: number | null;
  /** the signal that ended bench (SIGKILL after a HANG), else null */
  signal: string | null;
  hang: boolean;
  /** processes of bench's group left after it exited */
  leftBehind: boolean;
  /** from spawn to exit (a HANG: to when it was killed) */
  secondsToExit: number | null;
  /** seconds from spawn to the estimated start of sending; null when no progress line said */
  sendingStartedS: number | null;
  injection: FaultRecord;
  result: { file: string; status: string; error: string | null } | null;
  counts: RunResult['counts'] | null;
  countsExact: boolean | null;
  countProblems: string[];
  /** objects the run left on the broker (after a kill: on the restarted broker); null when the listing failed */
  leftovers: string[] | null;
  leftoversError: string | null;
  lastStderrLine: string;
  flags: string[];
}

/** What the matrix calls out: the issue's two rules, and exit codes that disagree with the result. */
function flagsOf(record: CellRecord): string[] {
  const flags: string[] = [];
  if (record.hang) flags.push('HANG');
  if (record.exitCode === 0 && !record.result) flags.push('EXIT 0 WITHOUT RESULT');
  if (record.exitCode === 0 && record.result && record.result.status !== 'completed') flags.push(`EXIT 0 WITH STATUS ${record.result.status}`);
  if (record.exitCode === 0 && record.delivery === 'ack' && (record.counts?.lost ?? 0) > 0) flags.push('EXIT 0 WITH LOST MESSAGES (ack)');
  if (record.countsExact === false) flags.push('COUNTS NOT EXACT');
  if (record.leftBehind) flags.push('PROCESSES LEFT BEHIND');
  if (!record.injection.injected) flags.push('FAULT NOT INJECTED');
  return flags;
}

async function runCell(cell: Cell, broker: BrokerUnderTest, cellDir: string): Promise<CellRecord> {
  const resultsDir = join(cellDir, 'result');
  mkdirSync(resultsDir, { recursive: true });
  const before = listObjects(broker);
  const brokerPid = await broker.pid();
  const connectionsBefore = connectionsTo(broker.port);
  const args = benchArgs(cell, broker, resultsDir);
  const moments: Moments = { spawned: Date.now() };
  const bench = startBench(args, cellDir, moments);
  const faultDone = injectFault(cell.fault, broker, brokerPid, moments, connectionsBefore);
  const exit = await awaitExitOrHang(bench, moments);
  // a freeze ends (SIGCONT) once bench is gone, so this waits for the broker to run again
  const injection = await faultDone;
  if (injection.atS !== null && moments.sendingStarted !== undefined) injection.afterSendingStartS = secondsSince(moments.sendingStarted, moments.spawned + injection.atS * 1000);
  if (injection.killed) await broker.restart();
  const written = readResult(resultsDir);
  const after = listObjects(broker);
  const leftovers = after.names.filter((name) => !before.names.includes(name));
  const problems = written ? countProblems(written.result) : [];
  const record: CellRecord = {
    ...cell,
    // recorded without a URL's user and password (even guest's)
    command: `node ${args.map((arg) => (/^[a-z-]+:\/\//i.test(arg) ? redactUrl(arg) : arg)).join(' ')}`,
    spawnedAt: new Date(moments.spawned).toISOString(),
    exitCode: exit.code,
    signal: exit.signal,
    hang: exit.hang,
    leftBehind: exit.leftBehind,
    secondsToExit: secondsSince(moments.spawned, moments.exited),
    sendingStartedS: secondsSince(moments.spawned, moments.sendingStarted),
    injection,
    result: written ? { file: written.file, status: written.result.status, error: 'error' in written.result ? written.result.error : null } : null,
    counts: written?.result.counts ?? null,
    countsExact: written ? problems.length === 0 : null,
    countProblems: problems,
    leftovers: after.error ? null : leftovers,
    leftoversError: after.error ?? before.error ?? null,
    lastStderrLine: bench.lastStderrLine(),
    flags: [],
  };
  record.flags = flagsOf(record);
  if (broker.outlivesCell) removeObjects(broker, leftovers);
  return record;
}

// ---------------------------------------------------------------------------------------------
// The table

interface Header {
  date: string;
  commit: string;
  machine: { hostname: string; os: string; cpu: string; cores: number; memoryGiB: number; node: string };
  run: typeof run;
  faultTiming: typeof faultTiming;
  startupAllowanceS: number;
  hangGraceS: number;
}

function headerOf(): Header {
  const git = (args: string[]): string => spawnSync('git', args, { encoding: 'utf8' }).stdout.trim();
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' (with uncommitted changes)';
  return {
    date: new Date().toISOString(),
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty}`,
    machine: { hostname: hostname(), os: `Linux ${release()}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    run,
    faultTiming,
    startupAllowanceS,
    hangGraceS,
  };
}

function countsCell(record: CellRecord): string {
  if (record.countsExact === null) return '-';
  const c = record.counts;
  const figures = c ? ` (sent ${c.sent}, received ${c.received}, lost ${c.lost}${c.sendErrors ? `, send errors ${c.sendErrors}` : ''})` : '';
  return `${record.countsExact ? 'yes' : `NO: ${record.countProblems.join('; ')}`}${figures}`;
}

/** A freeze: whether bench ended on its own while the broker was frozen, or was still there when it ran again. */
function resumeText(injection: FaultRecord): string {
  if (injection.resumedAtS === null) return '';
  return injection.runningAtResume ? `; SIGCONT at ${injection.resumedAtS} s with bench still running` : '; bench exited while the broker was frozen';
}

function rowOf(record: CellRecord): string {
  const exit = record.hang ? `HANG (killed at ${record.secondsToExit} s)` : String(record.exitCode ?? `signal ${record.signal}`);
  const result = record.result ? `${record.result.status}${record.result.error ? `: ${record.result.error}` : ''}` : 'none';
  const leftovers = record.leftovers === null ? `unknown (${record.leftoversError})` : record.leftovers.length === 0 ? 'none' : record.leftovers.join(', ');
  const { injection } = record;
  const fault = injection.injected ? `${injection.atS} s (${injection.afterSendingStartS ?? '?'} s after sending started)${resumeText(injection)}` : `not injected: ${injection.trigger}`;
  const columns = [record.broker, record.fault, record.delivery, exit, record.hang ? '-' : String(record.secondsToExit), result, countsCell(record), leftovers, fault, record.flags.join(', ') || '-'];
  // a '|' inside a cell (an error line) would split the Markdown row
  return `| ${columns.map((c) => c.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`;
}

function markdownOf(header: Header, records: readonly CellRecord[]): string {
  const m = header.machine;
  const lines = [
    '# Fault matrix (issue 29)',
    '',
    `${header.date}, commit ${header.commit}, ${m.hostname}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}.`,
    '',
    `Each cell: \`bench run --duration ${run.durationS}s --warmup ${run.warmupS}s --rate ${run.rate} --stall-timeout ${run.stallTimeoutS}s --drain-timeout ${run.drainTimeoutS}s\` against a broker process of the matrix's own (command per cell in summary.json). ` +
      `Faults: setup-kill = SIGKILL ${faultTiming.setupKillDelayMs} ms after the run's first TCP connection to the broker; kill = SIGKILL ${faultTiming.midRunS} s after sending started; ` +
      `freeze = SIGSTOP ${faultTiming.midRunS} s after sending started, SIGCONT ${faultTiming.freezeS} s later (or when bench exits, if sooner); drain-freeze = SIGSTOP at the window's end less ${faultTiming.drainFreezeLeadMs} ms (so that the broker is frozen before the drain begins, whatever the estimate's error), SIGCONT as freeze. ` +
      `Sending start is estimated from bench's progress lines (within about 0.25 s). HANG: still running ${run.stallTimeoutS + hangGraceS} s (stall timeout + ${hangGraceS} s) past sending start + warmup + window + drain timeout (spawn + ${startupAllowanceS} s when sending never started); killed. ` +
      'Counts exact: every count whole and >= 0, per stream received - received despite a send error + lost = expected, streams sum to the totals, expected = (sent - send errors) x subscriptions. ' +
      'Leftovers: `bench clean --dry-run --json` on the same broker after the run (after a kill: restarted; a frozen broker continued first), objects that were not there before the cell.',
    '',
    '| broker | fault | delivery | exit | time to exit (s) | result | counts exact | leftovers | fault injected at (s from spawn) | flags |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...records.map(rowOf),
    '',
  ];
  const flagged = records.filter((r) => r.flags.length > 0).length;
  lines.push(`${records.length} cell(s), ${flagged} flagged; ${records.filter((r) => r.hang).length} HANG, ${records.filter((r) => r.flags.includes('EXIT 0 WITHOUT RESULT')).length} exit 0 without a result.`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The matrix

function cellsOf(options: Options): Cell[] {
  return options.brokers.flatMap((broker) => options.faults.flatMap((fault) => options.deliveries.map((delivery) => ({ broker, fault, delivery }))));
}

/** A cell whose broker could not be brought up: in the table with the reason, never silently missing. */
function notRun(cell: Cell, reason: string): CellRecord {
  const injection: FaultRecord = { injected: false, trigger: reason, brokerPid: 0, atS: null, afterSendingStartS: null, resumedAtS: null, runningAtResume: null, killed: false };
  return { ...cell, command: '', spawnedAt: null, exitCode: null, signal: null, hang: false, leftBehind: false, secondsToExit: null, sendingStartedS: null, injection, result: null, counts: null, countsExact: null, countProblems: [], leftovers: null, leftoversError: reason, lastStderrLine: '', flags: [`NOT RUN: ${reason}`] };
}

async function cellRecord(cell: Cell, out: string): Promise<CellRecord> {
  const cellDir = join(out, 'cells', `${cell.broker}-${cell.fault}-${cell.delivery}`);
  rmSync(cellDir, { recursive: true, force: true });
  mkdirSync(cellDir, { recursive: true });
  let broker: BrokerUnderTest | undefined;
  try {
    broker = await openBroker(cell.broker);
    return await runCell(cell, broker, cellDir);
  } catch (error) {
    return notRun(cell, (error as Error).message.split('\n')[0] ?? String(error));
  } finally {
    await broker?.release();
  }
}

function writeSummaries(out: string, header: Header, records: readonly CellRecord[]): void {
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify({ ...header, cells: records }, null, 2)}\n`);
  writeFileSync(join(out, 'summary.md'), markdownOf(header, records));
}

function listCells(options: Options): void {
  const placeholder: BrokerUnderTest = { name: 'redis', port: 0, urlArgs: ['<private broker URL>'], outlivesCell: false, pid: async () => 0, restart: async () => undefined, release: async () => undefined };
  for (const cell of cellsOf(options)) process.stdout.write(`${cell.broker} ${cell.fault} ${cell.delivery}: node ${benchArgs(cell, placeholder, join(options.out, 'cells', '...')).join(' ')}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.list) return listCells(options);
  mkdirSync(options.out, { recursive: true });
  const header = headerOf();
  const records: CellRecord[] = [];
  for (const cell of cellsOf(options)) {
    process.stderr.write(`${cell.broker} ${cell.fault} ${cell.delivery} ...\n`);
    const record = await cellRecord(cell, options.out);
    records.push(record);
    // written after every cell: an interrupted matrix keeps what it measured
    writeSummaries(options.out, header, records);
    process.stderr.write(`  exit ${record.hang ? 'HANG' : (record.exitCode ?? record.signal)} after ${record.secondsToExit} s, result ${record.result?.status ?? 'none'}${record.flags.length ? `, flags: ${record.flags.join(', ')}` : ''}\n`);
  }
  for (const node of broughtUp) spawnSync(process.execPath, ['bin/bench.js', 'brokers', 'down', node], { encoding: 'utf8', timeout: 120_000 });
  process.stdout.write(markdownOf(header, records));
}

await main();
