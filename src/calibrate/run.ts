/** `bench calibrate`: native tool and mqbench interleaved, round by round, on the same broker. */
import { randomBytes } from 'node:crypto';
import { planRun, type RunPlan } from '../plan/index.js';
import { runPlan } from '../run/benchmark.js';
import { findPlugin } from '../drivers/index.js';
import { BrokerUnreachableError, RunAbortedError, UsageError } from '../errors.js';
import { hostPortOf, portAnswers } from '../provision/probe.js';
import { describeEnvironment } from '../results/environment.js';
import type { Environment, RunResult } from '../results/types.js';
import { redactUrl } from '../util/redact.js';
import { findNativeTool } from './index.js';
import { checkJava, ensureJar } from '../drivers/native-tool/java.js';
import { ratio, summarize } from '../drivers/native-tool/stats.js';
import type { CalibrationCase, CalibrationRow, CalibrationSample, CalibrationWorkload, NativeTool } from '../drivers/native-tool/types.js';

export interface CalibrationRequest {
  broker: string;
  size?: string | number;
  partitions?: string | number;
  rounds?: string | number;
  duration?: string;
}

export interface CalibrationPlan {
  tool: NativeTool;
  workload: CalibrationWorkload;
  cases: CalibrationCase[];
  /** mqbench's side of each case, planned once (by case id) */
  runs: ReadonlyMap<string, RunPlan>;
  rounds: number;
  url: string;
  /** the run option that names the URL for mqbench (the plug-in's endpoint option) */
  urlOption: string;
}

export interface CalibrationReport {
  kind: 'mqbench-calibration';
  version: 1;
  id: string;
  startedAt: string;
  finishedAt: string;
  broker: string;
  url: string;
  /** the Node client mqbench measured with, from its results */
  client: { name: string; version: string };
  brokerVersion: string;
  nativeTool: string;
  workload: CalibrationWorkload & { rounds: number };
  environment: Environment;
  cases: { id: string; title: string; note?: string; scenario: string; mqbench: Record<string, string | number | boolean>; native: string[] }[];
  samples: CalibrationSample[];
  rows: CalibrationRow[];
}

/** --rounds, checked: a whole number from 1 to 100 (the floor's rounds too). */
export function parseRounds(raw: string | number | undefined): number {
  const n = typeof raw === 'number' ? raw : raw === undefined ? 3 : /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`--rounds: must be a whole number from 1 to 100, got "${String(raw)}"`);
  return n;
}

/** mqbench's options for one case: the shared workload, the URL, and the case's own. */
function mqbenchOptions(plan: Pick<CalibrationPlan, 'url' | 'urlOption'>, request: CalibrationRequest, which: CalibrationCase): Record<string, string | number | boolean> {
  const shared: Record<string, string | number | boolean> = { partitions: request.partitions ?? 1, [plan.urlOption]: plan.url };
  if (request.size !== undefined) shared.size = request.size;
  if (request.duration !== undefined) shared.duration = request.duration;
  return { ...shared, ...which.mqbench };
}

/** Every check that needs no broker and no Java: bad input fails here with one line (exit 2). */
export function planCalibration(request: CalibrationRequest): CalibrationPlan {
  const rounds = parseRounds(request.rounds);
  const tool = findNativeTool(request.broker);
  const endpoint = findPlugin(tool.broker).endpoint;
  if (!endpoint) throw new UsageError(`${tool.broker} has no network endpoint to calibrate against`);
  const url = process.env[endpoint.env] ?? endpoint.defaultUrl;
  const base = { url, urlOption: endpoint.option };
  const { workload: resolved } = planRun({ ...mqbenchOptions(base, request, { id: '', title: '', scenario: 'noack', mqbench: {}, metrics: [] }), broker: tool.broker, scenario: 'noack' });
  const workload: CalibrationWorkload = {
    size: resolved.messageSize,
    partitions: resolved.partitions,
    durationSec: Math.max(1, Math.round(resolved.durationUs / 1e6)),
    warmupSec: Math.round(resolved.warmupUs / 1e6),
  };
  const cases = tool.cases(workload);
  const runs = new Map(cases.map((which) => [which.id, planRun({ ...mqbenchOptions(base, request, which), broker: tool.broker, scenario: which.scenario })]));
  return { tool, workload, cases, runs, rounds, ...base };
}

/** What the machine and the broker must offer before anything runs. */
async function checkReady(plan: CalibrationPlan, log: (line: string) => void): Promise<void> {
  await ensureJar(plan.tool.jar, plan.tool.obtainHint, log);
  await checkJava();
  await checkBrokerAnswers(plan.tool.broker, plan.url, 'calibrate');
}

/** A broker answers at `url` (its plug-in's default port when the URL has none), or one line (exit 3) naming `needs`. */
export async function checkBrokerAnswers(broker: string, url: string, needs: string): Promise<void> {
  const defaultUrl = findPlugin(broker).endpoint?.defaultUrl ?? '';
  const { host, port } = hostPortOf(url, hostPortOf(defaultUrl, 0).port);
  if (!(await portAnswers(host, port, 3000))) {
    throw new BrokerUnreachableError(`no ${broker} broker answers at ${redactUrl(url)}: ${needs} needs a running broker (\`npx bench brokers up ${broker}\`)`);
  }
}

async function runMqbench(plan: CalibrationPlan, which: CalibrationCase): Promise<RunResult> {
  const run = plan.runs.get(which.id);
  if (!run) throw new Error(`calibration case ${which.id} was not planned`);
  const result = await runPlan(run);
  if (result.status === 'aborted' || result.status === 'errored') throw new RunAbortedError(`mqbench ${which.title}: ${result.status}: ${result.error}`);
  return result;
}

function valuesOf(which: CalibrationCase, result: RunResult): Record<string, number> {
  return Object.fromEntries(which.metrics.map((m) => [m.id, m.fromMqbench(result)]));
}

function rowsOf(plan: CalibrationPlan, samples: readonly CalibrationSample[]): CalibrationRow[] {
  return plan.cases.flatMap((which) =>
    which.metrics.map((metric) => {
      const side = (name: 'native' | 'mqbench'): number[] =>
        samples.filter((s) => s.case === which.id && s.side === name).map((s) => s.values[metric.id]).filter((v): v is number => v !== undefined);
      const native = summarize(side('native'));
      const mqbench = summarize(side('mqbench'));
      return { case: which.id, title: which.title, metric: metric.id, label: metric.label, unit: metric.unit, native, mqbench, ratio: ratio(mqbench.median, native.median), rounds: Math.min(native.n, mqbench.n) };
    }),
  );
}

/** Rounds of (native, mqbench) per case, strictly alternating so drift in the machine hits both. */
export async function runCalibration(plan: CalibrationPlan, log: (line: string) => void): Promise<CalibrationReport> {
  await checkReady(plan, log);
  const startedAt = new Date().toISOString();
  const samples: CalibrationSample[] = [];
  const commands = new Map<string, string[]>();
  let last: RunResult | undefined;
  for (let round = 1; round <= plan.rounds; round++) {
    for (const which of plan.cases) {
      log(`round ${round}/${plan.rounds}, ${which.title}: native ...`);
      const native = await plan.tool.run(which, plan.workload, plan.url);
      commands.set(which.id, native.commands.map((c) => c.split(plan.url).join('<url>')));
      samples.push({ round, case: which.id, side: 'native', values: native.values });
      log(`round ${round}/${plan.rounds}, ${which.title}: mqbench ...`);
      last = await runMqbench(plan, which);
      samples.push({ round, case: which.id, side: 'mqbench', values: valuesOf(which, last), resultId: last.id, status: last.status, client: `${last.broker.client.name} ${last.broker.client.version}` });
    }
  }
  return {
    kind: 'mqbench-calibration',
    version: 1,
    id: randomBytes(4).toString('hex'),
    startedAt,
    finishedAt: new Date().toISOString(),
    broker: plan.tool.broker,
    url: redactUrl(plan.url),
    client: last?.broker.client ?? { name: 'unknown', version: 'unknown' },
    brokerVersion: last?.broker.version ?? 'unknown',
    nativeTool: plan.tool.describe(),
    workload: { ...plan.workload, rounds: plan.rounds },
    environment: describeEnvironment(),
    cases: plan.cases.map((c) => ({ id: c.id, title: c.title, scenario: c.scenario, mqbench: { ...c.mqbench }, native: commands.get(c.id) ?? [], ...(c.note ? { note: c.note } : {}) })),
    samples,
    rows: rowsOf(plan, samples),
  };
}
