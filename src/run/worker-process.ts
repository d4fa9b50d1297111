/**
 * A worker process's entry (forked by run/benchmark.ts for --workers N, as cli.ts is the CLI's):
 * builds its driver from the registry, runs its share of producers and consumers, reports to the parent.
 */
import { findPlugin, loadExternalPlugins } from '../drivers/index.js';
import type { Driver } from '../drivers/types.js';
import { runParticipant, type Coordinator } from '../engine/participant.js';
import { inFlightFrom } from '../engine/assignments.js';
import type { LiveCounters } from '../engine/recorder.js';
import type { FromWorker, ToWorker } from '../engine/worker-protocol.js';
import { MqbenchError } from '../errors.js';
import { nowUs } from '../util/clock.js';

type Init = Extract<ToWorker, { type: 'init' }>;
type Totals = Extract<ToWorker, { type: 'totals' }>;

const send = (message: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    if (process.connected && process.send) process.send(message, undefined, {}, () => resolve());
    else resolve();
  });

/** How long a worker waits for the parent's settlement before settling with its own failed sends. */
const settlePatienceMs = 5_000;

/** This worker's side of the run: the coordinator the participant talks to, fed by the parent's messages. */
class WorkerSession implements Coordinator {
  private startResolve: ((startUs: number) => void) | undefined;
  private settleResolve: ((failedSeqs: Record<number, number[]>) => void) | undefined;
  private totals: Totals = { type: 'totals', sentAll: 0, receivedAll: 0, errorsAll: 0 };
  private reportedAtTotals: LiveCounters | undefined;
  private lastReported: LiveCounters | undefined;
  private drainedByParent = false;
  private aborted: string | undefined;

  constructor(
    private readonly init: Init,
    private readonly driver: Driver,
  ) {}

  onParentMessage(message: ToWorker): void {
    switch (message.type) {
      case 'go':
        this.startResolve?.(message.startUs);
        break;
      case 'totals':
        this.totals = message;
        this.reportedAtTotals = this.lastReported;
        break;
      case 'drained':
        this.drainedByParent = true;
        break;
      case 'settle':
        this.settleResolve?.(message.failedSeqs);
        break;
      case 'abort':
        this.aborted ??= message.reason;
        break;
      case 'init':
        break;
    }
  }

  start(): Promise<number> {
    const report = (): void => void send({ type: 'assigned', partitions: this.driver.assignedPartitions() });
    report();
    const timer = setInterval(report, 100);
    return new Promise<number>((resolve) => {
      this.startResolve = resolve;
    }).finally(() => clearInterval(timer));
  }

  inFlight(sentAll: number, receivedAll: number, errorsAll: number): number {
    // the parent's totals include what we reported then; add what we did since
    const base = this.reportedAtTotals ?? { sentAll: 0, receivedAll: 0, errorsAll: 0 };
    return inFlightFrom(
      this.totals.sentAll + sentAll - base.sentAll,
      this.totals.receivedAll + receivedAll - base.receivedAll,
      this.totals.errorsAll + errorsAll - base.errorsAll,
      this.init.workload.subscriptions,
    );
  }

  report(live: LiveCounters, producersDone: boolean): void {
    this.lastReported = live;
    void send({ type: 'live', counters: live, producersDone });
  }

  drained(_live: LiveCounters, deadlineUs: number): boolean {
    // the parent decides (it knows every worker); our own deadline, later, only guards against silence
    return this.drainedByParent || nowUs() >= deadlineUs + 2_000_000;
  }

  abortReason(): string | undefined {
    return this.aborted;
  }

  settle(local: Record<number, number[]>): Promise<Record<number, number[]>> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(local), settlePatienceMs);
      this.settleResolve = (all) => {
        clearTimeout(timer);
        // our own producers' list is the freshest
        resolve({ ...all, ...local });
      };
      void send({ type: 'failed', failedSeqs: local });
    });
  }
}

let session: WorkerSession | undefined;

async function run(init: Init): Promise<void> {
  // a plug-in registered from MQBENCH_PLUGINS (the environment is inherited) must be found here too
  await loadExternalPlugins();
  const driver = findPlugin(init.broker).create(init.driverOptions);
  // before connecting: an abort from the parent must not be missed while we connect
  session = new WorkerSession(init, driver);
  await driver.connect();
  driver.onFatal((error) => void send({ type: 'fatal', reason: `broker connection lost: ${error.message}` }));
  try {
    await driver.attach(init.topology);
    const partial = await runParticipant(driver, init.workload, init.assignment, session);
    if (init.privateBroker) await driver.teardown();
    // the result must be on its way before the channel closes
    await send({ type: 'result', partial });
  } finally {
    await driver.close().catch(() => undefined);
  }
}

process.on('message', (message: ToWorker) => {
  if (message.type !== 'init') {
    session?.onParentMessage(message);
    return;
  }
  run(message)
    .catch((error: unknown) => {
      const exitCode = error instanceof MqbenchError ? error.exitCode : 4;
      return send({ type: 'error', message: error instanceof Error ? error.message : String(error), exitCode });
    })
    .finally(() => process.disconnect?.());
});
// Interrupts go to the parent, which tells workers to stop in order.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('SIGHUP', () => undefined);
// If the parent is gone (killed), nobody will read our result: do not linger.
process.on('disconnect', () => process.exit(0));
