/**
 * The load generator's CPU per message at fixed rates, mqbench beside RabbitMQ's PerfTest, in one
 * sitting (issue 28): rounds interleaved, each round runs every rate for mqbench on the in-memory
 * broker, mqbench on RabbitMQ (in one process, and with --workers 2: producer and consumer in
 * processes of their own) and PerfTest on RabbitMQ, all noack, 100 B, one producer and one consumer.
 * Every tool's figure is measured the same way: its process tree's CPU (utime + stime in /proc) over
 * the same 10 s after a 5 s start, divided by the messages sent in those seconds (PerfTest's
 * per-second lines; mqbench's asked rate, checked against what it sent). mqbench's own figure (its
 * result's client CPU over the measured window) is given beside it. Writes one JSON per run and a
 * summary (summary.json, summary.md) to the output folder.
 *
 *   npx tsx scripts/cpu-per-message.ts [--rounds 3] [--rates 2000,5000] [--out results/baselines/cpu-per-message]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, rates: { type: 'string', default: '2000,5000' }, out: { type: 'string', default: 'results/baselines/cpu-per-message' } } });
const rounds = Number(values.rounds);
const rates = values.rates.split(',').map(Number);
const out = values.out;
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const windowStartSec = 5;
const windowSec = 10;

interface Figure {
  tool: string;
  rate: number;
  round: number;
  cpuPerMessageUs: number;
  /** mqbench's own figure (its result): with --workers, without the parent process */
  ownCpuPerMessageUs?: number;
  sendDelayP99Us?: number;
  sendDelayP999Us?: number;
  eventLoopP99Us?: number;
  endToEndP50Us?: number;
  endToEndP99Us?: number;
}

/** mqbench's tools: the broker, and extra options (--workers 2: the producer alone in its process). */
const mqbenchTools = [
  { tool: 'mqbench memory', broker: 'memory', extra: [] as string[] },
  { tool: 'mqbench rabbit', broker: 'rabbit', extra: [] as string[] },
  { tool: 'mqbench rabbit --workers 2', broker: 'rabbit', extra: ['--workers', '2'] },
];

/**
 * One mqbench run. Two CPU figures: its own (the participants' CPU over the measured window, from
 * its result: with --workers it leaves out the parent process) and the whole process tree's over the
 * same seconds as PerfTest's (from /proc), divided by the messages scheduled in them.
 */
async function mqbench(spec: (typeof mqbenchTools)[number], rate: number, round: number): Promise<Figure> {
  const args = ['bin/bench.js', 'run', '--broker', spec.broker, '--scenario', 'noack', '--rate', String(rate), '--duration', `${windowStartSec + windowSec}s`, '--warmup', '2s', '--no-progress', '--json', ...spec.extra];
  const { stdout, stderr, status, cpuUs } = await runMeasured(process.execPath, args);
  if (status !== 0) throw new Error(`${spec.tool} ${rate}: exit ${status}: ${stderr.trim().split('\n').pop()}`);
  writeFileSync(join(out, `${spec.tool.replace(/[^a-z0-9]+/g, '-')}-${rate}-${round}.json`), stdout);
  const result = JSON.parse(stdout);
  if (Math.abs(result.openLoop.achievedSendPerSec - rate) > rate * 0.01) process.stderr.write(`${spec.tool} ${rate}: sent ${result.openLoop.achievedSendPerSec} msg/s, not the asked rate: its tree figure counts the asked rate\n`);
  return {
    tool: spec.tool,
    rate,
    round,
    cpuPerMessageUs: cpuUs / (rate * windowSec),
    ownCpuPerMessageUs: result.client.cpuPerMessageUs,
    sendDelayP99Us: result.latencyUs.sendDelay.p99,
    sendDelayP999Us: result.latencyUs.sendDelay.p999,
    eventLoopP99Us: result.client.eventLoopDelayP99Us,
    endToEndP50Us: result.latencyUs.endToEnd.p50,
    endToEndP99Us: result.latencyUs.endToEnd.p99,
  };
}

/** utime + stime of a process, its threads and every process below it, in microseconds. */
function treeCpuUsOf(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    try {
      total += cpuUsOf(pid);
    } catch {
      // gone meanwhile
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** utime + stime of a process and all its threads, in microseconds. */
function cpuUsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a tool to its end; `cpuUs` is its process tree's CPU over the measured window (5 s after start, 10 s long). */
async function runMeasured(command: string, args: string[]): Promise<{ stdout: string; stderr: string; status: number | null; cpuUs: number }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': the exit can come before the last of its output has been read
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await sleep(windowStartSec * 1000);
  const before = treeCpuUsOf(child.pid as number);
  await sleep(windowSec * 1000);
  const after = treeCpuUsOf(child.pid as number);
  const status = await exited;
  return { stdout, stderr, status, cpuUs: after - before };
}

async function perfTest(rate: number, round: number): Promise<Figure> {
  const args = ['-cp', 'brokers/tools/lib/*', 'com.rabbitmq.perf.PerfTest', '-x', '1', '-y', '1', '-a', '-r', String(rate), '-s', '100', '-z', String(windowStartSec + windowSec + 2), '-h', 'amqp://guest:guest@127.0.0.1:5672'];
  const { stdout, status, cpuUs } = await runMeasured('java', args);
  writeFileSync(join(out, `perftest-${rate}-${round}.txt`), stdout);
  if (status !== 0) throw new Error(`PerfTest ${rate}: exit ${status}`);
  const seconds = [...stdout.matchAll(/time:? ([\d.]+) ?s, sent: (\d+) msg\/s/g)].map((m) => ({ time: Number(m[1]), sent: Number(m[2]) }));
  const inWindow = seconds.filter((s) => s.time > windowStartSec && s.time <= windowStartSec + windowSec);
  const sent = inWindow.reduce((sum, s) => sum + s.sent, 0);
  return { tool: 'PerfTest rabbit', rate, round, cpuPerMessageUs: cpuUs / sent };
}

const medianOf = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function summarise(figures: Figure[]): string {
  const keys = ['cpuPerMessageUs', 'ownCpuPerMessageUs', 'sendDelayP99Us', 'sendDelayP999Us', 'eventLoopP99Us', 'endToEndP50Us', 'endToEndP99Us'] as const;
  const lines = [`| tool | rate (msg/s) | CPU per message (us), whole process tree, median [min-max] | mqbench's own figure (us) | send delay p99 / p99.9 (us) | event-loop p99 (us) | end-to-end p50 / p99 (us) |`, '|---|---|---|---|---|---|---|'];
  for (const rate of rates) {
    for (const tool of [...mqbenchTools.map((t) => t.tool), 'PerfTest rabbit']) {
      const runs = figures.filter((f) => f.rate === rate && f.tool === tool);
      const med = Object.fromEntries(keys.map((k) => [k, runs.some((r) => r[k] !== undefined) ? medianOf(runs.map((r) => r[k] as number)) : undefined]));
      const cpu = runs.map((r) => r.cpuPerMessageUs);
      const show = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));
      lines.push(`| ${tool} | ${rate} | ${show(med.cpuPerMessageUs)} [${show(Math.min(...cpu))}-${show(Math.max(...cpu))}] | ${show(med.ownCpuPerMessageUs)} | ${show(med.sendDelayP99Us)} / ${show(med.sendDelayP999Us)} | ${show(med.eventLoopP99Us)} | ${show(med.endToEndP50Us)} / ${show(med.endToEndP99Us)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

mkdirSync(out, { recursive: true });
const figures: Figure[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const rate of rates) {
    for (const spec of mqbenchTools) figures.push(await mqbench(spec, rate, round));
    figures.push(await perfTest(rate, round));
    process.stderr.write(`round ${round} rate ${rate}: ${figures.slice(-(mqbenchTools.length + 1)).map((f) => `${f.tool} ${f.cpuPerMessageUs.toFixed(1)} us`).join(', ')}\n`);
  }
}
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
writeFileSync(join(out, 'summary.json'), `${JSON.stringify({ commit, date: new Date().toISOString(), rounds, rates, figures }, null, 2)}\n`);
writeFileSync(join(out, 'summary.md'), summarise(figures));
process.stdout.write(summarise(figures));
