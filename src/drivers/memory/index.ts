import type { BrokerPlugin } from '../plugin.js';
import { MemoryDriver } from './driver.js';

const inProcess = 'in-process: the same topology semantics as the real brokers, no network';

/** An in-process broker: the harness's own ceiling. */
export const memoryPlugin: BrokerPlugin = {
  name: 'memory',
  description: "in-process broker: the harness's own ceiling, no network",
  options: [],
  inProcess: true,
  mapping: { 'hello-world': inProcess, noack: inProcess, ack: inProcess, fanout: inProcess, partitioned: inProcess, backlog: `${inProcess}; a partition keeps what arrives before its consumer attaches` },
  settings: () => ({}),
  testing: async () => (await import('./testing.js')).testing,
  create: (options) => new MemoryDriver(options),
};
