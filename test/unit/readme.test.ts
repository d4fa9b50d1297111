/**
 * README.md stays short and true: its sample output is publish-results' rendering of a committed
 * result (scripts/publish/readme-sample.ts) and has the summary's current lines in their order,
 * its error lists name every broker and scenario the CLI has, and no relative link in README.md,
 * CONTRIBUTING.md or docs/ points at a file or heading that does not exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { driverNames } from '../../src/drivers/index.js';
import { renderSummary } from '../../src/report/summary.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';
import { scenarioNames } from '../../src/scenarios/index.js';
import { sectionText } from '../../scripts/publish/documents.js';
import { sampleFromFile } from '../../scripts/publish/readme-sample.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const maxReadmeLines = 200;

/** The fenced block that shows a run: the first one whose first line is a `$ ` command. */
function sampleBlock(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => (m[1] ?? '').split('\n').filter((line) => line !== ''));
  const sample = blocks.find((lines) => lines[0]?.startsWith('$ '));
  if (!sample) throw new Error('README.md has no sample output (a fenced block starting with "$ ")');
  return sample;
}

/**
 * What a summary line is, without its figures: its label ("broker", "messages", "checks"), a check's
 * name ("✓ run completed"), or a latency table row's name with the header's columns. Table borders
 * and the echoed command carry nothing to compare.
 */
function labelOf(line: string): string | undefined {
  const cells = line.match(/^│(.*)│$/)?.[1]?.split('│').map((cell) => cell.trim());
  if (cells) return cells[0] === 'latency' ? `table: ${cells.join(' | ')}` : `row: ${cells[0]}`;
  if (/^[┌├└]/.test(line) || line.startsWith('$ ')) return undefined;
  const check = /^ {2}([✓✗⚠]) ([^(]*?)(?: \(|$)/.exec(line);
  if (check) return `${check[1]} ${check[2]}`;
  const header = /^mqbench \S+: \S+ \/ \S+ \((open|closed) loop/.exec(line);
  if (header) return `mqbench: ${header[1]} loop`;
  return /^( *[A-Za-z][A-Za-z -]*?):/.exec(line)?.[1] ?? `unlabelled: ${line}`;
}

const labels = (lines: readonly string[]): string[] => lines.map(labelOf).filter((label): label is string => label !== undefined);

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

/** The kind of run the sample shows, read from its first line: how it is timed and delivered. */
interface SampleKind {
  openLoop: boolean;
  /** at-most-once: no broker acknowledgement, so no publish latency */
  noack: boolean;
}

function kindOf(header: string | undefined): SampleKind {
  return { openLoop: /\(open loop/.test(header ?? ''), noack: / \/ (noack|hello-world) /.test(header ?? '') };
}

/** A result such as a run on a broker mqbench did not start records: the client's cost, no broker cost. */
function resultLike({ openLoop, noack }: SampleKind): RunResult {
  const result = structuredClone(fixture);
  if (noack) {
    result.workload.driver.delivery = 'noack';
    result.latencyUs.publish = { ...result.latencyUs.publish, count: 0 };
  }
  result.client = { cpuUs: 4_000_000, cpuPerMessageUs: 12.3, busiestProcessCpuShare: 0.5, eventLoopDelayP99Us: 2_000, eventLoopDelayMaxUs: 9_000, processes: 1 };
  result.brokerCost = { measured: false, reason: 'not started by mqbench on this host (a shared service): --broker-pid names its processes' };
  if (!openLoop) {
    result.loop = 'closed-loop';
    result.executor = 'closed loop, 1,000 in flight';
    delete result.openLoop;
  }
  return result;
}

describe('README.md', () => {
  test.concurrent(`has at most ${maxReadmeLines} lines`, () => {
    expect(readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0)).toBeLessThanOrEqual(maxReadmeLines);
  });

  test.concurrent("the sample output has the summary's lines, in the summary's order, then the result's path", () => {
    const sample = sampleBlock(readme);
    const shown = labels(sample);
    expect(shown.at(-1), 'the run prints the result path last').toBe('result');
    const rendered = labels(renderSummary(resultLike(kindOf(sample[1]))).trimEnd().split('\n'));
    expect(shown.slice(0, -1)).toEqual(rendered);
  });

  test.concurrent('the sample is a run of the main job on a real broker, not a test broker', () => {
    const [command, header] = sampleBlock(readme);
    expect(command).toMatch(/^\$ npx bench run --broker rabbit --scenario noack\b/);
    expect(header).toMatch(/^mqbench \S+: rabbit \/ noack /);
  });

  test.concurrent("the sample is publish-results' rendering of the committed result it names, nothing pasted", async () => {
    const section = sectionText(readme, 'readme-sample');
    expect(section, 'README.md has <!-- generated:begin/end readme-sample --> markers').toBeDefined();
    const file = /^result: (\S+)$/m.exec(section ?? '')?.[1] ?? '';
    expect(existsSync(join(root, file)), `${file} is committed`).toBe(true);
    expect(section).toBe(await sampleFromFile(file));
  });

  test.concurrent('the label parser tells a changed summary from the sample (it would fail on drift)', () => {
    const rendered = renderSummary(resultLike({ openLoop: false, noack: true })).trimEnd().split('\n');
    const withoutClient = rendered.filter((line) => !line.startsWith('client:'));
    expect(labels(withoutClient)).not.toEqual(labels(rendered));
    const renamed = rendered.map((line) => line.replace(/^messages:/, 'counts:'));
    expect(labels(renamed)).not.toEqual(labels(rendered));
  });
});

const docsDir = join(root, 'docs');
const markdownFiles = ['README.md', 'CONTRIBUTING.md', ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const outsideFences = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...outsideFences.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? '')));
}

/** Relative link targets outside code: inline code and fenced blocks are not links. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}

describe('links in README.md, CONTRIBUTING.md and docs/', () => {
  test.concurrent.each(markdownFiles)('every relative link in %s points at a file (and heading) that exists', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const broken: string[] = [];
    for (const target of relativeLinks(text)) {
      const [path = '', anchor] = target.split('#');
      const resolved = path === '' ? join(root, file) : join(root, dirname(file), decodeURIComponent(path));
      if (!existsSync(resolved)) broken.push(`${target} (no file ${relative(root, resolved)})`);
      else if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${target} (no heading #${anchor})`);
    }
    expect(broken).toEqual([]);
  });

  test.concurrent('the link check finds a broken link and a missing heading', () => {
    expect(relativeLinks('see [a](docs/a.md#x), `[not](a link)` and [b](https://example.com)')).toEqual(['docs/a.md#x']);
    expect(anchorsOf('## The noise floor: `--floor`\n```\n# not a heading\n```\n').has('the-noise-floor---floor')).toBe(true);
    expect(anchorsOf('```\n# not a heading\n```\n').has('not-a-heading')).toBe(false);
  });
});

describe('the bad-input table in docs/errors.md', () => {
  const errors = readFileSync(join(docsDir, 'errors.md'), 'utf8');
  test.concurrent('names every broker and every scenario the CLI has, in its order', () => {
    expect(errors).toContain(`valid brokers: ${driverNames.join(', ')}\``);
    expect(errors).toContain(`valid scenarios: ${scenarioNames.join(', ')}\``);
  });
});
