/**
 * `bench calibrate`: the broker's own benchmark tool and mqbench on the same broker and workload, so
 * a user can see whether the harness is the bottleneck. Each broker plug-in that has a native tool
 * exports a `calibration` (a NativeTool) from its folder's calibrate.ts.
 */
import type { RunResult } from '../../results/types.js';

/** The workload both sides share, resolved by mqbench's own option parsing. */
export interface CalibrationWorkload {
  /** bytes per message (mqbench: header included; native tools: the record/body size) */
  size: number;
  partitions: number;
  /** the measured window (s) */
  durationSec: number;
  /** mqbench's warm-up (s): native tools that report per-second figures skip as much */
  warmupSec: number;
}

export type MetricUnit = 'msg/s' | 'us';

export interface CaseMetric {
  id: string;
  label: string;
  unit: MetricUnit;
  /** the same figure, read from mqbench's result */
  fromMqbench(result: RunResult): number;
}

/** One comparison: what the native tool runs (the adapter knows) and what mqbench runs. */
export interface CalibrationCase {
  id: string;
  title: string;
  scenario: string;
  /** mqbench run options by flag name (size, partitions, duration and the URL are added) */
  mqbench: Readonly<Record<string, string | number | boolean>>;
  metrics: readonly CaseMetric[];
  /** where the two sides differ in a way a reader should know */
  note?: string;
}

/** What one native run measured: metric id -> value, in the metric's unit. */
export interface NativeFigures {
  values: Record<string, number>;
  /** the command lines run, for the record */
  commands: string[];
}

export interface NativeTool {
  broker: string;
  /** file-name prefix of the jar in brokers/tools/lib the tool needs, e.g. "perf-test-" */
  jar: string;
  /** what to do when the jar is missing, for a tool `npm run fetch:tools` cannot fetch (not on Maven Central) */
  obtainHint?: string;
  describe(): string;
  /** the cases for this workload; throws UsageError when the tool cannot reproduce it */
  cases(workload: CalibrationWorkload): CalibrationCase[];
  /** runs the tool once; creates and deletes its own queues/topics under `mqbench-calibrate-` */
  run(which: CalibrationCase, workload: CalibrationWorkload, url: string): Promise<NativeFigures>;
}

/** A run's median, lowest and highest value over the rounds. */
export interface SampleSummary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface CalibrationRow {
  /** the case's id, e.g. "noack-max" */
  case: string;
  title: string;
  metric: string;
  label: string;
  unit: MetricUnit;
  native: SampleSummary;
  mqbench: SampleSummary;
  /** mqbench median / native median; null when the native median is 0 */
  ratio: number | null;
  rounds: number;
}

export interface CalibrationSample {
  round: number;
  case: string;
  side: 'native' | 'mqbench';
  values: Record<string, number>;
  /** mqbench: the run's id and status, and the client that measured (a default can change between runs) */
  resultId?: string;
  status?: string;
  client?: string;
}
