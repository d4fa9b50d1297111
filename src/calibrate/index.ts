/** The native tool of a broker: its plug-in's `calibration`. */
import { findPlugin, plugins } from '../drivers/index.js';
import { UsageError } from '../errors.js';
import type { NativeTool } from '../drivers/native-tool/types.js';

/** Unknown brokers get the registry's message; known ones without a tool get their own. */
export function findNativeTool(broker: string): NativeTool {
  const plugin = findPlugin(broker);
  if (!plugin.calibration) {
    const supported = plugins.filter((p) => p.calibration).map((p) => p.name);
    throw new UsageError(`${plugin.name} has no native benchmark tool; calibrate supports: ${supported.join(', ')}`);
  }
  return plugin.calibration;
}
