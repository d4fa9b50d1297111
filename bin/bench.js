#!/usr/bin/env node
// Runs the TypeScript sources straight after `npm ci`: from a JavaScript copy of src/ made for its
// current state (prebuilt.js: start-up without loader hooks), else through tsx. External plug-ins
// (MQBENCH_PLUGINS) may be TypeScript files: with them, everything runs through tsx.
import { prebuiltCli } from './prebuilt.js';

// The parent as it was at start, before the seconds a fresh copy of src/ may take: a parent that goes
// away meanwhile must still be noticed (src/commands/process-watch.ts treats that as a SIGTERM).
globalThis.mqbenchParentPid = process.ppid;
// A signal during start-up (seconds when the copy is rebuilt) is exit 4, as in every later phase, not
// Node's 130/143/129; src/cli.ts removes these once its own watch is in place.
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const duringStartUp = (signal) => {
  process.stderr.write(`bench: ${signal} during start-up: interrupted (exit 4)\n`);
  process.exit(4);
};
for (const signal of signals) process.on(signal, duringStartUp);
globalThis.mqbenchStartedUp = () => {
  for (const signal of signals) process.off(signal, duringStartUp);
};

const prebuilt = process.env.MQBENCH_PLUGINS ? undefined : await prebuiltCli();
if (prebuilt) {
  await import(prebuilt);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
