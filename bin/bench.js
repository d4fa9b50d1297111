#!/usr/bin/env node
// Runs the TypeScript sources straight after `npm ci`: from a JavaScript copy of src/ made for its
// current state (prebuilt.js: start-up without loader hooks), else through tsx. External plug-ins
// (MQBENCH_PLUGINS) may be TypeScript files: with them, everything runs through tsx.
import { prebuiltCli } from './prebuilt.js';

const prebuilt = process.env.MQBENCH_PLUGINS ? undefined : await prebuiltCli();
if (prebuilt) {
  await import(prebuilt);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
