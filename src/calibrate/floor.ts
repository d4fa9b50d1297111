/**
 * `bench calibrate --floor`: the harness's noise floor. The same open-loop schedule runs against the
 * in-memory broker (nothing but mqbench) at each rate, round by round; with --broker, the broker runs
 * it too, interleaved run by run, so that drift in the machine hits both sides alike.
 */
import { randomBytes } from 'node:crypto';
import { findPlugin, plugins } from '../drivers/index.js';
import { RunAbortedError, UsageError } from '../errors.js';
import { planRun, type RunPlan } from '../plan/index.js';
import { describeEnvironment } from '../results/environment.js';
import type { RunResult } from '../results/types.js';
import { runPlan } from '../run/benchmark.js';
import { formatCount } from '../util/format.js';
import { redactUrl } from '../util/redact.js';
import { checkBrokerAnswers, parseRounds } from './run.js';
import { floorRows, floorSide, floorValuesOf, parseRates, type FloorReport, type FloorSample, type FloorWorkload } from './floor-report.js';

export interface FloorRequest {
  /** a broker with a network endpoint to run beside the floor */
  broker?: string;
  rates?: string;
  size?: string | number;
  rounds?: string | number;
  duration?: string;
}

/** One run of the schedule: a rate on one side, planned before anything runs. */
export interface FloorRun {
  rate: number;
  side: string;
  plan: RunPlan;
}

export interface FloorPlan {
  workload: FloorWorkload;
  /** per rate: the floor's run, then the broker's (when named); every round runs them all in this order */
  runs: FloorRun[];
  /** the side names in row order: memory first */
  sides: string[];
  broker?: { name: string; url: string };
}

/** The floor's scenario: no acknowledgements, so nothing but send, route and receive is measured. */
const scenario = 'noack';
/** Fixed rather than the run default: the floor's figures must not move when that default does. */
const warmup = '2s';

/** The broker beside the floor: any plug-in reached over the network, at its URL from the environment or its default. */
function brokerOf(name: string): { name: string; url: string; urlOption: string } {
  const plugin = findPlugin(name);
  const endpoint = plugin.endpoint;
  if (!endpoint) {
    const networked = plugins.filter((p) => p.endpoint).map((p) => p.name);
    throw new UsageError(`--broker: ${plugin.name} has no network endpoint to set beside the floor; --floor --broker takes ${networked.join(', ')}`);
  }
  return { name: plugin.name, url: process.env[endpoint.env] ?? endpoint.defaultUrl, urlOption: endpoint.option };
}

/** Every run planned up front with planRun: bad input fails here with one line (exit 2), before anything runs. */
export function planFloor(request: FloorRequest): FloorPlan {
  const rounds = parseRounds(request.rounds);
  const rates = parseRates(request.rates);
  const broker = request.broker === undefined ? undefined : brokerOf(request.broker);
  const shared = { scenario, warmup, ...(request.size !== undefined && { size: request.size }), ...(request.duration !== undefined && { duration: request.duration }) };
  const runs = rates.flatMap((rate) => {
    const floor: FloorRun = { rate, side: floorSide, plan: planRun({ ...shared, rate, broker: floorSide }) };
    if (!broker) return [floor];
    // named by its URL option, so the run uses the broker that answers there and never starts one
    return [floor, { rate, side: broker.name, plan: planRun({ ...shared, rate, broker: broker.name, [broker.urlOption]: broker.url }) }];
  });
  const first = (runs[0] as FloorRun).plan.workload;
  const workload: FloorWorkload = { size: first.messageSize, durationSec: first.durationUs / 1e6, warmupSec: first.warmupUs / 1e6, rounds, rates };
  return { workload, runs, sides: broker ? [floorSide, broker.name] : [floorSide], ...(broker && { broker: { name: broker.name, url: broker.url } }) };
}

/** One run, as calibrate's mqbench side: an aborted or errored run ends the command, never becomes a row. */
async function runOnce(run: FloorRun, round: number): Promise<{ sample: FloorSample; result: RunResult }> {
  const result = await runPlan(run.plan);
  const what = `floor ${run.side} at ${run.rate} msg/s, round ${round}`;
  if (result.status === 'aborted' || result.status === 'errored') throw new RunAbortedError(`${what}: ${result.status}: ${result.error}`);
  const values = floorValuesOf(result);
  if (!values) throw new RunAbortedError(`${what}: the run measured no client cost`);
  const open = result.openLoop;
  const sample: FloorSample = {
    round,
    rate: run.rate,
    side: run.side,
    resultId: result.id,
    status: result.status,
    achievedSendPerSec: open?.achievedSendPerSec ?? result.throughput.sentPerSec,
    targetReached: open?.targetReached ?? false,
    values,
  };
  return { sample, result };
}

/** Rounds of every planned run in order (per rate: floor, broker), then one row per rate and side. */
export async function runFloor(plan: FloorPlan, log: (line: string) => void): Promise<FloorReport> {
  if (plan.broker) await checkBrokerAnswers(plan.broker.name, plan.broker.url, '--floor --broker');
  const startedAt = new Date().toISOString();
  const samples: FloorSample[] = [];
  let brokerResult: RunResult | undefined;
  for (let round = 1; round <= plan.workload.rounds; round++) {
    for (const run of plan.runs) {
      log(`round ${round}/${plan.workload.rounds}, ${formatCount(run.rate)} msg/s: ${run.side} ...`);
      const { sample, result } = await runOnce(run, round);
      samples.push(sample);
      if (run.side !== floorSide) brokerResult = result;
    }
  }
  const broker = plan.broker && brokerResult && { name: plan.broker.name, url: redactUrl(plan.broker.url), version: brokerResult.broker.version, client: brokerResult.broker.client };
  return {
    kind: 'mqbench-floor',
    version: 1,
    id: randomBytes(4).toString('hex'),
    startedAt,
    finishedAt: new Date().toISOString(),
    ...(broker && { broker }),
    environment: describeEnvironment(),
    workload: plan.workload,
    samples,
    rows: floorRows(plan.workload.rates, plan.sides, samples),
  };
}
