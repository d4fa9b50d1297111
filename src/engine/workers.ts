/**
 * The worker-pool run mode: producers and consumers spread over N worker processes, which the run
 * layer forks (run/worker-process.ts builds each one's driver); this side coordinates them.
 */
import type { ChildProcess } from 'node:child_process';
import type { Driver, DriverOptions, Topology } from '../drivers/types.js';
import { MqbenchError, PhaseAbortedError } from '../errors.js';
import type { Workload } from '../results/types.js';
import { nowUs } from '../util/clock.js';
import { formatSeconds } from '../util/format.js';
import { earlyDrainUs } from './participant.js';
import { phaseLimitUs } from './phases.js';
import { describeMissingShare } from './result.js';
import { mergePartials, type Measurement } from './merge.js';
import type { Assignment, PartialMeasurement } from './participant.js';
import { everythingArrived, inFlightFrom, planAssignments } from './assignments.js';
import { liveReportIntervalMs } from './executors/index.js';
import { progressReporter, type Progress, type ProgressReporter } from './progress.js';
import type { LiveCounters } from './recorder.js';
import { StallWatch, workOutstanding, stopReasonOf } from './stall.js';
import type { RunHooks, RunMode } from './run.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** What the run layer gives the pool: how each worker builds its driver, and how to start one. */
export interface WorkerPoolOptions {
  workers: number;
  /** the plug-in's name: each worker creates its own driver (processes cannot share connections) */
  broker: string;
  driverOptions: DriverOptions;
  /** each worker runs its own in-process broker (memory, faulty) */
  privateBroker: boolean;
  /** starts one worker process with an IPC channel */
  fork: () => ChildProcess;
}

export function workerPoolMode(workload: Workload, options: WorkerPoolOptions, hooks: RunHooks): RunMode<Measurement> {
  return {
    measure: async (_driver: Driver, topology: Topology) => {
      const outcome = await runWithWorkers({
        ...options,
        workload,
        topology,
        assignments: planAssignments(workload, options.workers, options.privateBroker),
        ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
      });
      return mergePartials(workload, outcome.partials, outcome.abortReason, outcome.missingProducers);
    },
    aborted: (measurement) => measurement.status === 'aborted',
  };
}

interface WorkersRequest extends WorkerPoolOptions {
  workload: Workload;
  topology: Topology;
  assignments: Assignment[];
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

interface WorkerState {
  child: ChildProcess;
  assigned: number[][] | undefined;
  live: LiveCounters | undefined;
  producersDone: boolean;
  failedSeqs: Record<number, number[]> | undefined;
  partial: PartialMeasurement | undefined;
  done: boolean;
  /** when its last message came (Date.now()): a worker silent for the stall timeout is frozen */
  heardAtMs: number;
  /** why it was given up on, when it was (frozen, or not done long after the drain) */
  givenUp?: string;
}

/** How long after the drain every worker must have reported and exited (settlement, closing, teardown). */
const endPatienceMs = 30_000;

/** Sums of every worker's live counters. */
function summed(lives: readonly LiveCounters[], subscriptions: number) {
  const sum = (f: (l: LiveCounters) => number) => lives.reduce((n, l) => n + f(l), 0);
  return {
    sentAll: sum((l) => l.sentAll),
    receivedAll: sum((l) => l.receivedAll),
    errorsAll: sum((l) => l.errorsAll),
    progress: sum((l) => l.progress),
    expected: sum((l) => l.expected),
    outstanding: sum((l) => l.outstanding),
    missing: sum((l) => l.missing ?? 0),
    unique: Array.from({ length: subscriptions }, (_, s) => sum((l) => l.uniqueBySubscription[s] ?? 0)),
  };
}

/**
 * The parent side of a run in worker processes: one start time for all, one closed-loop window
 * (totals relayed every few ms), one stall watch, one drain decision, one settlement of failed sends.
 */
class WorkerPool {
  readonly workers: WorkerState[];
  abortReason: string | undefined;
  failure: MqbenchError | undefined;
  private startUs: number | undefined;
  private drainDeadlineUs: number | undefined;
  /** when the drain first saw the run stopping early */
  private abortSeenUs: number | undefined;
  private drainedSent = false;
  private settleSent = false;
  private readonly readyDeadline: number;
  private drainedAtMs: number | undefined;
  private readonly stall: StallWatch;

  constructor(
    private readonly request: WorkersRequest,
    private readonly progress: ProgressReporter,
  ) {
    this.stall = new StallWatch(request.workload.stallTimeoutUs);
    this.readyDeadline = Date.now() + phaseLimitUs(request.workload) / 1000;
    this.workers = request.assignments.map(() => ({
      heardAtMs: Date.now(),
      child: request.fork(),
      assigned: undefined,
      live: undefined,
      producersDone: false,
      failedSeqs: undefined,
      partial: undefined,
      done: false,
    }));
  }

  tell(worker: WorkerState, message: ToWorker): void {
    // a worker that has finished closes its channel; a late message to it is of no use to anyone
    if (worker.child.connected) worker.child.send(message, () => undefined);
  }

  broadcast(message: ToWorker): void {
    this.workers.forEach((w) => this.tell(w, message));
  }

  abort(reason: string): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.broadcast({ type: 'abort', reason });
    // Before the start nothing was measured, and workers still wait for 'go': stop them, or the run hangs.
    if (this.startUs === undefined) {
      this.failure ??= new PhaseAbortedError('waiting for the workers to be ready', reason);
      for (const w of this.workers) if (!w.done) w.child.kill('SIGKILL');
    }
  }

  onMessage(worker: WorkerState, index: number, message: FromWorker): void {
    worker.heardAtMs = Date.now();
    switch (message.type) {
      case 'assigned':
        worker.assigned = message.partitions;
        break;
      case 'live':
        worker.live = message.counters;
        worker.producersDone = message.producersDone;
        break;
      case 'fatal':
        this.abort(message.reason);
        break;
      case 'failed':
        worker.failedSeqs = message.failedSeqs;
        this.settleIfAllReported();
        break;
      case 'result':
        worker.partial = message.partial;
        break;
      case 'error':
        this.failure ??= new MqbenchError(`worker ${index}: ${message.message}`, message.exitCode === 3 ? 3 : 4);
        this.abort(`worker ${index} failed: ${message.message}`);
        break;
    }
  }

  onExit(worker: WorkerState, index: number, code: number | null, signal: NodeJS.Signals | null): void {
    worker.done = true;
    const how = worker.givenUp ?? `exited (${code === null ? `signal ${signal ?? 'unknown'}` : `code ${code}`}) before reporting`;
    if (!worker.partial && !this.failure) this.abort(`worker ${index} ${how}`);
    this.settleIfAllReported();
  }

  /** Every worker's consumers attached, each partition of each subscription claimed exactly once. */
  private ready(): boolean {
    const { workload, privateBroker } = this.request;
    if (this.workers.some((w) => w.assigned === undefined)) return false;
    if (privateBroker) return true;
    for (let s = 0; s < workload.subscriptions; s++) {
      const claims = this.workers.flatMap((w) => w.assigned?.[s] ?? []);
      // every partition claimed; once each, except by competing consumers (more consumers than
      // partitions, where the client chooses): while a consumer group rebalances, two members may
      // both claim a partition, and that is not ready
      const competing = workload.consumers > workload.partitions && claims.length === workload.consumers;
      if (new Set(claims).size !== workload.partitions || (claims.length !== workload.partitions && !competing)) return false;
    }
    return true;
  }

  tick(): void {
    if (this.startUs === undefined) {
      this.tryStart();
      return;
    }
    this.giveUpOnSilentWorkers();
    const lives = this.workers.map((w) => w.live).filter((l): l is LiveCounters => l !== undefined);
    const totals = summed(lives, this.request.workload.subscriptions);
    this.broadcast({ type: 'totals', sentAll: totals.sentAll, receivedAll: totals.receivedAll, errorsAll: totals.errorsAll });
    this.progress.update({ ...totals, inFlight: inFlightFrom(totals.sentAll, totals.receivedAll, totals.errorsAll, this.request.workload.subscriptions) });
    const stalled = this.stall.observe(totals.progress, workOutstanding(totals, this.request.workload.subscriptions), nowUs());
    if (stalled) this.abort(stalled);
    // a worker that is gone no longer holds the drain back
    const running = this.workers.filter((w) => !w.done);
    if (running.every((w) => w.live !== undefined && w.producersDone)) this.decideDrain(totals);
  }

  /**
   * A worker silent for the stall timeout while measuring (frozen: SIGSTOP, a blocked event loop), or
   * not finished `endPatienceMs` after the drain, is killed: its share is then missing from the result.
   */
  private giveUpOnSilentWorkers(): void {
    const now = Date.now();
    const stallMs = this.request.workload.stallTimeoutUs / 1000;
    for (const worker of this.workers) {
      if (worker.done || worker.givenUp || worker.partial) continue;
      const measuring = worker.failedSeqs === undefined && now - worker.heardAtMs >= stallMs;
      const late = this.drainedAtMs !== undefined && now - this.drainedAtMs >= endPatienceMs;
      if (!measuring && !late) continue;
      worker.givenUp = measuring ? `stopped answering for ${formatSeconds(stallMs * 1000)} (frozen?)` : `did not finish within ${endPatienceMs / 1000} s after the drain`;
      worker.child.kill('SIGKILL');
    }
  }

  private tryStart(): void {
    if (this.ready()) {
      this.startUs = nowUs() + 20_000;
      this.progress.started(this.startUs);
      this.broadcast({ type: 'go', startUs: this.startUs });
    } else if (Date.now() > this.readyDeadline) {
      this.abort(`waiting for the workers to be ready: not every worker attached its consumers within ${formatSeconds(phaseLimitUs(this.request.workload))}`);
    }
  }

  /** Over every participant's counters, once every producer has stopped. */
  private decideDrain(totals: ReturnType<typeof summed>): void {
    if (this.drainedSent) return;
    const { workload } = this.request;
    const now = nowUs();
    this.drainDeadlineUs ??= now + workload.drainTimeoutUs;
    // a run stopped early (or during the drain: Ctrl-C, a lost worker) drains briefly from then on
    if (this.abortReason !== undefined) this.drainDeadlineUs = Math.min(this.drainDeadlineUs, (this.abortSeenUs ??= now) + earlyDrainUs);
    if (now >= this.drainDeadlineUs || everythingArrived(totals.expected, totals.outstanding, totals.unique, workload.subscriptions)) {
      this.drainedSent = true;
      this.drainedAtMs = Date.now();
      this.broadcast({ type: 'drained' });
    }
  }

  /** Once every live worker has reported its failed sends, everyone settles with all of them. */
  private settleIfAllReported(): void {
    if (this.settleSent || !this.workers.every((w) => w.failedSeqs !== undefined || w.done)) return;
    if (!this.workers.some((w) => w.failedSeqs !== undefined)) return;
    this.settleSent = true;
    const failedSeqs = Object.assign({}, ...this.workers.map((w) => w.failedSeqs ?? {})) as Record<number, number[]>;
    this.broadcast({ type: 'settle', failedSeqs });
  }
}

/** Runs the participants in worker processes and returns their partial measurements. */
async function runWithWorkers(request: WorkersRequest): Promise<{ partials: PartialMeasurement[]; abortReason?: string; missingProducers: Set<number> }> {
  const progress = progressReporter(request.workload, request.onProgress);
  const pool = new WorkerPool(request, progress);
  const onSignal = (): void => pool.abort(request.signal ? stopReasonOf(request.signal) : 'interrupted');
  request.signal?.addEventListener('abort', onSignal, { once: true });
  const ticker = setInterval(() => pool.tick(), liveReportIntervalMs(request.workload));
  try {
    await Promise.all(
      pool.workers.map(
        (worker, index) =>
          new Promise<void>((resolve) => {
            worker.child.on('error', () => undefined); // reported through 'exit'
            worker.child.on('message', (message: FromWorker) => pool.onMessage(worker, index, message));
            worker.child.on('exit', (code, signal) => {
              pool.onExit(worker, index, code, signal);
              resolve();
            });
            const assignment = request.assignments[index];
            if (assignment) {
              const { broker, driverOptions, workload, topology, privateBroker } = request;
              pool.tell(worker, { type: 'init', broker, driverOptions, workload, topology, assignment, privateBroker });
            }
          }),
      ),
    );
  } finally {
    clearInterval(ticker);
    progress.stop();
    request.signal?.removeEventListener('abort', onSignal);
    for (const w of pool.workers) if (!w.done) w.child.kill('SIGKILL');
  }
  if (pool.failure) throw pool.failure;
  const partials = pool.workers.map((w) => w.partial).filter((p): p is PartialMeasurement => p !== undefined);
  return { partials, ...missingShares(pool, request.assignments) };
}

/**
 * The workers that never reported: their share named in the abort reason (which worker, its producers
 * and consumers), and their producers, whose messages the others received but whose sends nobody counted.
 */
function missingShares(pool: WorkerPool, assignments: readonly Assignment[]): { abortReason?: string; missingProducers: Set<number> } {
  const missing = pool.workers.flatMap((w, index) => (w.partial ? [] : [index]));
  const missingProducers = new Set(missing.flatMap((index) => assignments[index]?.producers.map((p) => p.id) ?? []));
  if (!pool.abortReason) return { missingProducers };
  const shares = missing.map((index) => describeMissingShare(index, assignments[index] ?? { producers: [], consumers: [] }));
  return { abortReason: [pool.abortReason, ...shares].join('; '), missingProducers };
}
