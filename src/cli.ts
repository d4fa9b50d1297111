/**
 * The command line: the only file that parses argv (yargs; the run flags generated from the options
 * table), prints usage and errors, and ends the process. Each command's work lives in commands/ and
 * returns its text and exit code. Entered through bin/bench.js.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createRequire } from 'node:module';
import { brokersCommand } from './commands/brokers.js';
import type { ProvisionMode } from './drivers/plugin.js';
import { harnessCommand } from './commands/harness.js';
import { listJson, renderList } from './commands/list.js';
import { checkCandidateOf, checkOptions, checkOutputsOf, compareOptions, compareSetsOf, reportFormatOf, reportOptions, rulesOf, thresholdsOf, trendOptions } from './commands/report-options.js';
import type { Quit } from './commands/interrupts.js';
import { withExamples } from './commands/help-examples.js';
import { quitOnUnfinishedEnd, quitOnUnwatchedSignals, stopWhenParentGoes } from './commands/process-watch.js';
import { runMany } from './commands/run.js';
import type { CommandOutput } from './commands/output.js';
import { givenOptionsOf } from './commands/workload-file.js';
import { allOptionRows, driverNames, plugins } from './drivers/index.js';
import { helpOf, parseOption } from './options.js';
import { parseThresholds } from './report/thresholds.js';
import { ExitCode, MqbenchError } from './errors.js';
import { scenarioNames } from './scenarios/index.js';
import { printable, printableText } from './util/printable.js';

// report, compare and check load ECharts (seconds of start-up): imported only when one of them runs
const reports = () => import('./commands/report.js');

let verbose = process.argv.includes('--verbose');
// `bench --version`: the package's version, as results record it
const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
// A reader that went away (`bench run ... | head -1`) must not kill the run half-way: the run goes on,
// tears down what it created and writes its result; only the printing is lost.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/** The commands end the process only through this (a second Ctrl-C); cli.ts is the only place that exits. */
const quit: Quit = (code) => process.exit(code);

/** Set once the command's handler returned: an empty event loop before that is a hang, not a success. */
let commandFinished = false;

/** Signals, the parent and Node's end, watched the same way for every command (commands/process-watch.ts). */
function watchTheProcess(): void {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  quitOnUnwatchedSignals(log, quit);
  // bin/bench.js's start-up handlers step aside now that these watch
  (globalThis as { mqbenchStartedUp?: () => void }).mqbenchStartedUp?.();
  stopWhenParentGoes(log);
  quitOnUnfinishedEnd(log, quit, () => commandFinished);
}

/** Prints a command's text, flushed (stdout to a pipe is written asynchronously), and exits with its code. */
async function finish(output: CommandOutput): Promise<never> {
  await new Promise((resolve) => process.stdout.write(printableText(output.text), resolve));
  process.exit(output.exitCode);
}

function fail(error: unknown): never {
  if (error instanceof MqbenchError) {
    process.stderr.write(`bench: ${printable(error.message)}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bench: unexpected error: ${printable(message.split('\n')[0] ?? '')}${verbose ? '' : ' (--verbose for details)'}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(ExitCode.aborted);
}

/** The `bench run` flags, generated from the options table (values are strings: the table parses them). */
function runOptions(y: Argv) {
  let out = y
    .option('broker', { type: 'string', describe: `one broker or several, comma-separated to run the same workload on each: ${driverNames.join(', ')}` })
    .option('scenario', { type: 'string', describe: `scenario: ${scenarioNames.join(', ')}` })
    .option('workload', { type: 'string', describe: 'YAML file with the same fields as these flags (flags win)' });
  for (const row of allOptionRows()) {
    out = out.option(row.name, { type: row.kind === 'boolean' ? 'boolean' : 'string', describe: helpOf(row) });
  }
  return out
    .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result JSON on stdout instead of the summary' })
    .option('progress', { type: 'boolean', default: true, describe: 'live progress on stderr: a bar on a terminal, a line per phase and every 10 s otherwise (--no-progress to silence)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr (same as --no-progress)' })
    .option('metrics-port', { type: 'string', describe: 'serve live metrics (Prometheus / OpenMetrics text) on http://127.0.0.1:N/metrics while the run goes (docs/running.md)' })
    .option('threshold', { type: 'string', array: true, describe: 'a condition the run must meet, else ✗ and exit 1 (repeatable): e.g. "p99<20ms", "lost==0", "throughput>=1000" (docs/running.md)' })
    .option('csv', { type: 'boolean', default: false, describe: 'also write the timeline as CSV, a row per second, beside the result JSON' });
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
      (y) => withExamples(runOptions(y), 'run'),
      async (argv) => {
        // refused before the workload is planned, let alone connected
        const thresholds = parseThresholds(argv.threshold);
        const given = await givenOptionsOf(argv);
        const output = { out: argv.out, json: argv.json, progress: argv.progress && !argv.quiet, quit, thresholds, csv: argv.csv, verbose: Boolean(argv.verbose), ...(argv['metrics-port'] === undefined ? {} : { metricsPort: argv['metrics-port'] }) };
        process.exit(await runMany(given, output));
      },
    );
}

/** `bench report`, `compare` and `check`: result files in, text out. */
function withReportCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'report <inputs..>',
      'write a Markdown and a self-contained HTML report of result files or directories (or, --format omb, OpenMessaging Benchmark result JSON)',
      (y) => withExamples(reportOptions(y), 'report'),
      async (argv) => {
        const format = reportFormatOf(argv);
        const commands = await reports();
        process.stdout.write(
          format === 'omb'
            ? await commands.ombReportCommand(argv.inputs as string[], argv.out ?? 'reports/omb/', argv.json)
            : await commands.reportCommand(argv.inputs as string[], argv.out ?? 'reports/report', argv.title, argv.json, { logAxis: argv['log-axis'] }),
        );
      },
    )
    .command(
      'compare [a] [b]',
      'compare two sets of runs: median, spread and a Mann-Whitney verdict per workload (repeats merged)',
      (y) => withExamples(compareOptions(y), 'compare'),
      async (argv) => {
        const sets = compareSetsOf(argv);
        process.stdout.write(await (await reports()).compareCommand(sets.baseline, sets.candidate, rulesOf(argv), argv.json));
      },
    )
    .command(
      'trend <inputs..>',
      'throughput and p99 over commits (in the order they ran), with the band bench check accepts and the points it would fail',
      (y) => withExamples(trendOptions(y), 'trend'),
      async (argv) => {
        process.stdout.write(await (await reports()).trendCommand(argv.inputs as string[], argv.out, thresholdsOf(argv), rulesOf(argv), argv.json));
      },
    )
    .command(
      'check',
      'regression gate: exit 1 only on a significant regression beyond the thresholds (same rules as compare)',
      (y) => withExamples(checkOptions(y), 'check'),
      async (argv) => {
        const rules = rulesOf(argv);
        const thresholds = thresholdsOf(argv);
        const outputs = checkOutputsOf(argv, process.env);
        const { text, failed } = await (await reports()).checkCommand(argv.baseline, checkCandidateOf(argv), thresholds, rules, argv.json, outputs);
        await finish({ text, exitCode: failed ? ExitCode.checkFailed : ExitCode.ok });
      },
    );
}

/** `bench list`, `brokers`, `clean` and `harness`: what there is, what runs, what is left. */
async function withSetupCommands<T extends { verbose: boolean }>(y: Argv<T>): Promise<Argv<T>> {
  const clean = await import('./commands/clean.js');
  // read here, after main() registered any external plug-in
  const localBrokerNames = plugins.filter((p) => p.local !== undefined).map((p) => p.name);
  return y
    .command(
      'list',
      'list brokers and scenarios',
      (y) => withExamples(y.option('json', { type: 'boolean', default: false, describe: 'print one JSON document: brokers (with their scenario mappings) and scenarios' }), 'list'),
      (argv) => {
        process.stdout.write(argv.json ? listJson() : renderList(argv.verbose));
      },
    )
    .command(
      'brokers <action> [broker]',
      `start, stop or show local brokers (up | down | status) [${localBrokerNames.join(' | ')} | all]`,
      (y) =>
        withExamples(y, 'brokers')
          .positional('action', { type: 'string', demandOption: true, describe: 'up, down or status' })
          .positional('broker', { type: 'string', describe: `${localBrokerNames.join(', ')} or all (default all)` })
          .option('provision', { type: 'string', default: 'auto', describe: 'auto (what answers, else Docker if an engine answers, else local processes), local, docker' })
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON document: the action and one line per broker or node' })
          .option('netns', { type: 'boolean', describe: 'up <cluster>: each node in a network namespace of its own (needs root), so that --fault partition can cut it off' })
          .option('partition-handling', { type: 'string', describe: "up <cluster> --netns: how the cluster resolves a network partition, in its broker's own terms (e.g. ignore, pause_minority or autoheal); refused by a cluster that has no such setting" }),
      async (argv) => {
        const provision = parseOption({ name: 'provision', kind: 'choice', choices: ['auto', 'local', 'docker'], describe: '' }, argv.provision);
        const upOptions = { ...(argv.netns === undefined ? {} : { netns: argv.netns }), ...(argv['partition-handling'] === undefined ? {} : { partitionHandling: argv['partition-handling'] }) };
        const text = await brokersCommand(argv.action, argv.broker, provision as ProvisionMode, upOptions);
        // the plug-ins describe their brokers as lines of text: the document carries those lines
        const lines = text.split('\n').filter((line) => line.trim() !== '');
        process.stdout.write(argv.json ? `${JSON.stringify({ action: argv.action, broker: argv.broker ?? 'all', lines }, null, 2)}\n` : text);
      },
    )
    .command(
      'clean',
      'delete the queues, exchanges, topics and groups runs left on a broker (mqbench-* only); objects in use (a run still going) are kept unless --force',
      (y) => withExamples(clean.cleanOptions(y), 'clean'),
      async (argv) => {
        const { text, errors, exitCode } = await clean.cleanCommand(argv);
        for (const line of errors) process.stderr.write(`bench: ${printable(line)}\n`);
        await finish({ text, exitCode });
      },
    )
    .command(
      'harness',
      "measure the harness's own ceiling: the memory driver with 1 and 2 worker processes",
      (y) =>
        withExamples(y, 'harness')
          .option('duration', { type: 'string', default: '5s', describe: 'measured window per run' })
          .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON files' }),
      async (argv) => {
        process.stdout.write(await harnessCommand({ duration: argv.duration, out: argv.out, quit }));
      },
    );
}

async function main(): Promise<void> {
  watchTheProcess();
  await (await import('./drivers/index.js')).loadExternalPlugins();
  const sweep = await import('./commands/sweep-cli.js');
  const base = yargs(hideBin(process.argv))
    .scriptName('bench')
    .usage('$0 <command> [options]')
    .option('verbose', { type: 'boolean', default: false, describe: 'stack traces on errors' });
  const withCommands = await withSetupCommands(withReportCommands(withRunCommand(base).command((await import('./commands/calibrate.js')).calibrateModule).command({ ...sweep.sweepModule, handler: async (argv) => finish(await sweep.sweepRun(argv, quit)) }).command({ ...sweep.findRateModule, handler: async (argv) => finish(await sweep.findRateRun(argv, quit)) })));
  // Kubernetes: render the Job, what each pod runs, merging the pods' lines
  const k8s = await import('./commands/k8s.js');
  const worker = await import('./commands/worker.js');
  const merge = await import('./commands/merge.js');
  const parser = withCommands
    .command({
      ...k8s.k8sModule,
      handler: async (argv) => finish(await k8s.k8sCommand(argv, quit)),
    })
    .command({ ...worker.workerModule, handler: async (argv) => process.exit(await worker.workerCommand(argv, quit)) })
    .command({
      ...merge.mergeModule,
      handler: async (argv) => {
        // yargs drops a lone "-" from positionals: it means stdin here, as in most tools
        const stdin = process.argv.slice(2).includes('-') ? ['-'] : [];
        await finish(await merge.mergeCommand({ ...argv, inputs: [...((argv.inputs as string[] | undefined) ?? []), ...stdin] }));
      },
    })
    .demandCommand(1, 'name a command: run, sweep, find-rate, calibrate, report, compare, trend, check, list, brokers, clean, harness, k8s or merge')
    .strict()
    .help()
    .version(packageVersion)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      if (error) fail(error);
      process.stderr.write(`bench: ${printable(usageMessage(message))} (see bench --help)\n`);
      process.exit(ExitCode.usage);
    });
  const argv = await parser.parseAsync();
  commandFinished = true;
  verbose = Boolean(argv.verbose);
}

main().catch(fail);
