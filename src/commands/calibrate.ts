import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { renderCalibration } from '../calibrate/render.js';
import { plugins } from '../drivers/index.js';
import { planCalibration, runCalibration, type CalibrationReport, type CalibrationRequest } from '../calibrate/run.js';
import { writeFileAtomic } from '../util/atomic-write.js';

interface CalibrateArgs {
  broker?: string;
  size?: string;
  partitions?: string;
  rounds: string;
  duration: string;
  json: boolean;
  out: string;
}

function fileName(report: CalibrationReport): string {
  const stamp = report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  return `${stamp}_calibrate_${report.broker}_${report.workload.size}B_${report.workload.partitions}p_${report.id}.json`;
}

/** `bench calibrate`: validates all input first (exit 2), then runs, saves one JSON file, prints. */
export async function calibrateCommand(args: CalibrateArgs): Promise<string> {
  const request: CalibrationRequest = {
    broker: args.broker ?? '',
    rounds: args.rounds,
    duration: args.duration,
    ...(args.size !== undefined && { size: args.size }),
    ...(args.partitions !== undefined && { partitions: args.partitions }),
  };
  const plan = planCalibration(request);
  const report = await runCalibration(plan, (line) => process.stderr.write(`calibrate: ${line}\n`));
  const path = join(args.out, fileName(report));
  await writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return args.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderCalibration(report)}saved: ${path}\n`;
}

export const calibrateModule: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: "run the broker's own benchmark tool and mqbench on the same workload, interleaved: is the harness the bottleneck?",
  builder: (y: Argv<object>) =>
    y
      .option('broker', { type: 'string', demandOption: true, describe: `a broker with a native tool: ${plugins.filter((p) => p.calibration).map((p) => p.name).join(', ')}` })
      .option('size', { type: 'string', describe: 'message size in bytes (default 100)' })
      .option('partitions', { type: 'string', describe: 'partitions (default 1), where the native tool has them' })
      .option('rounds', { type: 'string', default: '3', describe: 'interleaved rounds (native, mqbench) per case' })
      .option('duration', { type: 'string', default: '10s', describe: 'measured window per run' })
      .option('json', { type: 'boolean', default: false, describe: 'print the calibration as one JSON document' })
      .option('out', { type: 'string', default: 'results/calibration', describe: 'directory for the calibration JSON' }) as unknown as Argv<CalibrateArgs>,
  handler: async (argv) => {
    process.stdout.write(await calibrateCommand(argv));
  },
};
