import { basename, join, sep } from 'node:path';
import { judge, type Thresholds } from '../report/check.js';
import { pairGroups, renderCompare } from '../report/compare.js';
import { renderHtmlReport, renderMarkdownReport } from '../report/document.js';
import { groupResults } from '../report/groups.js';
import { readResults } from '../results/store.js';
import { writeFilesAtomic } from '../util/atomic-write.js';

const warn = (line: string): void => void process.stderr.write(`${line}\n`);

/** `--out reports/x`, `reports/x.html` or `reports/x.md` name the same pair; a folder gets report.md/.html in it. */
function reportBase(out: string): string {
  if (out.endsWith('/') || out.endsWith(sep)) return join(out, 'report');
  return out.replace(/\.(md|html)$/i, '');
}

/** `bench report <files|dirs> --out reports/<name>`: writes <name>.md and <name>.html, as a set. */
export async function reportCommand(inputs: string[], out: string, title: string | undefined): Promise<string> {
  const results = await readResults(inputs, warn);
  const base = reportBase(out);
  const heading = title ?? `mqbench report: ${basename(base)}`;
  const mdPath = `${base}.md`;
  const htmlPath = `${base}.html`;
  await writeFilesAtomic([
    { path: mdPath, content: renderMarkdownReport(results, heading) },
    { path: htmlPath, content: renderHtmlReport(results, heading) },
  ]);
  return `report of ${results.length} run(s): ${mdPath}, ${htmlPath}\n`;
}

/** `bench compare A B`. */
export async function compareCommand(a: string, b: string): Promise<string> {
  const groupsA = groupResults(await readResults([a], warn));
  const groupsB = groupResults(await readResults([b], warn));
  return renderCompare(pairGroups(groupsA, groupsB), basename(a), basename(b));
}

/** `bench check --baseline <dir> --current <dir>`: the text and whether anything regressed. */
export async function checkCommand(baseline: string, current: string, thresholds: Thresholds): Promise<{ text: string; failed: boolean }> {
  const verdict = judge(groupResults(await readResults([baseline], warn)), groupResults(await readResults([current], warn)), thresholds);
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
