/**
 * The library API: `import { runBenchmark } from 'mqbench'`. The CLI (src/cli.ts) is a thin shell
 * over these; nothing here prints or exits. planRun() shows the resolved plan (workload, endpoint,
 * fault) without running it; runPlan() runs such a plan.
 */
export { newRunId, runBenchmark, runPlan, type BenchmarkOptions, type RunHandlers } from './run/benchmark.js';
export { planRun, planRuns, type RunPlan } from './plan/index.js';
export { driverNames, loadExternalPlugins, registerPlugin } from './drivers/index.js';
export type { BrokerPlugin } from './drivers/plugin.js';
export type { Progress } from './engine/run.js';
export { MqbenchError, UsageError, BrokerUnreachableError, ExitCode } from './errors.js';
export { exitCodeOfResult, renderSummary, type SummaryOptions } from './report/summary.js';
export { judgeThresholds, parseThresholds, type Threshold, type ThresholdVerdict } from './report/thresholds.js';
export { timelineCsv } from './results/timeline-csv.js';
export { readResult, readResults, writeResult } from './results/store.js';
export type { Counts, Latencies, LatencySummary, OpenLoopOutcome, RunResult, RunStatus, Throughput, TimelinePoint, Workload } from './results/types.js';
export { scenarioNames } from './scenarios/index.js';
