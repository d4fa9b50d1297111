import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { brokersCommand } from './commands/brokers.js';
import type { ProvisionMode } from './drivers/plugin.js';
import { harnessCommand } from './commands/harness.js';
import { renderList } from './commands/list.js';
import { defaultThresholds } from './report/check.js';
import { runMany } from './commands/run.js';
import { readWorkloadFile, workloadFileFields, type WorkloadFile } from './commands/workload-file.js';
import { allOptionRows, driverNames, plugins } from './drivers/index.js';
import { helpOf, parseOption } from './options.js';
import { ExitCode, MqbenchError, UsageError } from './errors.js';
import { scenarioNames } from './scenarios/index.js';

// report, compare and check load ECharts (seconds of start-up): imported only when one of them runs
const reports = () => import('./commands/report.js');

let verbose = process.argv.includes('--verbose');
// A reader that went away (`bench run ... | head -1`) must not kill the run half-way: the run goes on,
// tears down what it created and writes its result; only the printing is lost.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
const localBrokerNames = plugins.filter((p) => p.local !== undefined).map((p) => p.name);

function fail(error: unknown): never {
  if (error instanceof MqbenchError) {
    process.stderr.write(`bench: ${error.message}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bench: unexpected error: ${message.split('\n')[0]}${verbose ? '' : ' (--verbose for details)'}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(ExitCode.aborted);
}

/** The `bench run` flags, generated from the options table (values are strings: the table parses them). */
function runOptions(y: Argv) {
  let out = y
    .option('broker', { type: 'string', describe: `broker(s), comma-separated to run the same workload on each: ${driverNames.join(', ')}` })
    .option('scenario', { type: 'string', describe: `scenario: ${scenarioNames.join(', ')}` })
    .option('workload', { type: 'string', describe: 'YAML file with the same fields as these flags (flags win)' });
  for (const row of allOptionRows()) {
    out = out.option(row.name, { type: row.kind === 'boolean' ? 'boolean' : 'string', describe: helpOf(row) });
  }
  return out
    .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result JSON on stdout instead of the summary' })
    .option('progress', { type: 'boolean', default: true, describe: 'live progress on stderr (--no-progress to silence)' });
}

/** yargs' messages, made readable: no camelCase twins of flags, a word about negative values. */
function usageMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  const negative = process.argv.slice(2).find((arg) => /^-\d/.test(arg));
  if (/^Unknown argument/.test(first) && negative) return `values must not be negative: ${negative}`;
  const unknown = /^Unknown arguments?: (.*)$/.exec(first);
  if (unknown?.[1]) {
    const names = unknown[1].split(', ').filter((name) => !/[a-z][A-Z]/.test(name));
    return `unknown argument${names.length > 1 ? 's' : ''}: ${names.join(', ')}`;
  }
  return first;
}

/** `bench run`. */
function withRunCommand<T>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'run',
      'run a workload against a broker and write a result file',
      (y) => runOptions(y),
      async (argv) => {
        const fromFile = argv.workload !== undefined ? await readWorkloadFile(argv.workload) : {};
        const given: WorkloadFile = {};
        for (const field of workloadFileFields) {
          const value = (argv as Record<string, unknown>)[field];
          if (value !== undefined) given[field] = value as string | number | boolean;
        }
        process.exit(await runMany({ ...fromFile, ...given }, { out: argv.out, json: argv.json, progress: argv.progress }));
      },
    );
}

/** `bench report`, `compare` and `check`: result files in, text out. */
function withReportCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'report <inputs..>',
      'write a Markdown and a self-contained HTML report of result files or directories',
      (y) =>
        y
          .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'result files or directories' })
          .option('out', { type: 'string', default: 'reports/report', describe: 'path without extension: writes <out>.md and <out>.html' })
          .option('title', { type: 'string', describe: 'report title' }),
      async (argv) => {
        process.stdout.write(await (await reports()).reportCommand(argv.inputs, argv.out, argv.title));
      },
    )
    .command(
      'compare <a> <b>',
      'compare two result files or directories side by side (repeats merged)',
      (y) =>
        y
          .positional('a', { type: 'string', demandOption: true })
          .positional('b', { type: 'string', demandOption: true }),
      async (argv) => {
        process.stdout.write(await (await reports()).compareCommand(argv.a, argv.b));
      },
    )
    .command(
      'check',
      'regression gate: exit 1 when the current runs are worse than the baseline beyond the thresholds',
      (y) =>
        y
          .option('baseline', { type: 'string', demandOption: true, describe: 'baseline result file or directory' })
          .option('current', { type: 'string', demandOption: true, describe: 'current result file or directory' })
          .option('max-p99-increase', { type: 'number', default: defaultThresholds.maxP99IncreasePct, describe: 'percent' })
          .option('max-throughput-drop', { type: 'number', default: defaultThresholds.maxThroughputDropPct, describe: 'percent' })
          .option('max-lost', { type: 'number', default: defaultThresholds.maxLost, describe: 'messages' })
          .option('max-send-errors', { type: 'number', default: defaultThresholds.maxSendErrors, describe: 'failed or never-confirmed sends' }),
      async (argv) => {
        for (const [name, value] of [
          ['--max-p99-increase', argv['max-p99-increase']],
          ['--max-throughput-drop', argv['max-throughput-drop']],
          ['--max-lost', argv['max-lost']],
          ['--max-send-errors', argv['max-send-errors']],
        ] as const) {
          if (!Number.isFinite(value) || value < 0) throw new UsageError(`${name}: must be a number of zero or more, got "${String(value)}"`);
        }
        const { text, failed } = await (await reports()).checkCommand(argv.baseline, argv.current, {
          maxP99IncreasePct: argv['max-p99-increase'],
          maxThroughputDropPct: argv['max-throughput-drop'],
          maxLost: argv['max-lost'],
          maxSendErrors: argv['max-send-errors'],
        });
        process.stdout.write(text);
        process.exit(failed ? ExitCode.checkFailed : ExitCode.ok);
      },
    );
}

/** `bench list`, `brokers`, `clean` and `harness`: what there is, what runs, what is left. */
async function withSetupCommands<T extends { verbose: boolean }>(y: Argv<T>): Promise<Argv<T>> {
  const clean = await import('./commands/clean.js');
  return y
    .command(
      'list',
      'list brokers and scenarios',
      (y) => y,
      (argv) => {
        process.stdout.write(renderList(argv.verbose));
      },
    )
    .command(
      'brokers <action> [broker]',
      `start, stop or show local brokers (up | down | status) [${localBrokerNames.join(' | ')} | all]`,
      (y) =>
        y
          .positional('action', { type: 'string', demandOption: true, describe: 'up, down or status' })
          .positional('broker', { type: 'string', describe: `${localBrokerNames.join(', ')} or all (default all)` })
          .option('provision', { type: 'string', default: 'auto', describe: 'auto (what answers, else Docker if an engine answers, else local processes), local, docker' }),
      async (argv) => {
        const provision = parseOption({ name: 'provision', kind: 'choice', choices: ['auto', 'local', 'docker'], describe: '' }, argv.provision);
        process.stdout.write(await brokersCommand(argv.action, argv.broker, provision as ProvisionMode));
      },
    )
    .command(
      'clean',
      'delete the queues, exchanges, topics and groups runs left on a broker (mqbench-* only); objects in use (a run still going) are kept unless --force',
      clean.cleanOptions,
      async (argv) => {
        const { text, errors, exitCode } = await clean.cleanCommand(argv);
        // stdout to a pipe is written asynchronously: exiting before it drains would cut a long listing
        await new Promise((resolve) => process.stdout.write(text, resolve));
        for (const line of errors) process.stderr.write(`bench: ${line}\n`);
        process.exit(exitCode);
      },
    )
    .command(
      'harness',
      "measure the harness's own ceiling: the memory driver with 1 and 2 worker processes",
      (y) =>
        y
          .option('duration', { type: 'string', default: '5s', describe: 'measured window per run' })
          .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON files' }),
      async (argv) => {
        process.stdout.write(await harnessCommand({ duration: argv.duration, out: argv.out }));
      },
    );
}

async function main(): Promise<void> {
  const base = yargs(hideBin(process.argv))
    .scriptName('bench')
    .usage('$0 <command> [options]')
    .option('verbose', { type: 'boolean', default: false, describe: 'stack traces on errors' });
  const withCommands = await withSetupCommands(withReportCommands(withRunCommand(base).command((await import('./commands/calibrate.js')).calibrateModule)));
  const parser = withCommands
    .demandCommand(1, 'name a command: run, calibrate, report, compare, check, list, brokers, clean or harness')
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      if (error) fail(error);
      process.stderr.write(`bench: ${usageMessage(message)} (see bench --help)\n`);
      process.exit(ExitCode.usage);
    });
  const argv = await parser.parseAsync();
  verbose = Boolean(argv.verbose);
}

main().catch(fail);
