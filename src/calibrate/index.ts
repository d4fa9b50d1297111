/** Native tools by broker name. For now a small map here; the plug-in registry will own it. */
import { calibration as kafkaCalibration } from '../drivers/kafka/calibrate.js';
import { calibration as rabbitCalibration } from '../drivers/rabbit/calibrate.js';
import { findPlugin } from '../drivers/index.js';
import { UsageError } from '../errors.js';
import type { NativeTool } from './types.js';

const nativeTools: Readonly<Record<string, NativeTool>> = { rabbit: rabbitCalibration, kafka: kafkaCalibration };

/** Unknown brokers get the registry's message; known ones without a tool get their own. */
export function findNativeTool(broker: string): NativeTool {
  const plugin = findPlugin(broker);
  const tool = nativeTools[plugin.name];
  if (!tool) throw new UsageError(`${plugin.name} has no native benchmark tool; calibrate supports: ${Object.keys(nativeTools).join(', ')}`);
  return tool;
}
