/** The memory plug-in's tests: its broker lives in the driver, so the probe asks the driver itself. */
import type { PluginTesting } from '../plugin.js';
import { MemoryDriver } from './driver.js';

export const testing: PluginTesting = {
  contract: [
    {
      create: async (settings) => new MemoryDriver({ url: 'memory://', settings, connectTimeoutMs: 1000 }),
      probe: () => ({
        exists: async (topology, driver) => (driver as MemoryDriver).holds(topology.prefix),
        held: async (_topology, driver) => (driver as MemoryDriver).heldMessages(),
        expectedBrokerVersion: async () => 'in-process',
        expectedClient: { name: 'mqbench-memory', version: '1' },
        close: async () => undefined,
      }),
    },
  ],
};
