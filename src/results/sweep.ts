/**
 * The files that tie runs together: a sweep (one option varied over values, brokers, repeats) and a
 * rate search (the steps of `bench find-rate`). Their own types and schemas, kept apart from the run
 * result's (schema.json describes one run; these name run files and summarise them).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { RunStatus } from './types.js';

/** A small sample: median and the full range (min-max) across repeats. */
export interface SampleSpread {
  n: number;
  median: number;
  min: number;
  max: number;
}

export interface SweepRun {
  file: string;
  id: string;
  repeat: number;
  status: RunStatus;
}

/** One broker at one value of the varied option, over every repeat. */
export interface SweepPoint {
  broker: string;
  /** the value as given on the command line, e.g. "4" or "1KiB" */
  value: string;
  /** the value as the options table parses it (bytes, us, msg/s, count); null for "max" */
  parsedValue: number | null;
  runs: SweepRun[];
  /** over runs that went to their end (completed, or completed with errors) */
  receivedPerSec: SampleSpread | null;
  p50Us: SampleSpread | null;
  p99Us: SampleSpread | null;
  clientCpuPerMessageUs: SampleSpread | null;
  brokerCpuPerMessageUs: SampleSpread | null;
  /** why broker CPU is absent (the first run's reason) */
  brokerCostNotMeasured?: string;
}

export interface SweepDocument {
  kind: 'mqbench-sweep';
  version: 1;
  id: string;
  createdAt: string;
  scenario: string;
  brokers: string[];
  vary: { option: string; values: string[] };
  repeats: number;
  /** how runs were ordered, so drift does not favour one broker */
  order: string;
  /** the other run options, by flag name */
  options: Record<string, string | number | boolean>;
  /** false when the sweep was interrupted: some points have fewer runs */
  complete: boolean;
  points: SweepPoint[];
}

export interface RateSearchStep {
  rate: number;
  phase: 'bracket' | 'bisect' | 'confirm';
  pass: boolean;
  reasons: string[];
  runId: string;
  file: string;
  status: RunStatus;
  achievedSendPerSec: number;
  achievedReceivePerSec: number;
  sloValueUs: number;
  lost: number;
  sendErrors: number;
}

export interface RateSearchDocument {
  kind: 'mqbench-rate-search';
  version: 1;
  id: string;
  createdAt: string;
  broker: string;
  scenario: string;
  slo: string;
  /** the objective's threshold (us) */
  sloThresholdUs: number;
  rules: { startRate: number; resolution: number; maxSteps: number; rateTolerance: number; /** more runs the found rate had to pass (absent in files written before it existed) */ confirmations?: number };
  options: Record<string, string | number | boolean>;
  /** the answer: the highest rate that passed its confirmation runs; null when the search established none */
  foundRate: number | null;
  /** the highest rate that passed a step, confirmed or not (absent in files written before it existed) */
  highestPassedRate?: number | null;
  failedRate: number | null;
  stoppedBecause: string;
  /** the found step's distance from the objective: threshold - value (us) and that over the threshold */
  margin: { us: number; share: number } | null;
  steps: RateSearchStep[];
}

const spread = {
  anyOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['n', 'median', 'min', 'max'],
      properties: { n: { type: 'integer', minimum: 1 }, median: { type: 'number' }, min: { type: 'number' }, max: { type: 'number' } },
    },
    { type: 'null' },
  ],
};
const status = { enum: ['completed', 'completed-with-errors', 'aborted', 'errored'] };
const options = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };
const text = { type: 'string', minLength: 1 };

const sweepSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'version', 'id', 'createdAt', 'scenario', 'brokers', 'vary', 'repeats', 'order', 'options', 'complete', 'points'],
  properties: {
    kind: { const: 'mqbench-sweep' },
    version: { const: 1 },
    id: text,
    createdAt: text,
    scenario: text,
    brokers: { type: 'array', minItems: 1, items: text },
    vary: {
      type: 'object',
      additionalProperties: false,
      required: ['option', 'values'],
      properties: { option: text, values: { type: 'array', minItems: 1, items: text } },
    },
    repeats: { type: 'integer', minimum: 1 },
    order: text,
    options,
    complete: { type: 'boolean' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['broker', 'value', 'parsedValue', 'runs', 'receivedPerSec', 'p50Us', 'p99Us', 'clientCpuPerMessageUs', 'brokerCpuPerMessageUs'],
        properties: {
          broker: text,
          value: text,
          parsedValue: { type: ['number', 'null'] },
          runs: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['file', 'id', 'repeat', 'status'],
              properties: { file: text, id: text, repeat: { type: 'integer', minimum: 1 }, status },
            },
          },
          receivedPerSec: spread,
          p50Us: spread,
          p99Us: spread,
          clientCpuPerMessageUs: spread,
          brokerCpuPerMessageUs: spread,
          brokerCostNotMeasured: text,
        },
      },
    },
  },
};

const searchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'version', 'id', 'createdAt', 'broker', 'scenario', 'slo', 'sloThresholdUs', 'rules', 'options', 'foundRate', 'failedRate', 'stoppedBecause', 'margin', 'steps'],
  properties: {
    kind: { const: 'mqbench-rate-search' },
    version: { const: 1 },
    id: text,
    createdAt: text,
    broker: text,
    scenario: text,
    slo: text,
    sloThresholdUs: { type: 'number', minimum: 1 },
    rules: {
      type: 'object',
      additionalProperties: false,
      required: ['startRate', 'resolution', 'maxSteps', 'rateTolerance'],
      properties: { startRate: { type: 'number', exclusiveMinimum: 0 }, resolution: { type: 'number', exclusiveMinimum: 0 }, maxSteps: { type: 'integer', minimum: 1 }, rateTolerance: { type: 'number' }, confirmations: { type: 'integer', minimum: 0 } },
    },
    options,
    foundRate: { type: ['number', 'null'] },
    highestPassedRate: { type: ['number', 'null'] },
    failedRate: { type: ['number', 'null'] },
    stoppedBecause: text,
    margin: {
      anyOf: [
        { type: 'object', additionalProperties: false, required: ['us', 'share'], properties: { us: { type: 'number' }, share: { type: 'number' } } },
        { type: 'null' },
      ],
    },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rate', 'phase', 'pass', 'reasons', 'runId', 'file', 'status', 'achievedSendPerSec', 'achievedReceivePerSec', 'sloValueUs', 'lost', 'sendErrors'],
        properties: {
          rate: { type: 'number', exclusiveMinimum: 0 },
          phase: { enum: ['bracket', 'bisect', 'confirm'] },
          pass: { type: 'boolean' },
          reasons: { type: 'array', items: text },
          runId: text,
          file: text,
          status,
          achievedSendPerSec: { type: 'number', minimum: 0 },
          achievedReceivePerSec: { type: 'number', minimum: 0 },
          sloValueUs: { type: 'number', minimum: 0 },
          lost: { type: 'integer', minimum: 0 },
          sendErrors: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

// compiled on first use: an import must not cost the commands that never read a sweep (see validate.ts)
let compiled: { sweep: ValidateFunction; search: ValidateFunction } | undefined;
function validators(): { sweep: ValidateFunction; search: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    compiled = { sweep: ajv.compile(sweepSchema), search: ajv.compile(searchSchema) };
  }
  return compiled;
}

function problemOf(validate: ValidateFunction, value: unknown): string | undefined {
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  return first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'is invalid';
}

/** Undefined when `value` is a valid sweep file, else one line. */
export function sweepProblem(value: unknown): string | undefined {
  return problemOf(validators().sweep, value);
}

/** Undefined when `value` is a valid rate-search file, else one line. */
export function rateSearchProblem(value: unknown): string | undefined {
  return problemOf(validators().search, value);
}
