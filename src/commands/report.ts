import { basename } from 'node:path';
import { judge, type Thresholds } from '../report/check.js';
import { pairGroups, renderCompare } from '../report/compare.js';
import { renderHtmlReport, renderMarkdownReport } from '../report/document.js';
import { groupResults } from '../report/groups.js';
import { readResults } from '../results/store.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** `bench report <files|dirs> --out reports/<name>`: writes <name>.md and <name>.html. */
export async function reportCommand(inputs: string[], out: string, title: string | undefined): Promise<string> {
  const results = await readResults(inputs);
  const heading = title ?? `mqbench report: ${basename(out)}`;
  const mdPath = `${out}.md`;
  const htmlPath = `${out}.html`;
  await writeFileAtomic(mdPath, renderMarkdownReport(results, heading));
  await writeFileAtomic(htmlPath, renderHtmlReport(results, heading));
  return `report of ${results.length} run(s): ${mdPath}, ${htmlPath}\n`;
}

/** `bench compare A B`. */
export async function compareCommand(a: string, b: string): Promise<string> {
  const groupsA = groupResults(await readResults([a]));
  const groupsB = groupResults(await readResults([b]));
  return renderCompare(pairGroups(groupsA, groupsB), basename(a), basename(b));
}

/** `bench check --baseline <dir> --current <dir>`: the text and whether anything regressed. */
export async function checkCommand(baseline: string, current: string, thresholds: Thresholds): Promise<{ text: string; failed: boolean }> {
  const verdict = judge(groupResults(await readResults([baseline])), groupResults(await readResults([current])), thresholds);
  const lines = [
    `thresholds: p99 +${thresholds.maxP99IncreasePct}% at most, throughput -${thresholds.maxThroughputDropPct}% at most, lost <= ${thresholds.maxLost}, send errors <= ${thresholds.maxSendErrors}`,
    ...verdict.passed.map((p) => `ok         ${p}`),
    ...verdict.regressions.map((r) => `REGRESSED  ${r}`),
    verdict.regressions.length > 0
      ? `${verdict.regressions.length} regression(s) against ${baseline}`
      : `no regression against ${baseline} (${verdict.passed.length} workload(s))`,
  ];
  return { text: `${lines.join('\n')}\n`, failed: verdict.regressions.length > 0 };
}
