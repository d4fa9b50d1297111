// What one precise wake costs on this machine, with no mqbench code (issue 28's witness): the CPU of
// waking at evenly spaced times, the way a load generator must at a fixed rate, in three shapes.
//   self      one thread sleeps itself until each time (Atomics.wait, like a Java thread's parkNanos):
//             one thread wake per time; Node's event loop cannot do this without stopping its I/O
//   handoff   a worker thread sleeps until each time and wakes the event loop (postMessage), which
//             then asks for the next time (Atomics.notify): mqbench's open loop before foresight
//   foresee   the same, but the worker already knows the next time and moves on by itself: now
// Prints CPU (user + system, both threads) per wake and how late the wakes came.
//   node scripts/wake-floor.mjs [rate=2000] [seconds=5]
import { writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const rate = Number(process.argv[2] ?? 2000);
const seconds = Number(process.argv[3] ?? 5);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const gapUs = 1e6 / rate;
const count = Math.round(rate * seconds);
try {
  writeFileSync('/proc/self/timerslack_ns', '1'); // as mqbench's timer thread has it
} catch {
  // not Linux: default slack
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const cell = new BigInt64Array(workerData.buffer);
parentPort.postMessage(0);
for (;;) {
  const target = Atomics.load(cell, 0);
  if (target < 0n) break;
  if (target === 0n) { Atomics.wait(cell, 0, 0n); continue; }
  const remaining = target - process.hrtime.bigint() / 1000n;
  if (remaining > 0n) { Atomics.wait(cell, 0, target, Number(remaining) / 1000); continue; }
  const next = Atomics.load(cell, 1);
  if (Atomics.compareExchange(cell, 0, target, next > target ? next : 0n) === target) parentPort.postMessage(0);
}`;

function report(shape, cpu, late) {
  late.sort((a, b) => a - b);
  const at = (q) => late[Math.min(late.length - 1, Math.floor(q * late.length))];
  const perWake = (us) => (us / count).toFixed(1);
  console.log(`${shape.padEnd(8)} ${rate} wakes/s: CPU ${perWake(cpu.user + cpu.system)} us per wake (user ${perWake(cpu.user)}, system ${perWake(cpu.system)}); late p50 ${at(0.5)} us, p99 ${at(0.99)} us`);
}

function self() {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const start = nowUs() + 100_000;
  const late = [];
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const target = start + Math.floor(i * gapUs);
    const remaining = target - nowUs();
    if (remaining > 0) Atomics.wait(cell, 0, 0, remaining / 1000);
    late.push(nowUs() - target);
  }
  report('self', process.cpuUsage(before), late);
}

async function eventLoop(shape) {
  const cell = new BigInt64Array(new SharedArrayBuffer(16));
  const worker = new Worker(workerSource, { eval: true, workerData: { buffer: cell.buffer } });
  await new Promise((resolve) => worker.once('message', resolve));
  let woke = () => {};
  worker.on('message', () => woke());
  const start = nowUs() + 100_000;
  const target = (i) => start + Math.floor(i * gapUs);
  const late = [];
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    if (shape === 'foresee') Atomics.store(cell, 1, BigInt(target(i + 1)));
    if (nowUs() < target(i)) {
      const wake = new Promise((resolve) => (woke = resolve));
      if (Atomics.load(cell, 0) !== BigInt(target(i))) {
        Atomics.store(cell, 0, BigInt(target(i)));
        Atomics.notify(cell, 0);
      }
      await wake;
    }
    late.push(nowUs() - target(i));
  }
  const cpu = process.cpuUsage(before);
  Atomics.store(cell, 0, -1n);
  Atomics.notify(cell, 0);
  await worker.terminate();
  report(shape, cpu, late);
}

self();
await eventLoop('handoff');
await eventLoop('foresee');
