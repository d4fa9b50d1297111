// The sleeping half of src/engine/precise-timer.ts, run in a worker_threads Worker.
//
// Plain JavaScript with no imports of project code, so it loads the same way under `npx bench` (tsx),
// vitest and the --workers child processes, with no TypeScript loader in the worker.
//
// Protocol (a BigInt64Array of two cells shared with the main thread):
//   cell 0 > 0  the earliest wake time the main thread asked for, in monotonic microseconds
//               (process.hrtime.bigint() / 1000n: the same clock in every thread of the process)
//   cell 0 = 0  nothing to wake (idle)
//   cell 0 < 0  stop
//   cell 1      the wake time after that one (0: none known), kept current by the main thread
// The main thread writes an earlier target (and Atomics.notify) when it asks for one; the worker
// sleeps with Atomics.wait, whose fractional-millisecond timeout becomes a futex timeout (tens of
// microseconds of precision, where setTimeout has a millisecond), and when the target has come it
// moves cell 0 on to cell 1's wake time (or idle) and posts one message. The main thread then resolves
// every waiter whose time has come and checks that cell 0 holds its earliest waiter. Moving on by
// itself saves a wake per message: without cell 1 this thread went idle after each post, and the main
// thread's next request woke it (Atomics.notify) only for it to sleep again until that target, which
// cost the main thread ~20 us per message in the notify alone. Nothing here spins: the thread is
// blocked in the kernel between wakes.
import { parentPort, workerData } from 'node:worker_threads';

const idle = 0n;
const cell = new BigInt64Array(workerData.buffer);
const nextSlot = 1;

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
  // Only the target that came moves on: if the main thread has just written an earlier one, the
  // exchange fails and the loop looks at it again. A next time not after this one would wake twice.
  const next = Atomics.load(cell, nextSlot);
  const following = next > target ? next : idle;
  if (Atomics.compareExchange(cell, 0, target, following) === target) parentPort?.postMessage(0);
}
