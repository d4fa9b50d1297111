/**
 * OpenMessaging Benchmark workload files, read unchanged: each field of OMB's Workload class mapped
 * onto an mqbench run option (or a scenario), and every field mqbench cannot honour, or could honour
 * only approximately, refused by name with the reason (one line, exit 2). Nothing is ignored. Pure:
 * the parsed YAML in, the run options and the mapping to print out.
 */
import { UsageError } from '../errors.js';

type Raw = unknown;

/** One field's mapping: onto an option (`option` = `value`), or a note only (`option` absent). */
export interface OmbMappingLine {
  field: string;
  given: string;
  option?: string;
  value?: string | number;
  note?: string;
}

/** What a field becomes: a line, or the reason mqbench cannot honour it. */
type FieldRule = (value: Raw) => Omit<OmbMappingLine, 'field' | 'given'> | { refuse: string };

/** A non-negative number (OMB's int, long and double fields); fractions of minutes and GB are read too. */
function numberOf(field: string, value: Raw): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`OMB field ${field} must be a number of 0 or more, got ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`);
  }
  return value;
}

const toOption = (option: string) => (field: string): FieldRule => (value) => ({ option, value: numberOf(field, value) });

const minutes = (option: string, field: string): FieldRule => (value) => {
  const m = numberOf(field, value);
  return { option, value: Number.isInteger(m) ? `${m}m` : `${Math.round(m * 60_000)}ms` };
};

const randomPayloads =
  "mqbench's payload is its header and a fixed filler of messageSize bytes; it generates no random bytes (a compressing broker would see another payload)";

const rules: Readonly<Record<string, FieldRule>> = {
  name: () => ({ note: 'the workload\'s label; a run is named by its id' }),
  topics: (value) => (numberOf('topics', value) === 1 ? { note: 'one stream per run' } : { refuse: 'mqbench runs one stream (topic) per run; use topics: 1 (partitionsPerTopic spreads the load)' }),
  partitionsPerTopic: toOption('partitions')('partitionsPerTopic'),
  keyDistributor: (value) => {
    if (value === 'NO_KEY') return { option: 'keys', value: 'off' };
    if (value === 'KEY_ROUND_ROBIN') return { option: 'keys', value: 'on', note: 'keys cycle in order over 4,096 keys' };
    return { refuse: `mqbench's keys cycle in order (KEY_ROUND_ROBIN) or are absent (NO_KEY); ${JSON.stringify(value)} is not generated` };
  },
  messageSize: (value) => ({ option: 'size', value: numberOf('messageSize', value), note: "mqbench's 32-byte header is inside these bytes" }),
  payloadFile: () => ({ refuse: "mqbench sends its own payload (its header, then filler), never a file's bytes; remove payloadFile (messageSize is honoured)" }),
  useRandomizedPayloads: (value) => (value === false ? { note: "mqbench's fixed payload" } : { refuse: randomPayloads }),
  randomBytesRatio: () => ({ refuse: `belongs to useRandomizedPayloads: ${randomPayloads}` }),
  randomizedPayloadPoolSize: () => ({ refuse: `belongs to useRandomizedPayloads: ${randomPayloads}` }),
  subscriptionsPerTopic: toOption('subscriptions')('subscriptionsPerTopic'),
  consumerPerSubscription: toOption('consumers')('consumerPerSubscription'),
  producersPerTopic: toOption('producers')('producersPerTopic'),
  producerRate: (value) =>
    numberOf('producerRate', value) > 0
      ? { option: 'rate', value: value as number, note: 'msg/s over all producers, open loop' }
      : { refuse: 'producerRate 0 makes OMB search for the highest sustainable rate while it runs; mqbench searches in its own command, bench find-rate (or give a rate)' },
  consumerBacklogSizeGB: (value) => {
    const gb = numberOf('consumerBacklogSizeGB', value);
    if (gb === 0) return { option: 'scenario', value: 'ack', note: 'no backlog: at-least-once' };
    return { option: 'backlog-size', value: `${Math.round(gb * 1024 ** 3)}`, note: 'scenario backlog: consumers attach once producers built it; GB = 1024^3 bytes, as OMB' };
  },
  backlogDrainRatio: (value) =>
    numberOf('backlogDrainRatio', value) === 1
      ? { note: 'drain the whole backlog: drained when at most 100 ms of the rate (or 1% of the backlog) is in flight' }
      : { refuse: 'mqbench drains the whole backlog (1.0); a partial drain is not measured' },
  testDurationMinutes: minutes('duration', 'testDurationMinutes'),
  warmupDurationMinutes: minutes('warmup', 'warmupDurationMinutes'),
};

/** The fields OMB's Workload class has, in its order. */
export const ombFields = Object.keys(rules);

/** Fields OMB reads as 0 when absent: a workload without them would send nothing, so they are required. */
const requiredFields = ['topics', 'partitionsPerTopic', 'messageSize', 'subscriptionsPerTopic', 'producersPerTopic', 'consumerPerSubscription', 'producerRate', 'testDurationMinutes'];

/** OMB's defaults for the fields it does not require (Workload.java). */
const ombDefaults: Readonly<Record<string, Raw>> = { keyDistributor: 'NO_KEY', consumerBacklogSizeGB: 0, warmupDurationMinutes: 1 };

/** An OMB workload has OMB's own field names (mqbench's own files use flag names). */
export function isOmbWorkload(value: Readonly<Record<string, Raw>>): boolean {
  return requiredFields.some((field) => field in value) || 'consumerBacklogSizeGB' in value || 'payloadFile' in value;
}

const shownValue = (value: Raw): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)).slice(0, 60);

/**
 * The run options an OMB workload means, and the mapping line by line; an unknown field, a missing
 * one or one mqbench cannot honour is refused by name with the reason.
 */
export function mapOmbWorkload(value: Readonly<Record<string, Raw>>): { options: Record<string, string | number>; lines: OmbMappingLine[] } {
  const unknown = Object.keys(value).find((field) => !(field in rules));
  if (unknown !== undefined) throw new UsageError(`unknown OMB field "${unknown.slice(0, 60)}"; OMB's workload fields: ${ombFields.join(', ')}`);
  const missing = requiredFields.find((field) => !(field in value));
  if (missing !== undefined) throw new UsageError(`OMB field ${missing} is missing (OMB would read it as 0)`);
  const options: Record<string, string | number> = {};
  const lines: OmbMappingLine[] = [];
  for (const field of ombFields) {
    const given = field in value ? value[field] : ombDefaults[field];
    if (given === undefined) continue;
    const mapped = (rules[field] as FieldRule)(given);
    if ('refuse' in mapped) throw new UsageError(`OMB field ${field} = ${shownValue(given)} is refused: ${mapped.refuse}`);
    if (mapped.option !== undefined && mapped.value !== undefined) options[mapped.option] = mapped.value;
    lines.push({ field, given: `${shownValue(given)}${field in value ? '' : " (OMB's default)"}`, ...mapped });
  }
  if (options['backlog-size'] !== undefined) options.scenario = 'backlog';
  return { options, lines };
}

/** The mapping as printed before the run: one line per field, and what a flag overrode. */
export function renderOmbMapping(name: string, lines: readonly OmbMappingLine[], flags: Readonly<Record<string, unknown>>): string[] {
  const out = [`OpenMessaging Benchmark workload ${name}, field by field:`];
  for (const line of lines) {
    const target = line.option === undefined ? '' : ` -> ${line.option === 'scenario' ? '--scenario' : `--${line.option}`} = ${String(line.value)}`;
    const overridden = line.option !== undefined && flags[line.option] !== undefined ? ` (overridden: --${line.option} = ${shownValue(flags[line.option])})` : '';
    out.push(`  ${line.field} = ${line.given}${target}${line.note ? ` (${line.note})` : ''}${overridden}`);
  }
  return out;
}
