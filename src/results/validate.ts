import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createRequire } from 'node:module';
import type { RunResult } from './types.js';

const schema = createRequire(import.meta.url)('./schema.json') as object;
// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
const validateResult = ajv.compile(schema);

/** Returns undefined when valid, else one readable line. */
export function resultProblem(value: unknown): string | undefined {
  if (validateResult(value)) return undefined;
  const first = validateResult.errors?.[0];
  if (!first) return 'does not match the result schema';
  return `${first.instancePath || '/'} ${first.message ?? 'is invalid'}`;
}

export function isRunResult(value: unknown): value is RunResult {
  return resultProblem(value) === undefined;
}
