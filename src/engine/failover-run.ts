/**
 * The failover decorator of the in-process run mode: the same run, with the fault plan started when
 * the measured window starts, and the result's `events` and `failover` block.
 */
import type { Driver, Topology } from '../drivers/types.js';
import type { FailoverPlan } from '../faults/failover-endpoint.js';
import { runFaultPlan } from '../faults/index.js';
import { analyseFailover } from '../metrics/failover.js';
import { divergenceOf } from '../metrics/divergence.js';
import { analysePopulations, type PlacedClients, type PopulationInputs } from '../metrics/populations.js';
import type { PopulationOutcome, RunEvent, Workload } from '../results/types.js';
import { placeClients, type Placement } from './client-placement.js';
import { nowUs, withTimeout } from '../util/clock.js';
import type { Measurement } from './merge.js';
import { runInProcess, type InProcessRun } from './in-process.js';
import type { RunHooks, RunMode } from './run.js';
import { plural } from '../util/plural.js';

/** Restoring a node (a restart, a rejoin) may take a while; the run waits for it before teardown. */
const restorePatienceMs = 120_000;
/** broker-reported events kept per run */
const maxBrokerReports = 100;

/** The in-process mode, decorated with the fault plan. */
export function failoverMode(workload: Workload, failover: FailoverPlan, hooks: RunHooks): RunMode<Measurement> {
  return {
    measure: (driver, topology) => runWithFailover(driver, workload, failover, topology, hooks),
    aborted: (measurement) => measurement.status === 'aborted',
  };
}

/**
 * Runs the workload in this process with the fault plan started when the measured window starts;
 * driver events and the plan's events are stamped on the run's clock, and the result gets its
 * `events` and `failover` block. The plan is stopped (restoring what it did) when the run ends first.
 */
async function runWithFailover(driver: Driver, workload: Workload, failover: FailoverPlan, topology: Topology, hooks: RunHooks): Promise<Measurement> {
  const stamped: RunEvent[] = [];
  const placement = await placeClients(workload, failover, topology);
  // the fault plan's events; the driver's are the participant's (partial.events), read after the restore
  const record = (event: Omit<RunEvent, 'atUs'>): void => {
    stamped.push({ ...event, atUs: nowUs() });
    if (event.kind === 'fault-injected' && event.node !== undefined) placement?.faultHit(event.node);
  };
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  hooks.signal?.addEventListener('abort', onInterrupt, { once: true });
  let windowStartUs: number | undefined;
  let planRun: Promise<void> | undefined;
  const reports = watchBrokerReports(failover, topology, record);
  const startPlanAt = (startUs: number): void => {
    windowStartUs = startUs;
    const timer = setTimeout(() => {
      if (stop.signal.aborted) return;
      // the injector's own times are replaced by the run's clock, like every other event
      planRun = runFaultPlan(failover.plan, failover.cluster, topology, record, stop.signal).catch((error: unknown) => {
        record({ kind: 'fault-failed', detail: error instanceof Error ? error.message : String(error) });
      });
    }, Math.max(0, (startUs - nowUs()) / 1000));
    stop.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  };
  try {
    const { measurement, partial } = await runInProcess(driver, workload, hooks, (coordinator) => ({
      ...coordinator,
      async start() {
        const at = await coordinator.start();
        startPlanAt(at + workload.warmupUs);
        return at;
      },
    }), placement?.plan);
    stop.abort();
    await settlePlan(planRun, hooks);
    await reports.stop();
    const start = windowStartUs ?? partial.warmupEndUs;
    // the participant's driver events, read after the restore: what the driver said while the node came back counts too
    const events = [...(partial.events ?? []), ...stamped].map((e) => ({ ...e, atUs: e.atUs - start })).sort((a, b) => a.atUs - b.atUs);
    return withAnalysis(measurement, workload, partial, events, start, placement);
  } finally {
    stop.abort();
    hooks.signal?.removeEventListener('abort', onInterrupt);
    await settlePlan(planRun, hooks);
    await reports.stop();
  }
}

/**
 * What the brokers report in their own logs while the run goes (broker-reported events), from before
 * the warm-up to after the restore: a partition noticed late, or healed, is reported all the same.
 */
function watchBrokerReports(failover: FailoverPlan, topology: Topology, record: (event: Omit<RunEvent, 'atUs'>) => void): { stop: () => Promise<void> } {
  let count = 0;
  // bounded like the driver's events: a broker that logs a report per message cannot flood the result
  const report = (detail: string, node: number): void => {
    count += 1;
    if (count <= maxBrokerReports) record({ kind: 'broker-reported', detail, node });
  };
  const watching = failover.plan.kind === 'command' ? undefined : failover.cluster?.watchReports?.(topology, report);
  let stopped = false;
  return {
    async stop() {
      if (stopped || !watching) return;
      stopped = true;
      const end = await watching.catch(() => undefined);
      await end?.().catch(() => undefined);
      if (count > maxBrokerReports) record({ kind: 'broker-reported', detail: `${plural(count - maxBrokerReports, 'more report')} not kept` });
    },
  };
}

async function settlePlan(planRun: Promise<void> | undefined, hooks: RunHooks): Promise<void> {
  if (!planRun) return;
  await withTimeout(planRun, restorePatienceMs, () => new Error(`the fault was not restored within ${restorePatienceMs / 1000} s`)).catch((error: unknown) => {
    hooks.onWarning?.(`warning: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** The populations of a run whose clients were placed, once the fault named the node it hit. */
function populationsOf(placement: Placement | undefined, partial: InProcessRun['partial'], measurement: Measurement, windowStartUs: number, common: Omit<PopulationInputs, 'placed' | 'recording' | 'accounting'>): PopulationOutcome[] | undefined {
  const failedPosition = placement?.failedPosition();
  if (!placement || failedPosition === undefined || !partial.failover) return undefined;
  const joined = partial.lateJoinedUs;
  const late = placement.lateJoinerIds;
  const placed: PlacedClients = {
    nodeNumbers: placement.nodeNumbers,
    failedPosition,
    producers: placement.producers,
    consumers: placement.consumers,
    ...(joined !== undefined && late.length > 0 ? { lateJoiners: { ids: late, joinedAtUs: Math.max(0, joined - windowStartUs), positions: late.map((_, k) => survivorAt(placement, failedPosition, k)) } } : {}),
  };
  return analysePopulations({ ...common, placed, recording: partial.failover, accounting: measurement.accounting });
}

/** The position of the k-th late joiner: the survivors, dealt in turn (as client-placement.ts opened them). */
function survivorAt(placement: Placement, failedPosition: number, k: number): number {
  const survivors = placement.nodeNumbers.map((_, position) => position).filter((position) => position !== failedPosition);
  return survivors[k % survivors.length] ?? 0;
}

function withAnalysis(measurement: Measurement, workload: Workload, partial: InProcessRun['partial'], events: RunEvent[], windowStartUs: number, placement?: Placement): Measurement {
  const recording = partial.failover;
  if (!workload.fault || !recording) return { ...measurement, events };
  const lastSuccessUs = Math.max(recording.acks.length, recording.receipts.length) * recording.bucketUs;
  const endUs = Math.max(partial.producersDoneUs - windowStartUs, lastSuccessUs);
  const brokerAcks = workload.driver.delivery === 'ack';
  const analysed = analyseFailover({ recording, fault: workload.fault, events, sendEndUs: endUs, receiveEndUs: endUs, counts: measurement.counts, brokerAcks });
  const restoringUs = events.find((e) => e.kind === 'fault-restoring')?.atUs ?? null;
  const firstConnectionLostUs = events.find((e) => e.kind === 'connection-lost' && e.atUs >= analysed.faultAtUs)?.atUs;
  const populations = populationsOf(placement, partial, measurement, windowStartUs, { faultUs: analysed.faultAtUs, restoringUs, sendEndUs: endUs, receiveEndUs: endUs, brokerAcks, ...(firstConnectionLostUs === undefined ? {} : { firstConnectionLostUs }) });
  const failedNode = events.find((e) => e.kind === 'fault-injected' && e.node !== undefined)?.node;
  const divergence = workload.fault.kind === 'partition' && populations ? divergenceOf(populations) : undefined;
  const failover = { ...analysed, ...(failedNode === undefined ? {} : { failedNode }), ...(populations ? { populations } : {}), ...(divergence ? { divergence } : {}) };
  if (failover.injected || measurement.status === 'aborted') return { ...measurement, events, failover };
  // a failover run without its fault measured something else: never a plain success
  const why = events.find((e) => e.kind === 'fault-failed')?.detail ?? 'no detail';
  return { ...measurement, status: 'completed-with-errors', error: `the fault was not injected (${why}): this run measured no failover${measurement.error ? `; ${measurement.error}` : ''}`, events, failover };
}
