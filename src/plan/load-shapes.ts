/**
 * The text forms of --stages (a ramping arrival rate) and --sizes (a message size distribution),
 * parsed into the workload's `ramp` and `sizes`; bad input is one line naming the option (exit 2).
 */
import { UsageError } from '../errors.js';
import { peakRate } from '../metrics/load-shape-words.js';
import { largestSize } from '../metrics/size-distribution.js';
import { commonOptions, longestDurationUs, parseOption, shown, type OptionRow, type OptionValues } from '../options.js';
import type { Ramp, RampStage, SizeDistribution, WeightedSize } from '../results/types.js';
import { parseDurationUs } from '../util/duration.js';
import { decimalOf, isOtherNotation } from '../util/number.js';

/** --rate's ceiling, which a stage's target shares. */
const highestRate = 10_000_000;
const mostStages = 100;
const mostSizes = 100;
/** --seed's default: runs draw the same sizes unless told otherwise */
const defaultSeed = Number(commonOptions.find((r) => r.name === 'seed')?.default ?? 1);
const stagesExample = '"10s:1000,30s:5000,10s:0"';
const sizesExamples = '"100,1KiB,10KiB" (equal shares), "100:70%,1KiB:25%,10KiB:5%" or "uniform:100-1KiB"';

function refuse(option: string, message: string, raw: string): never {
  throw new UsageError(`--${option}: ${message}, got ${shown(raw)}`);
}

/** A rate in msg/s, 0 included (a ramp may go down to nothing); undefined when it is not one. */
function rateOf(text: string): number | undefined {
  if (isOtherNotation(text)) return undefined;
  const n = decimalOf(text);
  return n !== undefined && n >= 0 && n <= highestRate ? n : undefined;
}

function stageOf(item: string, whole: string): RampStage {
  const [duration, target, ...extra] = item.split(':').map((p) => p.trim());
  if (!duration || target === undefined || extra.length > 0) refuse('stages', `each stage is DURATION:RATE, e.g. ${stagesExample}`, whole);
  const targetPerSec = rateOf(target);
  if (targetPerSec === undefined) refuse('stages', `a stage's rate must be a number of messages per second from 0 to ${highestRate.toLocaleString('en-US')}`, item);
  return { durationUs: parseDurationUs(duration, `--stages: stage "${item}"`), targetPerSec };
}

/**
 * "[START,]DURATION:RATE,...", e.g. "10s:1000,30s:5000,10s:0": each stage moves the rate linearly from
 * the previous target (the first from START, default 0, as k6's startRate) to its own over its duration.
 */
export function parseStages(raw: string): Ramp {
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) refuse('stages', `give stages as DURATION:RATE separated by commas, e.g. ${stagesExample}`, raw);
  const first = items[0] ?? '';
  const hasStart = !first.includes(':');
  const startPerSec = hasStart ? rateOf(first) : 0;
  if (startPerSec === undefined) refuse('stages', `each stage is DURATION:RATE (a leading bare number is the starting rate, msg/s), e.g. ${stagesExample}`, first);
  const stages = items.slice(hasStart ? 1 : 0).map((item) => stageOf(item, raw));
  if (stages.length === 0) refuse('stages', `give at least one stage, DURATION:RATE, e.g. ${stagesExample}`, raw);
  if (stages.length > mostStages) refuse('stages', `at most ${mostStages} stages`, raw);
  if (stages.reduce((n, s) => n + s.durationUs, 0) > longestDurationUs) refuse('stages', 'the stages must last at most 7 days in all', raw);
  if (stages.every((s) => s.targetPerSec === 0) && startPerSec === 0) refuse('stages', 'every rate is 0: nothing would be sent', raw);
  return { startPerSec, stages };
}

const sizeRow: OptionRow = { ...(commonOptions.find((r) => r.name === 'size') as OptionRow), name: 'sizes' };

function sizeOf(text: string): number {
  return parseOption(sizeRow, text) as number;
}

function weightedSizes(items: string[], raw: string): WeightedSize[] {
  const weighted = items.filter((item) => item.includes(':'));
  if (weighted.length > 0 && weighted.length < items.length) refuse('sizes', 'give every size a share (100:70%,1KiB:30%) or none (equal shares)', raw);
  const sizes = items.map((item) => {
    const [size = '', share] = item.split(':').map((p) => p.trim());
    if (share === undefined) return { bytes: sizeOf(size), weight: 1 };
    const percent = share.endsWith('%') ? decimalOf(share.slice(0, -1).trim()) : undefined;
    if (percent === undefined || isOtherNotation(share.slice(0, -1).trim()) || percent <= 0 || percent > 100) refuse('sizes', 'a share is a percentage above 0 and at most 100, e.g. 1KiB:25%', item);
    return { bytes: sizeOf(size), weight: percent / 100 };
  });
  const total = sizes.reduce((n, s) => n + s.weight, 0);
  if (weighted.length > 0 && Math.abs(total - 1) > 1e-6) refuse('sizes', `the shares must add up to 100% (they add up to ${+(total * 100).toFixed(4)}%)`, raw);
  if (new Set(sizes.map((s) => s.bytes)).size < sizes.length) refuse('sizes', 'a size is listed twice', raw);
  return sizes;
}

function uniformRange(range: string, raw: string): { minBytes: number; maxBytes: number } {
  const [low, high, ...extra] = range.split('-').map((p) => p.trim());
  if (!low || !high || extra.length > 0) refuse('sizes', 'a uniform range is uniform:MIN-MAX, e.g. uniform:100-1KiB', raw);
  const minBytes = sizeOf(low);
  const maxBytes = sizeOf(high);
  if (minBytes >= maxBytes) refuse('sizes', 'a uniform range needs MIN below MAX', raw);
  return { minBytes, maxBytes };
}

/**
 * One of: sizes with equal shares ("100,1KiB,10KiB"), sizes with percentage shares adding up to 100%
 * ("100:70%,1KiB:25%,10KiB:5%"), or every whole size in a range equally likely ("uniform:100-1KiB").
 * Sizes are written as --size's (header included, at least the header's bytes).
 */
export function parseSizes(raw: string, seed: number): SizeDistribution {
  const text = raw.trim();
  if (/^uniform\s*:/i.test(text)) return { kind: 'uniform', ...uniformRange(text.slice(text.indexOf(':') + 1), raw), seed };
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) refuse('sizes', `give sizes separated by commas, e.g. ${sizesExamples}`, raw);
  if (items.length > mostSizes) refuse('sizes', `at most ${mostSizes} sizes`, raw);
  return { kind: 'weighted', sizes: weightedSizes(items, raw), seed };
}

/** What --stages and --sizes set in a workload: each field only when its option was given. */
export interface LoadShape {
  ramp?: Ramp;
  sizes?: SizeDistribution;
  /** the ramp's highest rate: what the open loop's bounds are sized for */
  rate?: number;
  durationUs?: number;
  warmupUs?: number;
  /** the largest size drawn: what a payload buffer holds */
  size?: number;
}

/**
 * The ramp, with what it decides: the window is the stages' sum (so --duration is refused, as --rate
 * and a fixed message count are), the warmup is 0 unless given, and a warmup runs at the ramp's start.
 */
function rampShape(values: OptionValues, fixedCount: number | null): LoadShape {
  const raw = String(values.stages);
  for (const other of ['rate', 'duration', 'messages']) {
    if (values[other] !== undefined) throw new UsageError(`--stages sets the rate over time and the run's length (the stages' sum): leave out --${other}`);
  }
  if (fixedCount !== null) throw new UsageError('--stages: this scenario sends a fixed message count; choose a timed scenario (e.g. --scenario noack)');
  const ramp = parseStages(raw);
  const warmupUs = Number(values.warmup ?? 0);
  if (warmupUs > 0 && ramp.startPerSec === 0) {
    throw new UsageError(`--warmup: the warmup sends at the ramp's starting rate, which is 0 here: give one first (e.g. --stages "500,${raw}") or leave out --warmup`);
  }
  return { ramp, rate: peakRate(ramp), durationUs: ramp.stages.reduce((n, s) => n + s.durationUs, 0), warmupUs };
}

/** --stages and --sizes, parsed and checked against the options they replace; {} when neither was given. */
export function loadShapeOf(values: OptionValues, fixedCount: number | null): LoadShape {
  const shape = values.stages === undefined ? {} : rampShape(values, fixedCount);
  if (values.sizes === undefined) {
    if (values.seed !== undefined) throw new UsageError('--seed draws the sizes of --sizes: give --sizes too, or leave out --seed');
    return shape;
  }
  if (values.size !== undefined) throw new UsageError('--sizes draws each message\'s size: leave out --size');
  const sizes = parseSizes(String(values.sizes), Number(values.seed ?? defaultSeed));
  return { ...shape, sizes, size: largestSize(sizes) };
}
