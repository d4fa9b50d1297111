import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { defaultThresholds, type Thresholds } from '../report/check.js';
import { defaultRules, type CompareRules } from '../report/compare.js';

/** The flags of `report`, `compare` and `check` and their checks (before any file is read). */

export const reportFormats = ['md+html', 'omb'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export function reportOptions<T>(y: Argv<T>) {
  return y
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'result files or directories' })
    .option('format', {
      type: 'string',
      default: 'md+html',
      describe:
        'md+html: a Markdown and an HTML report; omb: each run as OpenMessaging Benchmark result JSON (its TestResult fields: rates and backlog per 10 s period, ' +
        'aggregated publish, publish-delay and end-to-end latency in its units; end-to-end from the actual send time, as OMB measures it; per-period latency lists left empty and ' +
        'a latency never recorded null: mqbench keeps one histogram per run)',
    })
    .option('out', {
      type: 'string',
      describe: 'md+html: x, x.md or x.html writes x.md and x.html, a folder (existing, or ending in /) report.md and report.html in it (default reports/report); ' +
        'omb: a folder of <broker>-<run id>.json, or x.json for one run (default reports/omb/)',
    })
    .option('title', { type: 'string', describe: 'report title' })
    .option('log-axis', { type: 'boolean', default: false, describe: 'md+html: every value axis logarithmic (without it, an axis is when its values span more than 100x; the chart title says so)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document naming the files written' });
}

export function reportFormatOf(argv: { format: string }): ReportFormat {
  const format = reportFormats.find((f) => f === argv.format);
  if (format === undefined) throw new UsageError(`--format: must be ${reportFormats.join(' or ')}, got "${argv.format}"`);
  return format;
}

function statisticsOptions<T>(y: Argv<T>) {
  return y
    .option('alpha', { type: 'number', default: defaultRules.alpha, describe: 'significance level of the two-sided Mann-Whitney U test (0 < alpha < 1)' })
    .option('min-repeats', { type: 'number', default: defaultRules.minRepeats, describe: 'runs needed on each side before a change is called' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document instead of the text' });
}

export function compareOptions<T>(y: Argv<T>) {
  return statisticsOptions(y)
    .positional('a', { type: 'string', describe: 'baseline result file, directory or glob (or use --baseline)' })
    .positional('b', { type: 'string', describe: 'candidate result file, directory or glob (or use --candidate)' })
    .option('baseline', { type: 'string', array: true, describe: 'baseline result files, directories or quoted globs' })
    .option('candidate', { type: 'string', array: true, describe: 'candidate result files, directories or quoted globs' })
    .option('min-effect', { type: 'number', default: defaultRules.minEffectPct, describe: 'percent: smaller changes of the median are never called' });
}

function thresholdOptions<T>(y: Argv<T>) {
  return statisticsOptions(y)
    .option('max-p99-increase', { type: 'number', default: defaultThresholds.maxP99IncreasePct, describe: 'percent (median p99 over repeats)' })
    .option('max-throughput-drop', { type: 'number', default: defaultThresholds.maxThroughputDropPct, describe: 'percent (median throughput over repeats)' })
    .option('max-lost', { type: 'number', default: defaultThresholds.maxLost, describe: 'messages' })
    .option('max-send-errors', { type: 'number', default: defaultThresholds.maxSendErrors, describe: 'failed or never-confirmed sends' });
}

export function checkOptions<T>(y: Argv<T>) {
  return thresholdOptions(y)
    .option('baseline', { type: 'string', array: true, demandOption: true, describe: 'baseline result files, directories or quoted globs' })
    .option('candidate', { type: 'string', array: true, alias: 'current', describe: 'current result files, directories or quoted globs' })
    .option('junit', {
      type: 'string',
      describe:
        'also write the check as JUnit XML (Ant format) to this file: a test case per workload and metric, a regression a failure with the figures, ' +
        'too few repeats skipped. When GITHUB_STEP_SUMMARY is set, the check is also appended to it as a Markdown table',
    });
}

/** Where `bench check` also writes: `--junit FILE`, and GitHub's job summary file when GITHUB_STEP_SUMMARY names one. */
export interface CheckOutputs {
  junit?: string;
  stepSummary?: string;
}

export function checkOutputsOf(argv: { junit?: string }, env: NodeJS.ProcessEnv): CheckOutputs {
  if (Array.isArray(argv.junit)) throw new UsageError(`--junit: give one file, got ${argv.junit.length}`);
  if (argv.junit !== undefined && argv.junit.trim() === '') throw new UsageError('--junit: name the file to write, e.g. --junit reports/check.xml');
  const summary = env.GITHUB_STEP_SUMMARY;
  return { ...(argv.junit === undefined ? {} : { junit: argv.junit }), ...(summary ? { stepSummary: summary } : {}) };
}

export function trendOptions<T>(y: Argv<T>) {
  return thresholdOptions(y)
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'result files, directories or quoted globs, from several commits' })
    .option('out', { type: 'string', default: 'reports/trend.html', describe: 'the HTML file to write (a folder: report.html in it)' });
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new UsageError(`${name}: must be a number of zero or more, got "${String(value)}"`);
  return value;
}

export function rulesOf(argv: { alpha: number; 'min-repeats': number; 'min-effect'?: number }): CompareRules {
  if (!Number.isFinite(argv.alpha) || argv.alpha <= 0 || argv.alpha >= 1) throw new UsageError(`--alpha: must be between 0 and 1, got "${String(argv.alpha)}"`);
  const minRepeats = argv['min-repeats'];
  if (!Number.isInteger(minRepeats) || minRepeats < 1) throw new UsageError(`--min-repeats: must be a whole number of 1 or more, got "${String(minRepeats)}"`);
  return { alpha: argv.alpha, minRepeats, minEffectPct: nonNegative('--min-effect', argv['min-effect'] ?? defaultRules.minEffectPct) };
}

export function thresholdsOf(argv: Record<'max-p99-increase' | 'max-throughput-drop' | 'max-lost' | 'max-send-errors', number>): Thresholds {
  return {
    maxP99IncreasePct: nonNegative('--max-p99-increase', argv['max-p99-increase']),
    maxThroughputDropPct: nonNegative('--max-throughput-drop', argv['max-throughput-drop']),
    maxLost: nonNegative('--max-lost', argv['max-lost']),
    maxSendErrors: nonNegative('--max-send-errors', argv['max-send-errors']),
  };
}

/** `compare A B` or `compare --baseline ... --candidate ...`, not a mix. */
export function compareSetsOf(argv: { a?: string; b?: string; baseline?: string[]; candidate?: string[] }): { baseline: string[]; candidate: string[] } {
  const positional = argv.a !== undefined || argv.b !== undefined;
  const flagged = argv.baseline !== undefined || argv.candidate !== undefined;
  if (positional && flagged) throw new UsageError('give the two sets either as `compare A B` or as --baseline and --candidate, not both');
  if (positional) {
    if (argv.a === undefined || argv.b === undefined) throw new UsageError('compare needs two inputs: `compare A B` (or --baseline and --candidate)');
    return { baseline: [argv.a], candidate: [argv.b] };
  }
  if (!argv.baseline?.length || !argv.candidate?.length) throw new UsageError('compare needs --baseline and --candidate (files, directories or quoted globs), or `compare A B`');
  return { baseline: argv.baseline, candidate: argv.candidate };
}

export function checkCandidateOf(argv: { candidate?: string[] }): string[] {
  if (!argv.candidate?.length) throw new UsageError('check needs --candidate (or --current): the result files to judge');
  return argv.candidate;
}
