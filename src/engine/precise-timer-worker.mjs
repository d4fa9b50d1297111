// The sleeping half of src/engine/precise-timer.ts, run in a worker_threads Worker.
//
// Plain JavaScript with no imports of project code, so it loads the same way under `npx bench` (tsx),
// vitest and the --workers child processes, with no TypeScript loader in the worker.
//
// Protocol (one BigInt64Array cell shared with the main thread):
//   cell > 0  the earliest wake time the main thread asked for, in monotonic microseconds
//             (process.hrtime.bigint() / 1000n: the same clock in every thread of the process)
//   cell = 0  nothing to wake (idle)
//   cell < 0  stop
// The main thread writes an earlier target (and Atomics.notify) when it asks for one; the worker
// sleeps with Atomics.wait, whose fractional-millisecond timeout becomes a futex timeout (tens of
// microseconds of precision, where setTimeout has a millisecond), and when the target has come it
// sets the cell back to idle and posts one message. The main thread then resolves every waiter whose
// time has come and writes the next target. Nothing here spins: the thread is blocked in the kernel
// between wakes.
import { parentPort, workerData } from 'node:worker_threads';

const idle = 0n;
const cell = new BigInt64Array(workerData.buffer);

// ready: the main thread stops yielding and relies on this thread from now on
parentPort?.postMessage(0);
for (;;) {
  const target = Atomics.load(cell, 0);
  if (target < 0n) break;
  if (target === idle) {
    Atomics.wait(cell, 0, idle);
    continue;
  }
  const remainingUs = target - process.hrtime.bigint() / 1000n;
  if (remainingUs > 0n) {
    // returns early when the main thread writes another target and notifies ("not-equal"/"ok")
    Atomics.wait(cell, 0, target, Number(remainingUs) / 1000);
    continue;
  }
  // Only the target that came goes back to idle: if the main thread has just written an earlier one,
  // the exchange fails and the loop looks at it again.
  if (Atomics.compareExchange(cell, 0, target, idle) === target) parentPort?.postMessage(0);
}
