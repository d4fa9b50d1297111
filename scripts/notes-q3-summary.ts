/**
 * The table behind reports/notes.md question 3: per case folder under the given directory (written by
 * scripts/notes-q3.sh), medians and spreads (min..max) of the failover block over the repeats.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readResults } from '../src/results/store.js';
import type { RunResult } from '../src/results/types.js';

const root = process.argv[2] ?? 'results/baselines/q3';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** "median (min..max)" of a figure; "never" counted apart when it is null. */
function spread(results: RunResult[], pick: (r: RunResult) => number | null | undefined, scale: number, digits: number): string {
  const raw = results.map(pick);
  const values = raw.filter((v): v is number => typeof v === 'number').map((v) => v / scale);
  const never = raw.filter((v) => v === null).length;
  if (values.length === 0) return never > 0 ? `never (${never})` : '-';
  const text = `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)})`;
  return never > 0 ? `${text}, never in ${never}` : text;
}

const rows: string[] = [];
for (const name of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const dir = join(root, name);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  const results = (await readResults(files)).filter((r) => r.failover);
  if (results.length === 0) continue;
  const statuses = results.map((r) => r.status).reduce<Record<string, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {});
  rows.push(
    `| ${name} | ${results.length} | ${Object.entries(statuses).map(([s, n]) => `${s} ${n}`).join(', ')} | ` +
      `${spread(results, (r) => r.failover?.publish.unavailableUs, 1e6, 2)} | ${spread(results, (r) => r.failover?.consume.unavailableUs, 1e6, 2)} | ` +
      `${spread(results, (r) => r.failover?.consume.firstSuccessAfterFaultUs, 1e6, 2)} | ${spread(results, (r) => r.failover?.recoveryUs, 1e6, 2)} | ` +
      `${spread(results, (r) => r.failover?.ackedThenLost, 1, 0)} | ${spread(results, (r) => r.failover?.neverAckedLost, 1, 0)} | ` +
      `${spread(results, (r) => r.failover?.duplicated, 1, 0)} | ${spread(results, (r) => (r.failover?.latency.before.count ? r.failover.latency.before.p99Us : undefined), 1e3, 1)} | ` +
      `${spread(results, (r) => (r.failover?.latency.during.count ? r.failover.latency.during.p99Us : undefined), 1e3, 0)} | ${spread(results, (r) => (r.failover?.latency.after.count ? r.failover.latency.after.p99Us : undefined), 1e3, 1)} |`,
  );
}
process.stdout.write(
  [
    `# Failover runs (${root}): median (min..max) over the repeats`,
    '',
    '| case | runs | status | publish unavailable s | consume unavailable s | consume gap ended, s after fault | back to 90% s | acked then lost | never acked, lost | duplicates | p99 before ms | p99 during ms | p99 after ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);
