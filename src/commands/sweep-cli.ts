/**
 * The yargs modules of `bench sweep` and `bench find-rate` (flags generated from the options table,
 * as `bench run`'s) and their handlers' work: each returns its text and exit code; cli.ts prints and exits.
 */
import type { Argv, CommandModule } from 'yargs';
import type { Quit } from './interrupts.js';
import type { CommandOutput } from './output.js';
import { allOptionRows, driverNames } from '../drivers/index.js';
import { helpOf } from '../options.js';
import { scenarioNames } from '../scenarios/index.js';
import { givenOptionsOf } from './workload-file.js';
import { withExamples } from './help-examples.js';

export type Args = Record<string, unknown> & { out: string; json: boolean; progress: boolean; quiet?: boolean; report?: string; workload?: string };

function runFlags(y: Argv<object>, brokerHelp: string): Argv<object> {
  let out = y
    .option('broker', { type: 'string', describe: brokerHelp })
    .option('scenario', { type: 'string', describe: `scenario: ${scenarioNames.join(', ')}` })
    .option('workload', { type: 'string', describe: 'YAML file with the run options (flags win)' });
  for (const row of allOptionRows()) out = out.option(row.name, { type: row.kind === 'boolean' ? 'boolean' : 'string', describe: helpOf(row) });
  return out
    .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON of every run' })
    .option('report', { type: 'string', describe: 'report path without extension (writes .md and .html)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the tying document (JSON) on stdout instead of the summary' })
    .option('progress', { type: 'boolean', default: true, describe: 'live progress on stderr (--no-progress to silence)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr (same as --no-progress), as for bench run' });
}

/** --no-progress or --quiet: the same switch, as `bench run` has it. */
const progressOf = (argv: Args): boolean => argv.progress && argv.quiet !== true;

export const sweepModule: Omit<CommandModule<object, Args>, 'handler'> = {
  command: 'sweep',
  describe: 'run a workload over the values of one option (--vary partitions=1,2,4,8) on each broker: one result per run, a sweep file, a report with curves',
  builder: (y) =>
    runFlags(withExamples(y, 'sweep'), `one broker or several, comma-separated: ${driverNames.join(', ')}`).option('vary', {
      type: 'string',
      describe: 'option=value,value,...: any numeric run option (size, rate, producers, consumers, partitions, ...)',
    }) as unknown as Argv<Args>,
};

/** `bench sweep`. */
export async function sweepRun(argv: Args, quit: Quit): Promise<CommandOutput> {
  const { sweepCommand } = await import('./sweep.js');
  const { renderSweepText } = await import('../report/sweep-text.js');
  const outcome = await sweepCommand(await givenOptionsOf(argv), { vary: argv.vary as string | undefined, out: argv.out, report: argv.report, json: argv.json, progress: progressOf(argv), quit });
  const text = argv.json ? `${JSON.stringify(outcome.document, null, 2)}\n` : renderSweepText(outcome.document, outcome.sweepFile, outcome.reportFiles);
  return { text, exitCode: outcome.exitCode };
}

export const findRateModule: Omit<CommandModule<object, Args>, 'handler'> = {
  command: 'find-rate',
  describe: 'find the highest open-loop rate a broker sustains within a latency objective (--slo "p99<20ms")',
  builder: (y) =>
    runFlags(withExamples(y, 'find-rate'), `one broker: ${driverNames.join(', ')}`)
      .option('slo', { type: 'string', describe: 'latency objective on the corrected end-to-end latency: p50|p90|p99|p99.9|max, < or <=, a time in us, ms or s' })
      .option('start-rate', { type: 'string', describe: 'the first step (msg/s; default 1000)' })
      .option('max-steps', { type: 'string', describe: 'most runs the search makes, confirmations included (default 16)' })
      .option('confirm-runs', { type: 'string', describe: 'more runs the found rate must pass before it is the answer; a failure moves down to the next passing rate (default 2)' })
      .option('resolution', { type: 'string', describe: 'stop bisecting when the bracket is within this percent of the found rate (default 5)' }) as unknown as Argv<Args>,
};

/** `bench find-rate`. */
export async function findRateRun(argv: Args, quit: Quit): Promise<CommandOutput> {
  const { findRateCommand } = await import('./find-rate.js');
  const { renderSearchText } = await import('../report/sweep-text.js');
  const outcome = await findRateCommand(await givenOptionsOf(argv), {
    slo: argv.slo as string | undefined,
    startRate: argv['start-rate'] as string | undefined,
    maxSteps: argv['max-steps'] as string | undefined,
    confirmRuns: argv['confirm-runs'] as string | undefined,
    resolution: argv.resolution as string | undefined,
    out: argv.out,
    report: argv.report,
    json: argv.json,
    progress: progressOf(argv),
    quit,
  });
  const text = argv.json ? `${JSON.stringify(outcome.document, null, 2)}\n` : renderSearchText(outcome.document, outcome.searchFile, outcome.reportFiles);
  return { text, exitCode: outcome.exitCode };
}
