import { Ajv } from 'ajv';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError } from '../errors.js';

/** The fields of a workload file: the `bench run` flags, same names. */
const fields = {
  broker: { type: 'string' },
  scenario: { type: 'string' },
  duration: { type: ['string', 'number'] },
  warmup: { type: ['string', 'number'] },
  'drain-timeout': { type: ['string', 'number'] },
  'stall-timeout': { type: ['string', 'number'] },
  'max-outstanding': { type: 'integer', minimum: 1 },
  size: { type: 'integer', minimum: 1 },
  rate: { type: ['string', 'number'] },
  inflight: { type: 'integer', minimum: 1 },
  messages: { type: 'integer', minimum: 1 },
  producers: { type: 'integer', minimum: 1 },
  consumers: { type: 'integer', minimum: 1 },
  partitions: { type: 'integer', minimum: 1 },
  subscriptions: { type: 'integer', minimum: 1 },
  delivery: { enum: ['noack', 'ack'] },
  confirm: { type: 'boolean' },
  persistent: { type: 'boolean' },
  prefetch: { type: 'integer', minimum: 1 },
  'multi-ack': { type: 'integer', minimum: 1 },
  'kafka-acks': { type: ['string', 'integer'] },
  linger: { type: 'integer', minimum: 0 },
  'batch-size': { type: 'integer', minimum: 1 },
  workers: { type: 'integer', minimum: 1 },
  repeat: { type: 'integer', minimum: 1 },
} as const;

export type WorkloadFile = Partial<Record<keyof typeof fields, string | number | boolean>>;

const validate = new Ajv({ allErrors: false, strict: false }).compile({
  type: 'object',
  additionalProperties: false,
  properties: fields,
});

export const workloadFileFields = Object.keys(fields);

/** Reads and validates a YAML (or JSON) workload file; any problem is one line (exit 2). */
export async function readWorkloadFile(path: string): Promise<WorkloadFile> {
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
  return value as WorkloadFile;
}
