import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DriverOptions, Topology } from '../drivers/types.js';
import { MqbenchError } from '../errors.js';
import { nowUs } from '../util/clock.js';
import type { Assignment, LiveCounters, PartialMeasurement } from './participant.js';
import { everythingArrived } from './plan.js';
import { progressReporter, type Progress } from './progress.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';
import type { Workload } from './workload.js';

const workerEntry = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

export interface WorkersRequest {
  driverName: string;
  driverOptions: DriverOptions;
  workload: Workload;
  topology: Topology;
  assignments: Assignment[];
  privateBroker: boolean;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

interface WorkerState {
  child: ChildProcess;
  assigned: number[][] | undefined;
  live: LiveCounters | undefined;
  partial: PartialMeasurement | undefined;
  done: boolean;
}

/**
 * Runs the participants in worker processes: one start time for all, one closed-loop window
 * (totals relayed every few ms), one drain decision; returns their partial measurements.
 */
export async function runWithWorkers(request: WorkersRequest): Promise<{ partials: PartialMeasurement[]; abortReason?: string }> {
  const { workload, topology } = request;
  let abortReason: string | undefined;
  let failure: MqbenchError | undefined;
  const workers: WorkerState[] = request.assignments.map(() => ({
    child: fork(workerEntry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    assigned: undefined,
    live: undefined,
    partial: undefined,
    done: false,
  }));
  const tell = (worker: WorkerState, message: ToWorker): void => {
    // a worker that has finished closes its channel; a late 'totals' to it is of no use to anyone
    if (worker.child.connected) worker.child.send(message, () => undefined);
  };
  const broadcast = (message: ToWorker): void => workers.forEach((w) => tell(w, message));
  const abort = (reason: string): void => {
    if (abortReason) return;
    abortReason = reason;
    broadcast({ type: 'abort', reason });
  };
  const onSignal = (): void => abort('interrupted');
  request.signal?.addEventListener('abort', onSignal, { once: true });

  let startUs: number | undefined;
  let drainedSent = false;
  let drainDeadlineUs: number | undefined;
  const progress = progressReporter(workload, request.onProgress);

  const allDone = new Promise<void>((resolve) => {
    const check = (): void => {
      if (workers.every((w) => w.done)) resolve();
    };
    workers.forEach((worker, index) => {
      worker.child.on('error', () => undefined); // reported through 'exit' below
      worker.child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'assigned':
            worker.assigned = message.partitions;
            break;
          case 'live':
            worker.live = message.counters;
            break;
          case 'fatal':
            abort(message.reason);
            break;
          case 'result':
            worker.partial = message.partial;
            break;
          case 'error':
            failure ??= new MqbenchError(`worker ${index}: ${message.message}`, message.exitCode === 3 ? 3 : 4);
            abort(`worker ${index} failed: ${message.message}`);
            break;
        }
      });
      worker.child.on('exit', (code) => {
        worker.done = true;
        if (!worker.partial && !failure) abort(`worker ${index} exited (code ${code ?? 'signal'}) before reporting`);
        check();
      });
    });
    workers.forEach((worker, index) => {
      const assignment = request.assignments[index];
      if (assignment) {
        tell(worker, {
          type: 'init',
          driverName: request.driverName,
          driverOptions: request.driverOptions,
          workload,
          topology,
          assignment,
          privateBroker: request.privateBroker,
        });
      }
    });
  });

  const readyDeadline = Date.now() + 60_000;
  const ready = (): boolean => {
    if (workers.some((w) => w.assigned === undefined)) return false;
    for (let s = 0; s < workload.subscriptions; s++) {
      if (request.privateBroker) continue;
      const union = new Set<number>();
      let count = 0;
      for (const w of workers) {
        const parts = w.assigned?.[s] ?? [];
        parts.forEach((p) => union.add(p));
        count += parts.length;
      }
      if (union.size !== workload.partitions) return false;
      // Kafka: while a group rebalances, two members may both claim a partition
      if (request.driverName === 'kafka' && count !== workload.partitions) return false;
    }
    return true;
  };

  const ticker = setInterval(() => {
    if (startUs === undefined) {
      if (ready()) {
        startUs = nowUs() + 20_000;
        progress.started(startUs);
        broadcast({ type: 'go', startUs });
      } else if (Date.now() > readyDeadline) {
        abort('workers did not attach their consumers within 60 s');
      }
      return;
    }
    const lives = workers.map((w) => w.live).filter((l): l is LiveCounters => l !== undefined);
    const sum = (f: (l: LiveCounters) => number) => lives.reduce((n, l) => n + f(l), 0);
    const totals = { sentAll: sum((l) => l.sentAll), receivedAll: sum((l) => l.receivedAll), errorsAll: sum((l) => l.errorsAll) };
    broadcast({ type: 'totals', ...totals });
    progress.update(totals.sentAll, totals.receivedAll);
    // Drain decision over every participant's counters, once every producer has stopped;
    // each worker also stops draining at its own deadline.
    if (!drainedSent && lives.length === workers.length && lives.every((l) => l.producersDone)) {
      const now = nowUs();
      const interrupted = abortReason !== undefined;
      drainDeadlineUs ??= now + (interrupted ? Math.min(workload.drainTimeoutUs, 2_000_000) : workload.drainTimeoutUs);
      const subscriptions = workload.subscriptions;
      const unique = Array.from({ length: subscriptions }, (_, s) => sum((l) => l.uniqueBySubscription[s] ?? 0));
      if (now >= drainDeadlineUs || everythingArrived(sum((l) => l.expected), sum((l) => l.outstanding), unique, subscriptions)) {
        drainedSent = true;
        broadcast({ type: 'drained', failedSeqs: Object.assign({}, ...lives.map((l) => l.failedSeqs)) as Record<number, number[]> });
      }
    }
  }, 5);

  try {
    await allDone;
  } finally {
    clearInterval(ticker);
    progress.stop();
    request.signal?.removeEventListener('abort', onSignal);
    for (const w of workers) if (!w.done) w.child.kill('SIGKILL');
  }
  if (failure) throw failure;
  const partials = workers.map((w) => w.partial).filter((p): p is PartialMeasurement => p !== undefined);
  return { partials, ...(abortReason ? { abortReason } : {}) };
}
