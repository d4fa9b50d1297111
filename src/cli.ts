import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { brokersCommand } from './commands/brokers.js';
import { harnessCommand } from './commands/harness.js';
import { renderList } from './commands/list.js';
import { checkCommand, compareCommand, reportCommand } from './commands/report.js';
import { defaultThresholds } from './report/check.js';
import { parseProvision } from './commands/endpoints.js';
import { runMany } from './commands/run.js';
import { readWorkloadFile, workloadFileFields, type WorkloadFile } from './commands/workload-file.js';
import { driverNames } from './drivers/index.js';
import { ExitCode, MqbenchError, UsageError } from './errors.js';
import { scenarioNames } from './scenarios/index.js';
import { workloadDefaults } from './engine/workload.js';

let verbose = process.argv.includes('--verbose');

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

function runOptions(y: Argv) {
  return y
    .option('broker', { type: 'string', describe: `broker driver(s), comma-separated to run the same workload on each: ${driverNames.join(', ')}` })
    .option('scenario', { type: 'string', describe: `scenario: ${scenarioNames.join(', ')}` })
    .option('workload', { type: 'string', describe: 'YAML file with the same fields as these flags (flags win)' })
    .option('repeat', { type: 'number', describe: 'run the workload N times (each run its own result file)' })
    .option('workers', { type: 'number', describe: 'spread producers and consumers over N processes (default 1)' })
    .option('duration', { type: 'string', describe: `measured window, e.g. 30s (default ${workloadDefaults.duration})` })
    .option('warmup', { type: 'string', describe: `excluded from every statistic (default ${workloadDefaults.warmup})` })
    .option('drain-timeout', { type: 'string', describe: `how long to wait for in-flight messages after producers stop (default ${workloadDefaults.drainTimeout})` })
    .option('stall-timeout', { type: 'string', describe: `abort (exit 4) when nothing is acknowledged or received for this long while work is outstanding (default ${workloadDefaults.stallTimeout})` })
    .option('size', { type: 'number', describe: `message size in bytes, header included (default ${workloadDefaults.size})` })
    .option('rate', { type: 'string', describe: 'msg/s for the whole run (open loop, latency corrected) or "max" (closed loop)' })
    .option('inflight', { type: 'number', describe: `closed loop: messages in flight (default ${workloadDefaults.inflight})` })
    .option('max-outstanding', { type: 'number', describe: 'open loop: most sends awaiting the broker at once; what it holds back is late (default: 1 s of the rate, 64..100,000, at most 256 MiB)' })
    .option('messages', { type: 'number', describe: 'send exactly this many messages instead of a timed window' })
    .option('producers', { type: 'number', describe: 'producer count' })
    .option('consumers', { type: 'number', describe: 'consumers per subscription' })
    .option('partitions', { type: 'number', describe: 'Kafka partitions / RabbitMQ queues per subscription' })
    .option('subscriptions', { type: 'number', describe: 'independent subscribers that each get every message' })
    .option('delivery', { type: 'string', describe: 'noack (at-most-once) or ack (at-least-once); default from the scenario' })
    .option('confirm', { type: 'boolean', describe: 'RabbitMQ publisher confirms' })
    .option('persistent', { type: 'boolean', describe: 'RabbitMQ durable queues and persistent messages' })
    .option('prefetch', { type: 'number', describe: `RabbitMQ consumer prefetch in ack mode (default ${workloadDefaults.prefetch})` })
    .option('multi-ack', { type: 'number', describe: `RabbitMQ: ack every N messages at once (default ${workloadDefaults.multiAck})` })
    .option('kafka-acks', { type: 'string', describe: 'Kafka producer acks: 0, 1 or all' })
    .option('linger', { type: 'number', describe: `Kafka: ms to gather a batch (default ${workloadDefaults.lingerMs})` })
    .option('batch-size', { type: 'number', describe: `Kafka: most messages per produce request (default ${workloadDefaults.batchSize})` })
    .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result JSON on stdout instead of the summary' })
    .option('progress', { type: 'boolean', default: true, describe: 'live progress on stderr (--no-progress to silence)' })
    .option('rabbit-url', { type: 'string', describe: 'RabbitMQ URL (env MQBENCH_RABBIT_URL; default amqp://guest:guest@127.0.0.1:5672)' })
    .option('kafka-url', { type: 'string', describe: 'Kafka bootstrap host:port (env MQBENCH_KAFKA_URL; default 127.0.0.1:9092)' })
    .option('faulty-url', { type: 'string', describe: 'faulty (in-process test broker) faults, e.g. faulty://?drop=100&stallAfter=5000' })
    .option('connect-timeout', { type: 'number', default: 5000, describe: 'ms to wait for the broker to answer' })
    .option('provision', { type: 'string', default: 'auto', describe: 'when the default endpoint has no broker: auto (Docker if an engine answers, else a local process), local, docker' });
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

async function main(): Promise<void> {
  const parser = yargs(hideBin(process.argv))
    .scriptName('bench')
    .usage('$0 <command> [options]')
    .option('verbose', { type: 'boolean', default: false, describe: 'stack traces on errors' })
    .command(
      'run',
      'run a workload against a broker and write a result file',
      (y) => runOptions(y),
      async (argv) => {
        if (!Number.isInteger(argv['connect-timeout']) || argv['connect-timeout'] <= 0) {
          throw new UsageError(`--connect-timeout: must be a whole number of milliseconds greater than zero, got "${String(argv['connect-timeout'])}"`);
        }
        const fromFile = argv.workload !== undefined ? await readWorkloadFile(argv.workload) : {};
        const given: WorkloadFile = {};
        for (const field of workloadFileFields) {
          const value = (argv as Record<string, unknown>)[field];
          if (value !== undefined) (given as Record<string, unknown>)[field] = value;
        }
        const exitCode = await runMany(
          { ...fromFile, ...given },
          {
            out: argv.out,
            json: argv.json,
            progress: argv.progress,
            connectTimeout: argv['connect-timeout'],
            provision: parseProvision(argv.provision),
            urls: {
              ...(argv['rabbit-url'] !== undefined && { rabbit: argv['rabbit-url'] }),
              ...(argv['kafka-url'] !== undefined && { kafka: argv['kafka-url'] }),
              ...(argv['faulty-url'] !== undefined && { faulty: argv['faulty-url'] }),
            },
          },
        );
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
    )
    .command(
      'report <inputs..>',
      'write a Markdown and a self-contained HTML report of result files or directories',
      (y) =>
        y
          .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'result files or directories' })
          .option('out', { type: 'string', default: 'reports/report', describe: 'path without extension: writes <out>.md and <out>.html' })
          .option('title', { type: 'string', describe: 'report title' }),
      async (argv) => {
        process.stdout.write(await reportCommand(argv.inputs, argv.out, argv.title));
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
        process.stdout.write(await compareCommand(argv.a, argv.b));
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
        const { text, failed } = await checkCommand(argv.baseline, argv.current, {
          maxP99IncreasePct: argv['max-p99-increase'],
          maxThroughputDropPct: argv['max-throughput-drop'],
          maxLost: argv['max-lost'],
          maxSendErrors: argv['max-send-errors'],
        });
        process.stdout.write(text);
        process.exit(failed ? ExitCode.checkFailed : ExitCode.ok);
      },
    )
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
      'start, stop or show local brokers (up | down | status) [kafka | rabbit | all]',
      (y) =>
        y
          .positional('action', { type: 'string', demandOption: true, describe: 'up, down or status' })
          .positional('broker', { type: 'string', describe: 'kafka, rabbit or all (default all)' })
          .option('provision', { type: 'string', default: 'auto', describe: 'auto (what answers, else Docker if an engine answers, else local processes), local, docker' }),
      async (argv) => {
        process.stdout.write(await brokersCommand(argv.action, argv.broker, parseProvision(argv.provision)));
      },
    )
    .demandCommand(1, 'name a command: run, report, compare, check, list, brokers or harness')
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
