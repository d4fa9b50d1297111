/**
 * ONE table of run options (DESIGN.md): name, kind, default, limits, help, owning broker plug-in.
 * The yargs flags, the workload-file schema and the validation of both are generated from it, so an
 * option is defined once and checked once, with one line naming the option, the value and the range.
 */
import { UsageError } from './errors.js';
import { parseDurationUs } from './util/duration.js';
import { decimalOf, decimalOnly, isOtherNotation, quantityOf } from './util/number.js';
import { printable } from './util/printable.js';

export type OptionKind = 'duration' | 'whole' | 'size' | 'rate' | 'choice' | 'boolean' | 'text';
export type OptionValue = string | number | boolean;

export interface OptionRow {
  /** the flag (--name) and the workload-file field */
  name: string;
  kind: OptionKind;
  describe: string;
  /** as a user would write it; absent: derived (the help says from what) */
  default?: OptionValue;
  /** whole, size and rate: the value; duration: microseconds (a duration without a max: at most a week) */
  min?: number;
  max?: number;
  /** why the minimum, when it is not obvious (e.g. "the mqbench header") */
  minReason?: string;
  choices?: readonly string[];
  /** duration: words taken as they are besides a time (e.g. "never") */
  words?: readonly string[];
  /** the broker plug-in that owns it; absent: every broker */
  broker?: string;
}

/** The closed loop's window when neither the user nor the broker plug-in (BrokerPlugin.defaultInflight) says otherwise. */
export const defaultInflight = 1000;

/** Options every broker understands: the load's shape and the run's length. */
export const commonOptions: readonly OptionRow[] = [
  // at most a week (a soak test); the waits at most an hour (longer is a stalled broker, not a setting)
  { name: 'duration', kind: 'duration', default: '10s', min: 1, max: 7 * 24 * 3_600_000_000, describe: 'measured window' },
  { name: 'warmup', kind: 'duration', default: '2s', min: 0, max: 3_600_000_000, describe: 'excluded from every statistic' },
  { name: 'drain-timeout', kind: 'duration', default: '5s', min: 1, max: 3_600_000_000, describe: 'how long to wait for in-flight messages after producers stop' },
  { name: 'stall-timeout', kind: 'duration', default: '10s', min: 1, max: 3_600_000_000, describe: 'abort (exit 4) when nothing is acknowledged or received for this long while work is outstanding' },
  { name: 'size', kind: 'size', default: 100, min: 32, max: 64 * 1024 * 1024, minReason: 'the mqbench header', describe: 'message size, header included (bytes; 1KB = 1000, 1KiB = 1k = 1024)' },
  { name: 'sizes', kind: 'text', describe: 'message sizes drawn per message instead of one --size: "100,1KiB,10KiB" (equal shares), "100:70%,1KiB:25%,10KiB:5%" or "uniform:100-1KiB" (each whole size equally likely)' },
  { name: 'seed', kind: 'whole', default: 1, min: 0, max: 4_294_967_295, describe: 'seed of the generator that draws --sizes: the same seed sends the same sizes (recorded in the result)' },
  // below 1 msg/s a run of seconds sends nothing ("0 msg/s ... target rate reached"); 10,000,000 is far past
  // what one host sends; fractions above 1 are meaningful (2.5 msg/s: 5 messages in 2 s)
  { name: 'rate', kind: 'rate', default: 'max', min: 1, max: 10_000_000, describe: 'msg/s for the whole run (open loop, latency corrected) or "max" (closed loop)' },
  { name: 'stages', kind: 'text', describe: 'a ramping arrival rate instead of --rate and --duration (k6\'s ramping-arrival-rate): [START,]DURATION:RATE,... e.g. "10s:1000,30s:5000,10s:0"; each stage moves the rate linearly from the one before (the first from START, default 0) and the stages are the measured window (--warmup, default 0s, sends at START)' },
  { name: 'inflight', kind: 'whole', min: 1, max: 1_000_000, describe: `closed loop: messages in flight end to end (default ${defaultInflight}, or the broker plug-in's where its broker drops above that: MQTT ack 500)` },
  { name: 'max-outstanding', kind: 'whole', min: 1, max: 1_000_000, describe: 'open loop: most sends awaiting the broker at once; what it holds back is late (default: 100 ms of the rate, 64..100,000, at most 256 MiB)' },
  { name: 'messages', kind: 'whole', min: 1, max: 1_000_000_000, describe: 'send exactly this many messages instead of a timed window' },
  { name: 'producers', kind: 'whole', min: 1, max: 1000, describe: 'producer count (default from the scenario)' },
  { name: 'consumers', kind: 'whole', min: 1, max: 1000, describe: 'consumers per subscription (default from the scenario)' },
  { name: 'partitions', kind: 'whole', min: 1, max: 10_000, describe: 'partitions (Kafka) / queues (RabbitMQ) per subscription (default from the scenario)' },
  { name: 'keys', kind: 'choice', choices: ['on', 'off'], describe: 'on: every message carries a key that picks its partition / queue (order per key); off: unkeyed, spread by the driver (round-robin, or a batch at a time where the client batches); default on when the scenario is keyed or partitions > 1' },
  { name: 'subscriptions', kind: 'whole', min: 1, max: 100, describe: 'independent subscribers that each get every message (default from the scenario)' },
  { name: 'delivery', kind: 'choice', choices: ['noack', 'ack'], describe: 'noack (at-most-once) or ack (at-least-once); default from the scenario' },
  { name: 'workers', kind: 'whole', default: 1, min: 1, max: 16, describe: 'spread producers and consumers over N processes' },
  { name: 'repeat', kind: 'whole', default: 1, min: 1, max: 1000, describe: 'run the workload N times (each run its own result file)' },
  { name: 'connect-timeout', kind: 'whole', default: 5000, min: 1, max: 600_000, describe: 'ms to wait for the broker to answer' },
  { name: 'provision', kind: 'choice', choices: ['auto', 'local', 'docker'], default: 'auto', describe: 'when the default endpoint has no broker: auto (Docker if an engine answers, else a local process), local, docker' },
  // failover scenario only (refused elsewhere): the fault and when; defaults come from the scenario
  { name: 'fault', kind: 'choice', choices: ['kill', 'stop', 'restart', 'partition'], describe: 'failover: kill (SIGKILL, restarted after --fault-for), stop (SIGSTOP, SIGCONT after --fault-for), restart (graceful stop, started after --fault-for) or partition (cut off as --partition says, healed after --fault-for; a cluster brought up with --netns) a node mqbench started (default kill)' },
  { name: 'partition', kind: 'choice', choices: ['isolate', 'peers', 'clients'], describe: 'failover with --fault partition: isolate (the node cut from its peers and its clients), peers (from the other nodes only: split brain) or clients (from the load generator only) (default isolate)' },
  { name: 'fault-target', kind: 'text', describe: 'failover: leader (of the run\'s queue / partition), connected (the first listed node) or node:N (default leader)' },
  { name: 'fault-at', kind: 'duration', min: 0, max: 7 * 24 * 3_600_000_000, describe: 'failover: when the fault starts, after the measured window started (default 10s)' },
  { name: 'fault-for', kind: 'duration', min: 1, max: 7 * 24 * 3_600_000_000, words: ['never'], describe: 'failover: how long the fault lasts before it is restored, or never (the node stays down for the rest of the run and is restored after it) (default 15s)' },
  { name: 'clients', kind: 'choice', choices: ['spread', 'failed-node', 'survivors'], describe: 'failover: where producers and consumers connect: spread (dealt over the nodes: some on the node that fails, some on survivors), failed-node (all on the node the fault hits) or survivors (none on it); each stays on its node until that node fails (default spread, for brokers whose clients stay on one node)' },
  { name: 'late-joiners', kind: 'whole', min: 0, max: 100, describe: 'failover: fresh producers opened on surviving nodes just after the fault, each at the rate of one producer: what a newly started application sees (default 0)' },
  { name: 'fault-cmd', kind: 'text', describe: 'failover on a cluster you run: the command that injects the fault (e.g. a kubectl or systemctl line); mqbench never kills what it did not start' },
  { name: 'restore-cmd', kind: 'text', describe: 'failover: the command that restores it after --fault-for (with --fault-cmd)' },
  // backlog scenario only (refused elsewhere): OpenMessaging Benchmark's consumerBacklogSizeGB
  { name: 'backlog-size', kind: 'size', min: 1, max: 1024 ** 4, describe: 'backlog: bytes (over every subscription) producers build before consumers attach and drain it, e.g. 64MiB, 1GiB (default 8MiB)' },
  { name: 'broker-version', kind: 'text', describe: "the broker's version, recorded when the driver cannot learn it (e.g. a Kafka mqbench did not start); a version the broker reports itself wins" },
  { name: 'broker-pid', kind: 'text', describe: 'the broker process ids on this host, one or more, comma-separated (cluster nodes), to measure broker CPU, memory and disk per message (default: the broker mqbench started, if any)' },
];

const longValue = 40;

/** The value as the user gave it, shortened: a 10 MB value is never echoed back in full, nor a control character raw. */
export function shown(raw: unknown): string {
  const text = String(raw);
  return printable(text.length <= longValue ? `"${text}"` : `"${text.slice(0, longValue)}…" (${text.length.toLocaleString('en-US')} characters)`);
}

function fail(row: OptionRow, message: string, raw: unknown): never {
  throw new UsageError(`--${row.name}: ${message}, got ${shown(raw)}`);
}

/** "0x10", "1e3", "Infinity": refused the same way by every numeric option, whatever its kind. */
function refuseOtherNotation(row: OptionRow, raw: unknown): void {
  if (isOtherNotation(raw)) fail(row, decimalOnly, raw);
}

function wholeRange(row: OptionRow, unit = ''): string {
  const min = row.min ?? 0;
  if (row.max === undefined) return min === 1 ? `a whole number${unit} greater than zero` : `a whole number${unit} of ${min} or more`;
  return `a whole number${unit} from ${min.toLocaleString('en-US')} to ${row.max.toLocaleString('en-US')}`;
}

function parseWhole(row: OptionRow, raw: unknown): number {
  refuseOtherNotation(row, raw);
  const n = decimalOf(raw);
  if (n === undefined || !Number.isInteger(n) || n < (row.min ?? 0) || (row.max !== undefined && n > row.max)) fail(row, `must be ${wholeRange(row)}`, raw);
  return n;
}

const sizeUnits: Record<string, number> = { '': 1, b: 1, kb: 1000, k: 1024, kib: 1024, mb: 1_000_000, m: 1024 * 1024, mib: 1024 * 1024, gb: 1e9, g: 1024 ** 3, gib: 1024 ** 3 };

function parseSize(row: OptionRow, raw: unknown): number {
  refuseOtherNotation(row, raw);
  const quantity = quantityOf(raw);
  const unit = quantity?.unit.toLowerCase() ?? '';
  const factor = quantity && Object.hasOwn(sizeUnits, unit) ? sizeUnits[unit] : undefined;
  if (!quantity || factor === undefined) fail(row, 'must be a size in bytes, e.g. 100, 1KB (1000), 1KiB or 1k (1024), 1MiB', raw);
  const bytes = quantity.value * factor;
  if (!Number.isInteger(bytes)) fail(row, 'must be a whole number of bytes', raw);
  if (row.min !== undefined && bytes < row.min) {
    throw new UsageError(`--${row.name}: must be at least ${row.min} bytes${row.minReason ? ` (${row.minReason})` : ''}, got ${shown(raw)}`);
  }
  if (row.max !== undefined && bytes > row.max) fail(row, `must be at most ${row.max.toLocaleString('en-US')} bytes`, raw);
  return bytes;
}

function parseRateValue(row: OptionRow, raw: unknown): number | 'max' {
  if (String(raw).trim().toLowerCase() === 'max') return 'max';
  refuseOtherNotation(row, raw);
  const n = decimalOf(raw);
  if (n === undefined || n <= 0) fail(row, 'must be a number of messages per second greater than zero or "max"', raw);
  const min = row.min ?? 0;
  const max = row.max ?? Number.MAX_SAFE_INTEGER;
  if (n < min || n > max) fail(row, `must be from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')} messages per second, or "max"`, raw);
  return n;
}

function parseChoice(row: OptionRow, raw: unknown): string {
  const text = String(raw).trim().toLowerCase();
  const choices = row.choices ?? [];
  if (!choices.includes(text)) fail(row, `must be ${choices.slice(0, -1).join(', ')} or ${choices.at(-1) ?? ''}`, raw);
  return text;
}

function parseBoolean(row: OptionRow, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return fail(row, 'must be true or false', raw);
}

/** The longest a duration option may be unless its row says otherwise: a week (a soak test's length). */
export const longestDurationUs = 7 * 24 * 3_600_000_000;

function parseDuration(row: OptionRow, raw: unknown): number | string {
  const word = String(raw).trim().toLowerCase();
  if (row.words?.includes(word)) return word;
  refuseOtherNotation(row, raw);
  const us = parseDurationUs(typeof raw === 'number' ? raw : String(raw).slice(0, 200), `--${row.name}`, (row.min ?? 1) === 0);
  const max = row.max ?? longestDurationUs;
  if (us > max) fail(row, `must be at most ${durationWords(max)}`, raw);
  return us;
}

/** 604800000000 -> "7 days", 3600000000 -> "1 h": how a maximum is said. */
function durationWords(us: number): string {
  const day = 24 * 3_600_000_000;
  if (us % day === 0) return `${us / day} day${us === day ? '' : 's'}`;
  if (us % 3_600_000_000 === 0) return `${us / 3_600_000_000} h`;
  return `${us / 1_000_000} s`;
}

function parseText(row: OptionRow, raw: unknown): string {
  const text = String(raw).trim();
  if (text === '') fail(row, 'must not be empty', raw);
  return text;
}

/** Parses one option's raw value (a flag's text or a workload file's value); throws one line. */
export function parseOption(row: OptionRow, raw: unknown): number | string | boolean {
  switch (row.kind) {
    case 'duration':
      return parseDuration(row, raw);
    case 'whole':
      return parseWhole(row, raw);
    case 'size':
      return parseSize(row, raw);
    case 'rate':
      return parseRateValue(row, raw);
    case 'choice':
      return parseChoice(row, raw);
    case 'boolean':
      return parseBoolean(row, raw);
    case 'text':
      return parseText(row, raw);
  }
}

/** Parsed option values by option name (only what the user gave; defaults are applied by who reads them). */
export type OptionValues = Readonly<Record<string, number | string | boolean>>;

/** The help text of a row: its description, default and range. */
export function helpOf(row: OptionRow): string {
  const parts = [row.describe];
  if (row.default !== undefined) parts.push(`(default ${String(row.default)})`);
  if (row.kind === 'duration') parts.push(`(at most ${durationWords(row.max ?? longestDurationUs)})`);
  if (row.broker) parts.push(`[${row.broker}]`);
  return parts.join(' ');
}

/**
 * Checks and parses the options a user gave (flags and a workload file merged; flags win) for a run on
 * `brokers`: an option no named broker owns is refused with one line, before anything connects.
 */
export function parseOptions(rows: readonly OptionRow[], given: Readonly<Record<string, unknown>>, brokers: readonly string[]): OptionValues {
  const values: Record<string, number | string | boolean> = {};
  for (const row of rows) {
    const raw = given[row.name];
    if (raw === undefined) continue;
    if (row.broker && !brokers.includes(row.broker)) {
      throw new UsageError(`--${row.name} is a ${row.broker} option; it has no meaning for ${brokers.join(', ')}`);
    }
    values[row.name] = parseOption(row, raw);
  }
  return values;
}

/** A workload file's schema, from the same rows: field names and JSON types (values are checked by parseOption). */
export function workloadFileSchema(rows: readonly OptionRow[], extraFields: readonly string[]): object {
  const properties: Record<string, object> = {};
  for (const name of extraFields) properties[name] = { type: 'string' };
  for (const row of rows) properties[row.name] = row.kind === 'boolean' ? { type: 'boolean' } : { type: ['string', 'number'] };
  return { type: 'object', additionalProperties: false, properties };
}
