// The package entry for `import { runBenchmark } from 'mqbench'`: the TypeScript sources run through
// tsx, as for the CLI. Imports are hoisted, so the sources are loaded after registering, dynamically.
import { register } from 'tsx/esm/api';

register();
const api = await import('../src/index.ts');

export const {
  planRun,
  planRuns,
  runPlan,
  runBenchmark,
  newRunId,
  driverNames,
  loadExternalPlugins,
  registerPlugin,
  MqbenchError,
  UsageError,
  BrokerUnreachableError,
  ExitCode,
  renderSummary,
  exitCodeOfResult,
  parseThresholds,
  judgeThresholds,
  timelineCsv,
  readResult,
  readResults,
  writeResult,
  scenarioNames,
} = api;
