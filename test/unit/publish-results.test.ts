/**
 * npm run publish-results: a results folder that mixes machines or commits is refused (one line naming
 * both, exit 2, no document written); a folder of one machine becomes tables with provenance, spread and
 * client flags, written only between a document's generated markers. The folders are forged from the
 * v1 fixture (pure logic: no broker is needed to read files).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';
import { renderSummary } from '../../src/report/summary.js';
import { parseArgs } from '../../scripts/publish/args.js';
import { cellsOf, type Cell } from '../../scripts/publish/cells.js';
import { failoverSection } from '../../scripts/publish/failover-section.js';
import { replaceSections, sectionText } from '../../scripts/publish/documents.js';
import { loadFolder, refuseMixed } from '../../scripts/publish/load.js';
import { setAsideUnrecorded, sittingToResume } from '../../scripts/publish/resume.js';
import { commitOf } from '../../scripts/publish/provenance.js';
import { checkoutMoved, newSitting, runsToDo, type Sitting } from '../../scripts/publish/sitting.js';
import { describeEnvironment } from '../../src/results/environment.js';
import { clientReading, markGrowth, spreadCell } from '../../scripts/publish/spread.js';
import { repoRoot } from '../helpers.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);
const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqbench-publish-'));
  folders.push(dir);
  return dir;
}

/** A copy of the fixture as one run of a cell, with the changes given. */
function forge(folder: string, cell: string, n: number, change: (r: RunResult) => void = () => {}): void {
  const result = structuredClone(fixture);
  result.id = `forged${n}`;
  result.client = { cpuUs: 1_000_000, cpuPerMessageUs: 5, busiestProcessCpuShare: 0.4, eventLoopDelayP99Us: 2_000, eventLoopDelayMaxUs: 5_000, processes: 1 };
  result.throughput.receivedPerSec = 1000 * n;
  change(result);
  mkdirSync(join(folder, 'runs', cell), { recursive: true });
  writeFileSync(join(folder, 'runs', cell, `${result.id}.json`), JSON.stringify(result));
}

function publish(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'publish-results.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const q1 = cellsOf('full').find((c) => c.table === 'q1-max');

describe('publish-results --from-results', () => {
  test('a folder with two machines\' files is refused: one line naming both, exit 2, nothing written', () => {
    const folder = tempFolder();
    const out = tempFolder();
    forge(folder, q1?.id ?? 'x', 1);
    forge(folder, q1?.id ?? 'x', 2, (r) => (r.environment.cpuModel = 'Forged Xeon 9999'));
    const run = publish(['--from-results', folder, '--write-to', out]);
    expect(run.status).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/more than one machine/);
    expect(lines[0]).toContain('AMD EPYC, 2 cores');
    expect(lines[0]).toContain('Forged Xeon 9999, 2 cores');
    expect(existsSync(join(out, 'reports'))).toBe(false);
    expect(existsSync(join(out, 'README.md'))).toBe(false);
  });

  test('a folder with two commits is refused, naming both', () => {
    const folder = tempFolder();
    forge(folder, q1?.id ?? 'x', 1);
    forge(folder, q1?.id ?? 'x', 2, (r) => (r.environment.gitCommit = 'c0ffee'));
    const run = publish(['--from-results', folder, '--write-to', tempFolder()]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/more than one commit.*b83890bc2b6c76c15eae7527d7382cd97ea08dd9-dirty and c0ffee$/);
  });

  test('one commit with and without uncommitted changes is refused unless --accept-uncommitted, and the line counts the runs that had them', () => {
    const env = (gitCommit: string) => ({ ...structuredClone(fixture.environment), gitCommit });
    const run = (gitCommit: string) => ({ cell: 'c', file: 'f', value: { ...structuredClone(fixture), environment: env(gitCommit) } as RunResult });
    const mixed = { folder: 'f', runs: [run('a93a774c0ffee'), run('a93a774c0ffee-dirty')], calibrations: [] };
    expect(() => refuseMixed(mixed)).toThrow('f: results from more than one commit, refusing to mix them in one document: a93a774c0ffee and a93a774c0ffee-dirty (one commit with and without uncommitted changes: --accept-uncommitted publishes it, counting those runs, if the changes touched no code the runs loaded)');
    expect(() => refuseMixed(mixed, true)).not.toThrow();
    expect(() => refuseMixed({ ...mixed, runs: [run('a93a774c0ffee'), run('c0ffee-dirty')] }, true)).toThrow(/more than one commit.*a93a774c0ffee and c0ffee$/);
    expect(() => parseArgs(['--accept-uncommitted'])).toThrow('--accept-uncommitted applies to --from-results only: a sitting begun clean stops when tracked files change');
    expect(commitOf([env('a93a774c0ffee'), env('a93a774c0ffee-dirty'), env('a93a774c0ffee-dirty')])).toBe('`a93a774` with uncommitted changes in 2 of its 3 runs');
    expect(commitOf([env('a93a774c0ffee-dirty')])).toBe('`a93a774` with uncommitted changes');
    expect(commitOf([env('a93a774c0ffee')])).toBe('`a93a774` (clean)');
  });

  test('one machine: the table gets its provenance, every cell its spread and n, and a busy client is flagged', () => {
    const folder = tempFolder();
    const out = tempFolder();
    for (const n of [1, 2, 3]) forge(folder, q1?.id ?? 'x', n, (r) => r.client && (r.client.busiestProcessCpuShare = n === 2 ? 0.8 : 0.79));
    expect(publish(['--from-results', folder, '--write-to', out]).stderr.trim()).toMatch(/: no sitting.json: not a folder publish-results measured into, so its results have no place in the documents' tables$/);
    const attempt = { cell: q1?.id, round: 1, command: 'npx bench run', startedAt: '', finishedAt: '', exitCode: 0 };
    const sitting = { kind: 'mqbench-publish-sitting', version: 1, profile: 'full', repeats: 3, invocation: 'npm run publish-results', startedAt: '', environment: fixture.environment, cells: cellsOf('full'), runs: [attempt, attempt, attempt, { ...attempt, exitCode: 4 }] };
    writeFileSync(join(folder, 'sitting.json'), JSON.stringify(sitting));
    const run = publish(['--from-results', folder, '--write-to', out, '--documents', 'notes']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const section = sectionText(readFileSync(join(out, 'reports', 'notes.md'), 'utf8'), 'q1-max') ?? '';
    expect(section).toMatch(/^\*Measured on AMD EPYC, 2 cores, 24 GiB, Linux .*; mqbench at `b83890b` with uncommitted changes;/);
    expect(section).toContain('made by `npm run publish-results`.*');
    // four attempts, one of which left no result: the runs column says so
    expect(section).toContain(`| ${q1?.label} | 3/4 | 2,000 [1,000 - 3,000] (n=3) |`);
    expect(section).toContain('79%, 2.00 ms ⚑');
    expect(section).toMatch(/⚑ client-limited: the load generator, not the broker, set these rows' numbers: noack .*client at 79% of a core/);
    // a table of the same document with no runs says so instead of keeping older figures
    expect(sectionText(readFileSync(join(out, 'reports', 'notes.md'), 'utf8'), 'q1-rate')).toMatch(/not measured in this sitting/);
  });

  test('a folder with no results, or no such folder, is one line and exit 2', () => {
    const run = publish(['--from-results', join(tempFolder(), 'nope')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^publish-results: --from-results: no such folder: /);
  });
});

describe('publish-results, pure parts', () => {
  test('a cell is median [min - max] with n; one run says so', () => {
    expect(spreadCell([3, 1, 2], String)).toBe('2 [1 - 3] (n=3)');
    expect(spreadCell([7], String)).toBe('7 (1 run)');
    expect(spreadCell([], String)).toBe('-');
  });

  test('client CPU per message growing along a series flags the rows past the first by more than 20%', () => {
    const run = (cpu: number, share: number) => ({ ...structuredClone(fixture), client: { cpuUs: 1, cpuPerMessageUs: cpu, busiestProcessCpuShare: share, eventLoopDelayP99Us: 1, eventLoopDelayMaxUs: 1, processes: 1 } }) as RunResult;
    const series = [clientReading([run(1.6, 0.5)]), clientReading([run(1.8, 0.5)]), clientReading([run(2.2, 0.5)])];
    markGrowth(series, 'partitions');
    expect(series.map((r) => r.limits.length)).toEqual([0, 0, 1]);
    expect(series[2]?.limits[0]).toBe("client CPU per message 1.38x its first partitions value's");
    expect(clientReading([run(1, 0.74)]).limits).toEqual([]);
    expect(clientReading([run(1, 0.75)]).limits).toEqual(['client at 75% of a core']);
  });

  test("the run summary warns from 75% of a core, as the published tables flag (83-88% was 'not saturated' at 0.9)", () => {
    const at = (share: number) => renderSummary({ ...structuredClone(fixture), client: { cpuUs: 1, cpuPerMessageUs: 2, busiestProcessCpuShare: share, eventLoopDelayP99Us: 1, eventLoopDelayMaxUs: 1, processes: 1 } } as RunResult);
    expect(at(0.83)).toContain('WARNING: a client process was CPU-saturated');
    expect(at(0.83)).toContain('⚠ load generator not CPU-saturated (busiest process at 83% of a core)');
    expect(at(0.74)).not.toContain('WARNING: a client process was CPU-saturated');
  });

  test('the failover table: gaps as median [min - max] with n, a consumer that never came back counted apart', () => {
    const cell = cellsOf('full').find((c) => c.table === 'q3-failover');
    const run = (consumeUs: number, back: boolean, lost: number) =>
      ({ ...structuredClone(fixture), throughput: { ...fixture.throughput, sendWindowUs: 25_000_000, receiveWindowUs: 25_100_000 }, failover: { publish: { unavailableUs: 1_000_000, unavailableFromUs: 5_000_000, firstSuccessAfterFaultUs: 5 }, consume: { unavailableUs: consumeUs, unavailableFromUs: 5_000_000, firstSuccessAfterFaultUs: back ? 5 : null }, restoreGaps: { publish: { unavailableUs: 70_000, unavailableFromUs: back ? 14_000_000 : 25_010_000, firstSuccessAfterFaultUs: back ? 9_100_000 : null }, consume: null }, ackedThenLost: lost, neverAckedLost: 0, duplicated: 0 } }) as unknown as RunResult;
    const runs = [run(2_000_000, true, 0), run(4_000_000, true, 2), run(9_000_000, false, 0)];
    const text = failoverSection({ spec: { id: 'q3-failover', document: 'notes', kind: 'failover', title: '' }, cells: [{ cell: cell as Cell, runs, files: [], attempts: 3 }] });
    // the third run's restore stretch began after its 25 s send window (the drain): counted apart, not as never back
    expect(text).toContain(`| ${cell?.label} | 3 | completed 3 | 1.00 s [1.00 s - 1.00 s] (n=3) | 3.00 s [2.00 s - 4.00 s] (n=2); never back in 1 | 0.07 s [0.07 s - 0.07 s] (n=2); after the window only in 1 | 0 [0 - 2] (n=3) | 0 [0 - 0] (n=3) | 0 [0 - 0] (n=3) | \`npx bench run ${cell?.args.join(' ')}\` |`);
  });

  test('the population table: a row per case and population, a producer that never came back counted apart', () => {
    const cell = cellsOf('full').find((c) => c.id === 'q3-failover--rabbit-quorum-kill-never');
    const outage = (s: number, back: boolean) => ({ unavailableUs: s * 1e6, firstSuccessAfterFaultUs: back ? 5 : null });
    const population = (name: string, publish: ReturnType<typeof outage>, lost: number) => ({ population: name, producers: 1, consumers: 0, nodes: [2], publish, consume: null, ackedThenLost: lost, duplicated: 1 });
    const run = (lateBack: boolean) =>
      ({ ...structuredClone(fixture), failover: { publish: outage(0.3, true), consume: outage(0.4, true), ackedThenLost: 0, duplicated: 0, populations: [population('survivors', outage(0.3, true), 0), population('late-joiners', outage(12, lateBack), 0)] } }) as unknown as RunResult;
    const text = failoverSection({ spec: { id: 'q3-failover', document: 'notes', kind: 'failover', title: '' }, cells: [{ cell: cell as Cell, runs: [run(true), run(false), run(false)], files: [], attempts: 3 }] });
    expect(text).toContain(`| ${cell?.label} | survivors | 3 | 0.30 s [0.30 s - 0.30 s] (n=3) | - | 0 [0 - 0] (n=3) | 1 [1 - 1] (n=3) |`);
    expect(text).toContain(`| ${cell?.label} | late-joiners | 3 | 12.00 s (1 run); never back in 2 | - |`);
    expect(text).not.toContain('| failed-node |');
  });

  test('a sitting stops when the checkout moves, or when tracked files change in a sitting begun clean', () => {
    expect(checkoutMoved('a93a774c0ffee', true, { head: 'a93a774c0ffee', dirty: false }, 'f')).toBeUndefined();
    expect(checkoutMoved('a93a774c0ffee', false, { head: 'a93a774c0ffee', dirty: true }, 'f')).toBeUndefined();
    expect(checkoutMoved('a93a774c0ffee', true, { head: 'b0b0b0b0', dirty: false }, 'f')).toBe('the checkout moved from a93a774 to b0b0b0b during the sitting: stopped; what was measured is in f');
    expect(checkoutMoved('a93a774c0ffee', true, { head: 'a93a774c0ffee', dirty: true }, 'f')).toMatch(/^tracked files were changed during the sitting, which began on a clean checkout: stopped .*--resume f$/);
  });

  test('only the text between a section\'s markers is replaced; a section without markers is reported', () => {
    const doc = 'prose\n<!-- generated:begin a -->\nold\n<!-- generated:end a -->\nmore prose\n';
    const { text, written, unmarked } = replaceSections(doc, new Map([['a', 'new'], ['b', 'x']]));
    expect(text).toBe('prose\n<!-- generated:begin a -->\nnew\n<!-- generated:end a -->\nmore prose\n');
    expect(written).toEqual(['a']);
    expect(unmarked).toEqual(['b']);
  });

  test('cell ids are unique in every profile (each is a results folder)', () => {
    for (const profile of ['full', 'quick'] as const) {
      const ids = cellsOf(profile).map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  test('fewer than 3 repeats, or measuring flags with --from-results, are refused with one line', () => {
    expect(() => parseArgs(['--repeats', '2'])).toThrow('--repeats: a whole number from 3 to 20 (every published cell has at least 3 runs), got "2"');
    expect(() => parseArgs(['--from-results', 'x', '--quick'])).toThrow('--from-results measures nothing: --quick, --only, --brokers and --dry-run do not apply to it');
    expect(() => parseArgs(['--only', 'q9'])).toThrow(/^--only: unknown q9 \(known: readme-sample, /);
  });
});

describe('publish-results --resume', () => {
  const cells = cellsOf('full');
  const runCells = cells.filter((c) => c.command === 'run').slice(0, 2);
  const calibration = cells.find((c) => c.command === 'calibrate') as Cell;

  /** A sitting folder whose manifest records `runs` (each finished at `finishedAt`). */
  function forgedSitting(change: (s: Sitting) => void = () => {}): { folder: string; sitting: Sitting } {
    const folder = tempFolder();
    const sitting = newSitting([...runCells, calibration], { profile: 'full', repeats: 3, invocation: 'npm run publish-results' });
    change(sitting);
    writeFileSync(join(folder, 'sitting.json'), JSON.stringify(sitting));
    return { folder, sitting };
  }

  test('what is left runs in the sitting\'s order, round by round, each calibration once, none recorded twice', () => {
    const all = runsToDo([...runCells, calibration], 3);
    expect(all.map((r) => `${r.cell.id}#${r.round}`)).toEqual([
      `${runCells[0]?.id}#1`, `${runCells[1]?.id}#1`,
      `${runCells[0]?.id}#2`, `${runCells[1]?.id}#2`,
      // the third cell's calibration falls to round 3 (each runs once, its own rounds inside)
      `${runCells[0]?.id}#3`, `${runCells[1]?.id}#3`, `${calibration.id}#3`,
    ]);
    const ran = all.slice(0, 4).map((r) => ({ cell: r.cell.id, round: r.round }));
    expect(runsToDo([...runCells, calibration], 3, ran).map((r) => `${r.cell.id}#${r.round}`)).toEqual(all.slice(4).map((r) => `${r.cell.id}#${r.round}`));
  });

  test('only on the machine and at the commit that began it, and only while unfinished: one line each', async () => {
    const here = describeEnvironment();
    const other = forgedSitting((s) => (s.environment = { ...s.environment, cpuModel: 'Other CPU' }));
    await expect(sittingToResume(other.folder, here)).rejects.toThrow(`--resume: ${other.folder} was measured on Other CPU, ${here.cores} cores`);
    const moved = forgedSitting((s) => (s.environment = { ...s.environment, gitCommit: 'abc1234' }));
    await expect(sittingToResume(moved.folder, here)).rejects.toThrow(`--resume: ${moved.folder} was measured at abc1234, this checkout is at ${here.gitCommit}: one sitting, one commit`);
    const finished = forgedSitting((s) => (s.finishedAt = '2026-12-07T20:00:00.000Z'));
    await expect(sittingToResume(finished.folder, here)).rejects.toThrow(`--resume: the sitting in ${finished.folder} finished at 2026-12-07T20:00:00.000Z: nothing to continue (--from-results writes its documents)`);
    const empty = tempFolder();
    await expect(sittingToResume(empty, here)).rejects.toThrow(`--resume: ${empty} has no readable sitting.json: not a sitting publish-results began`);
    const dirty = forgedSitting((s) => (s.environment = { ...s.environment, gitCommit: 'abc1234-dirty' }));
    await expect(sittingToResume(dirty.folder, here)).rejects.toThrow(`--resume: ${dirty.folder} was begun on uncommitted changes (abc1234-dirty): it cannot be continued, only measured again`);
    const same = forgedSitting((s) => (s.environment = { ...s.environment, gitCommit: here.gitCommit.replace(/-dirty$/, '') }));
    const clean = { ...here, gitCommit: here.gitCommit.replace(/-dirty$/, '') };
    await expect(sittingToResume(same.folder, clean)).resolves.toMatchObject({ kind: 'mqbench-publish-sitting' });
    // its publish-results, as the manifest recorded it, still alive
    const recorded = forgedSitting((s) => ((s.environment = clean), (s.running = { publisher: process.ppid })));
    await expect(sittingToResume(recorded.folder, clean)).rejects.toThrow(`--resume: a run of this sitting is still going (pid ${process.ppid}): wait for it to end, then resume`);
    // a run whose publish-results died still writing into the folder (as bench would, with --out)
    const writer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', '--', '--out', join(same.folder, 'runs', 'cell')], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await expect(sittingToResume(same.folder, clean)).rejects.toThrow(`--resume: a run of this sitting is still going (pid ${writer.pid}): wait for it to end, then resume`);
    } finally {
      writer.kill();
    }
  });

  test("the interrupted run's result (written after the last record) is set aside, kept, and out of the tables", async () => {
    const recordedAt = new Date(Date.now() - 60_000);
    const { folder, sitting } = forgedSitting((s) => (s.startedAt = new Date(recordedAt.getTime() - 60_000).toISOString()));
    const cell = runCells[0]?.id ?? '';
    forge(folder, cell, 1);
    forge(folder, cell, 2);
    sitting.runs.push({ cell, round: 1, command: 'npx bench run', startedAt: new Date(recordedAt.getTime() - 10_000).toISOString(), finishedAt: recordedAt.toISOString(), exitCode: 0 });
    // the recorded run's file was written as it ended, the interrupted one's a second after the record
    utimesSync(join(folder, 'runs', cell, 'forged1.json'), recordedAt, recordedAt);
    utimesSync(join(folder, 'runs', cell, 'forged2.json'), recordedAt, new Date(recordedAt.getTime() + 1000));
    expect(await setAsideUnrecorded(folder, sitting)).toEqual([join('runs', cell, 'forged2.json')]);
    expect(existsSync(join(folder, 'set-aside', 'runs', cell, 'forged2.json'))).toBe(true);
    expect((await loadFolder(folder)).runs.map((r) => r.value.id)).toEqual(['forged1']);
  });

  test('--resume with a flag that would change the plan is refused with one line', () => {
    for (const flag of [['--quick'], ['--only', 'q1-max'], ['--repeats', '4'], ['--dry-run'], ['--from-results', 'y']]) {
      expect(() => parseArgs(['--resume', 'x', ...flag])).toThrow('--resume continues a sitting as it was planned: --from-results, --quick, --only, --brokers, --repeats and --dry-run do not apply to it');
    }
    expect(parseArgs(['--resume', 'x', '--documents', 'notes'])).toMatchObject({ resume: 'x', documents: ['notes'] });
    // an empty value (a script's unset variable) would otherwise start a new two-hour sitting
    expect(() => parseArgs(['--resume', ''])).toThrow(/^--resume: needs a value/);
    expect(() => parseArgs(['--resume', 'a', '--resume', 'b'])).toThrow('--resume: one sitting at a time (given twice)');
  });
});
