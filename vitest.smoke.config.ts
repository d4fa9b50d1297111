/**
 * The unit part of the smoke set that scripts/smoke.sh runs on Node 22 and 24 (issue 30, item 7): pure
 * tests only (no broker, no Chromium, no timing bounds that a loaded machine breaks), chosen to touch
 * what a Node version can change under mqbench: zlib and histograms, JSON and schema validation (ajv,
 * ts-json-schema-generator), Buffer and CRC work of the Kafka wire code, WebAssembly (xmllint-wasm),
 * the plug-in registry and the plan. Timers are left to the smoke set's real runs: the engine's and the
 * faulty broker's tests wait fixed milliseconds, which two Node versions side by side on two cores break
 * (faulty-driver.test.ts's reorder case did once), and engine.test.ts alone takes 30 s. `npm test`
 * runs every file on the machine's Node; here the files share one module graph and two workers, so the
 * set takes seconds, not minutes.
 */
import { defineConfig } from 'vitest/config';

const files = [
  'histogram', 'untrusted-results', 'results-schema', 'kafka-fixtures', 'produce-request',
  'accounting', 'schedule', 'stats', 'registry', 'default-window', 'limit-warnings', 'url-credentials', 'k8s-manifests',
  'report-junit', 'report-omb', 'report-terminal', 'exit-code-checks', 'failover-analysis',
];

export default defineConfig({
  test: {
    include: files.map((name) => `test/unit/${name}.test.ts`),
    isolate: false,
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['dot'],
  },
});
