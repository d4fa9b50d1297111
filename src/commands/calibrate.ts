import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { renderCalibration } from '../calibrate/render.js';
import { planFloor, runFloor } from '../calibrate/floor.js';
import type { FloorReport } from '../calibrate/floor-report.js';
import { renderFloor } from '../calibrate/floor-render.js';
import { plugins } from '../drivers/index.js';
import { planCalibration, runCalibration, type CalibrationReport, type CalibrationRequest } from '../calibrate/run.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { withExamples } from './help-examples.js';

interface CalibrateArgs {
  broker?: string;
  floor: boolean;
  rates?: string;
  size?: string;
  partitions?: string;
  rounds: string;
  duration: string;
  json: boolean;
  out: string;
}

const calibrated = (): string => plugins.filter((p) => p.calibration).map((p) => p.name).join(', ');

function stampOf(startedAt: string): string {
  return startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
}

function fileName(report: CalibrationReport): string {
  return `${stampOf(report.startedAt)}_calibrate_${report.broker}_${report.workload.size}B_${report.workload.partitions}p_${report.id}.json`;
}

function floorFileName(report: FloorReport): string {
  return `${stampOf(report.startedAt)}_floor_${report.broker?.name ?? 'memory'}_${report.id}.json`;
}

const log = (line: string): void => {
  process.stderr.write(`calibrate: ${line}\n`);
};

/** The flags that belong to one mode only, refused in the other with one line (exit 2). */
function checkMode(args: CalibrateArgs): void {
  if (args.floor) {
    if (args.partitions !== undefined) throw new UsageError('--partitions: not with --floor (the floor runs one queue or partition per side)');
    return;
  }
  if (args.rates !== undefined) throw new UsageError('--rates: only with --floor (the rates of the harness-floor runs)');
  if (args.broker === undefined || args.broker.trim() === '') {
    throw new UsageError(`--broker: name a broker with a native tool (${calibrated()}), or give --floor to measure the harness alone`);
  }
}

/** `bench calibrate --floor`: every run planned first (exit 2), then run, saved as one JSON file, printed. */
async function floorCommand(args: CalibrateArgs): Promise<string> {
  const plan = planFloor({
    rounds: args.rounds,
    duration: args.duration,
    ...(args.broker !== undefined && { broker: args.broker }),
    ...(args.rates !== undefined && { rates: args.rates }),
    ...(args.size !== undefined && { size: args.size }),
  });
  const report = await runFloor(plan, log);
  const path = join(args.out, floorFileName(report));
  await writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return args.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderFloor(report)}saved: ${path}\n`;
}

/** `bench calibrate`: validates all input first (exit 2), then runs, saves one JSON file, prints. */
export async function calibrateCommand(args: CalibrateArgs): Promise<string> {
  checkMode(args);
  if (args.floor) return floorCommand(args);
  const request: CalibrationRequest = {
    broker: args.broker ?? '',
    rounds: args.rounds,
    duration: args.duration,
    ...(args.size !== undefined && { size: args.size }),
    ...(args.partitions !== undefined && { partitions: args.partitions }),
  };
  const plan = planCalibration(request);
  const report = await runCalibration(plan, log);
  const path = join(args.out, fileName(report));
  await writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return args.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderCalibration(report)}saved: ${path}\n`;
}

export const calibrateModule: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: "run the broker's own benchmark tool and mqbench on the same workload, interleaved: is the harness the bottleneck? (--floor: the harness's own noise floor)",
  builder: (y: Argv<object>) =>
    withExamples(y, 'calibrate')
      // required without --floor: checked in checkMode, so the message can name both ways
      .option('broker', { type: 'string', describe: `a broker with a native tool: ${calibrated()}; with --floor, any broker with a network endpoint, run beside the floor` })
      .option('floor', { type: 'boolean', default: false, describe: "measure the harness's noise floor: the same open-loop schedule against the in-memory broker, per rate" })
      .option('rates', { type: 'string', describe: 'with --floor: messages per second, comma-separated (default 2000,5000,20000)' })
      .option('size', { type: 'string', describe: 'message size in bytes (default 100)' })
      .option('partitions', { type: 'string', describe: 'partitions (default 1), where the native tool has them' })
      .option('rounds', { type: 'string', default: '3', describe: 'interleaved rounds (native, mqbench; with --floor: floor, broker) per case' })
      .option('duration', { type: 'string', default: '10s', describe: 'measured window per run' })
      .option('json', { type: 'boolean', default: false, describe: 'print the calibration as one JSON document' })
      .option('out', { type: 'string', default: 'results/calibration', describe: 'directory for the calibration JSON' }) as unknown as Argv<CalibrateArgs>,
  handler: async (argv) => {
    process.stdout.write(await calibrateCommand(argv));
  },
};
