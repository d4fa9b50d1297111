import { Ajv } from 'ajv';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { allOptionRows, driverNames } from '../drivers/index.js';
import { UsageError } from '../errors.js';
import { parseOptions, workloadFileSchema } from '../options.js';
import { requireRegularFile } from '../util/output-dir.js';

export type WorkloadFile = Record<string, string | number | boolean>;

// generated from the options table: the same names as the flags, plus the broker and the scenario
const fields = ['broker', 'scenario'];
const validate = new Ajv({ allErrors: false, strict: false }).compile(workloadFileSchema(allOptionRows(), fields));

export const workloadFileFields = [...fields, ...allOptionRows().map((row) => row.name)];

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
  if (!validate(value)) {
    const error = validate.errors?.[0];
    if (error?.keyword === 'additionalProperties') {
      const field = String((error.params as { additionalProperty?: string }).additionalProperty);
      throw new UsageError(`--workload: unknown field "${field}" in ${path}; valid fields: ${workloadFileFields.join(', ')}`);
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
