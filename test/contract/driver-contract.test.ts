/**
 * The driver contract suite (DESIGN.md): every registered plug-in with contract cases passes it, the
 * real ones against the real brokers the tests share or start (test/global-setup.ts). Each plug-in's
 * cases and probes are its own (src/drivers/<name>/testing.ts); MQBENCH_PLUGINS adds external ones.
 */
import { loadExternalPlugins, plugins } from '../../src/drivers/index.js';
import { describeContract } from './suite.js';

await loadExternalPlugins();
for (const plugin of plugins) await describeContract(plugin);
