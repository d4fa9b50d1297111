import { Ajv } from 'ajv';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { allOptionRows, driverNames } from '../drivers/index.js';
import { UsageError } from '../errors.js';
import { parseOptions, workloadFileSchema } from '../options.js';
import { requireRegularFile } from '../util/output-dir.js';
import { isOmbWorkload } from '../plan/omb-workload.js';
import { readOmbWorkload, type OmbFile } from './omb-file.js';

/** A workload file, and a command's run options: the broker, the scenario and run options by flag name (raw). */
export type WorkloadFile = Record<string, string | number | boolean>;

const fields = ['broker', 'scenario'];

/**
 * Generated from the options table: the same names as the flags, plus the broker and the scenario.
 * A function, not a constant: a plug-in registered at start-up (MQBENCH_PLUGINS) brings its own rows.
 */
export function workloadFileFields(): string[] {
  return [...fields, ...allOptionRows().map((row) => row.name)];
}

/** The run options a command was given: a workload file's fields (--workload), overridden by flags. */
export async function givenOptionsOf(argv: Readonly<Record<string, unknown>>): Promise<WorkloadFile> {
  const fromFile = typeof argv.workload === 'string' ? await readWorkloadFile(argv.workload) : {};
  const given: WorkloadFile = { ...fromFile };
  const flags: WorkloadFile = {};
  for (const field of workloadFileFields()) {
    const value = argv[field];
    if (value !== undefined) given[field] = flags[field] = value as string | number | boolean;
  }
  // an OpenMessaging Benchmark file: its mapping printed before anything connects (stderr: --json stays clean)
  const omb = typeof argv.workload === 'string' ? ombFiles.get(argv.workload) : undefined;
  if (omb) process.stderr.write(omb.mappingText(flags));
  return given;
}

/** OMB files read by this process, by path: their mapping is printed once the flags are known. */
const ombFiles = new Map<string, OmbFile>();

/** Reads and validates a YAML (or JSON) workload file; any problem is one line (exit 2). */
export async function readWorkloadFile(path: string): Promise<WorkloadFile> {
  await requireRegularFile(path, '--workload');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--workload: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new UsageError(`--workload: ${path} is not valid YAML: ${first}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`--workload: ${path} must be a YAML mapping of run options (e.g. "scenario: noack")`);
  }
  if (isOmbWorkload(value as Record<string, unknown>)) {
    const omb = readOmbWorkload(value as Record<string, unknown>, path);
    ombFiles.set(path, omb);
    return omb.options;
  }
  const validate = new Ajv({ allErrors: false, strict: false }).compile(workloadFileSchema(allOptionRows(), fields));
  if (!validate(value)) {
    const error = validate.errors?.[0];
    if (error?.keyword === 'additionalProperties') {
      const field = String((error.params as { additionalProperty?: string }).additionalProperty);
      throw new UsageError(`--workload: unknown field "${field}" in ${path}; valid fields: ${workloadFileFields().join(', ')}`);
    }
    const where = error?.instancePath.replace(/^\//, '') || 'file';
    throw new UsageError(`--workload: ${where} ${error?.message ?? 'is invalid'} in ${path}`);
  }
  const { broker: _broker, scenario: _scenario, ...options } = value as WorkloadFile;
  try {
    parseOptions(allOptionRows(), options, driverNames);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--workload: ${path}: ${error.message}`);
    throw error;
  }
  return value as WorkloadFile;
}
