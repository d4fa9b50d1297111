/** A worker process: runs its share of producers and consumers and reports to the parent. */
import { findDriver } from '../drivers/index.js';
import { MqbenchError } from '../errors.js';
import { nowUs } from '../util/clock.js';
import { runParticipant, type Coordinator, type LiveCounters } from './participant.js';
import { inFlightFrom } from './plan.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const send = (message: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    if (process.connected && process.send) process.send(message, undefined, {}, () => resolve());
    else resolve();
  });

let startResolve: ((startUs: number) => void) | undefined;
let totals = { sentAll: 0, receivedAll: 0, errorsAll: 0 };
let reportedAtTotals: LiveCounters | undefined;
let lastReported: LiveCounters | undefined;
let drainedByParent = false;
let failedSeqsFromParent: Record<number, number[]> | undefined;
let abortReason: string | undefined;

async function run(init: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const driver = findDriver(init.driverName).create(init.driverOptions);
  await driver.connect();
  driver.onFatal((error) => void send({ type: 'fatal', reason: `broker connection lost: ${error.message}` }));
  try {
    await driver.attach(init.topology);
    const subscriptions = init.workload.subscriptions;
    let assignedTimer: NodeJS.Timeout | undefined;
    const coordinator: Coordinator = {
      start: () =>
        new Promise<number>((resolve) => {
          startResolve = resolve;
          const report = () => void send({ type: 'assigned', partitions: driver.assignedPartitions() });
          report();
          assignedTimer = setInterval(report, 100);
        }).finally(() => clearInterval(assignedTimer)),
      inFlight: (sentAll, receivedAll, errorsAll) => {
        // the parent's totals include what we reported then; add what we did since
        const base = reportedAtTotals ?? { sentAll: 0, receivedAll: 0, errorsAll: 0 };
        return inFlightFrom(
          totals.sentAll + sentAll - base.sentAll,
          totals.receivedAll + receivedAll - base.receivedAll,
          totals.errorsAll + errorsAll - base.errorsAll,
          subscriptions,
        );
      },
      // the parent decides (it knows every worker); our own deadline, later, only guards against silence
      drained: (_local, deadlineUs) => drainedByParent || nowUs() >= deadlineUs + 2_000_000,
      abortReason: () => abortReason,
      // our own producers' list is the freshest; the others' come from the parent
      failedSeqs: (local) => ({ ...failedSeqsFromParent, ...local }),
    };
    const partial = await runParticipant(driver, init.workload, init.assignment, coordinator, {
      onLive: (counters) => {
        lastReported = counters;
        void send({ type: 'live', counters });
      },
    });
    if (init.privateBroker) await driver.teardown();
    // the result must be on its way before the channel closes
    await send({ type: 'result', partial });
  } finally {
    await driver.close().catch(() => undefined);
  }
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      run(message)
        .catch((error: unknown) => {
          const exitCode = error instanceof MqbenchError ? error.exitCode : 4;
          return send({ type: 'error', message: error instanceof Error ? error.message : String(error), exitCode });
        })
        .finally(() => process.disconnect?.());
      break;
    case 'go':
      startResolve?.(message.startUs);
      break;
    case 'totals':
      totals = message;
      reportedAtTotals = lastReported;
      break;
    case 'drained':
      failedSeqsFromParent = message.failedSeqs;
      drainedByParent = true;
      break;
    case 'abort':
      abortReason ??= message.reason;
      break;
  }
});
// Interrupts go to the parent, which tells workers to stop in order.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// If the parent is gone (killed), nobody will read our result: do not linger.
process.on('disconnect', () => process.exit(0));
