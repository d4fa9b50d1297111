import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** Schema version 2, generated from types.ts by `npm run schema`. */
const schema = require('./schema.json') as object;
/** Schema version 1, hand-written, frozen: only to check a v1 file before migrating it (migrate.ts). */
const schemaV1 = require('./schema-v1.json') as object;

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
/**
 * Compiled on first use, not at import: compiling the result schema takes ~0.7 s of CPU, which every
 * command that never reads a result (`--version`, a refused option) would pay before its first line.
 */
function compiledOnce(source: object): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => (compiled ??= ajvInstance().compile(source));
}

let ajv: Ajv | undefined;
function ajvInstance(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: false, strict: false });
    addFormats(ajv);
  }
  return ajv;
}

const validateV2 = compiledOnce(schema);
const validateV1 = compiledOnce(schemaV1);

/** Readable words for the failures whose schema text would say little (a regular expression). */
function explain(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'pattern':
      if (error.instancePath.endsWith('/url')) return 'must not contain credentials (user:password@)';
      return `must match ${String(params.pattern)}`;
    case 'not':
      if (error.instancePath.endsWith('/url')) return 'must not contain credentials (user:password@)';
      break;
    case 'additionalProperties':
      return `has an unknown property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
  }
  return error.message ?? 'is invalid';
}

function problemOf(validate: ValidateFunction, value: unknown, what: string): string | undefined {
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  if (!first) return `does not match the ${what}`;
  return `${first.instancePath || '/'} ${explain(first)}`;
}

/** Checks against result schema version 2 (the current one). Returns undefined when valid, else one readable line. */
export function resultProblem(value: unknown): string | undefined {
  return problemOf(validateV2(), value, 'result schema');
}

/** Checks against result schema version 1 (files written before version 2). Undefined when valid, else one line. */
export function v1ResultProblem(value: unknown): string | undefined {
  return problemOf(validateV1(), value, 'version 1 result schema');
}

/** The result schema's Workload part, resolved against the compiled result schema (its $id). */
const validateWorkloadPart = compiledOnce({ $ref: `${(schema as { $id: string }).$id}#/definitions/Workload` });

/** Checks a workload alone (a pod's line carries one) against the result schema. Undefined when valid, else one line. */
export function workloadProblem(value: unknown): string | undefined {
  validateV2(); // registers the result schema, which the Workload part refers into
  return problemOf(validateWorkloadPart(), value, 'workload schema');
}
