import type { BrokerPlugin } from '../plugin.js';
import { FaultyDriver } from './driver.js';

const inProcess = 'in-process (as memory), with the faults its URL names';

/** The in-process broker with deterministic faults, for proving the engine's accounting. */
export const faultyPlugin: BrokerPlugin = {
  name: 'faulty',
  description: "in-process broker with injected faults (drops, duplicates, reorders, delays, stalls, rejects): for proving the engine's accounting",
  options: [],
  endpoint: {
    option: 'faulty-url',
    env: 'MQBENCH_FAULTY_URL',
    defaultUrl: 'faulty://',
    describe: 'faulty broker faults, e.g. faulty://?drop=100&stallAfter=5000 (see src/drivers/faulty/driver.ts)',
  },
  inProcess: true,
  mapping: { 'hello-world': inProcess, noack: inProcess, ack: inProcess, fanout: inProcess, partitioned: inProcess },
  settings: () => ({}),
  create: (options) => new FaultyDriver(options),
};
