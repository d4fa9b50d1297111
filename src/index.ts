/**
 * The library API: `import { runBenchmark } from 'mqbench'`. The CLI (src/cli.ts) is a thin shell
 * over these; nothing here prints or exits.
 */
export { planBenchmark, runBenchmark, type BenchmarkOptions } from './benchmark.js';
export { driverNames } from './drivers/index.js';
export type { Progress } from './engine/run.js';
export { MqbenchError, UsageError, BrokerUnreachableError, ExitCode } from './errors.js';
export { renderSummary } from './report/summary.js';
export { readResult, readResults, writeResult } from './results/store.js';
export type { Counts, Latencies, LatencySummary, OpenLoopOutcome, RunResult, RunStatus, Throughput, TimelinePoint, Workload } from './results/types.js';
export { scenarioNames } from './scenarios/index.js';
