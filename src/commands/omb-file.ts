/**
 * `--workload` given an OpenMessaging Benchmark workload file: its fields mapped onto run options
 * (plan/omb-workload.ts), each mapped value checked by the options table under the OMB field's name,
 * and the mapping printed (stderr) before anything connects, with what a flag overrode.
 */
import { allOptionRows, driverNames } from '../drivers/index.js';
import { UsageError } from '../errors.js';
import { parseOptions } from '../options.js';
import { mapOmbWorkload, renderOmbMapping, type OmbMappingLine } from '../plan/omb-workload.js';

/** An OMB file read: the run options it means, and the mapping to print once the flags are known. */
export interface OmbFile {
  options: Record<string, string | number>;
  mappingText(flags: Readonly<Record<string, unknown>>): string;
}

/** Each mapped value through the options table: a bad one names the OMB field it came from. */
function checkMapped(lines: readonly OmbMappingLine[]): void {
  for (const line of lines) {
    if (line.option === undefined || line.option === 'scenario') continue;
    try {
      parseOptions(allOptionRows(), { [line.option]: line.value }, driverNames);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`OMB field ${line.field} = ${line.given} -> ${error.message}`);
      throw error;
    }
  }
}

/** Maps an OMB workload (already parsed YAML); any problem is one line naming the file and the field. */
export function readOmbWorkload(value: Readonly<Record<string, unknown>>, path: string): OmbFile {
  try {
    const { options, lines } = mapOmbWorkload(value);
    checkMapped(lines);
    const name = typeof value.name === 'string' ? `"${value.name.slice(0, 80)}" (${path})` : path;
    return { options, mappingText: (flags) => `${renderOmbMapping(name, lines, flags).join('\n')}\n` };
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--workload: ${path}: ${error.message}`);
    throw error;
  }
}
