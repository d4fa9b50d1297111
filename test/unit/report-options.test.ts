/** The checks of compare's and check's flags and inputs: one clear line each, before anything is read. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkCandidateOf, compareSetsOf, rulesOf, thresholdsOf } from '../../src/commands/report-options.js';
import { reportBase } from '../../src/commands/report.js';
import { expandInputs } from '../../src/commands/result-sets.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-report-options-'));
  for (const name of ['a-1.json', 'a-2.json', 'b-1.json', '.hidden.json']) await writeFile(join(dir, name), '{}');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compare and check flags', () => {
  test('two inputs either way, never a mix', () => {
    expect(compareSetsOf({ a: 'x', b: 'y' })).toEqual({ baseline: ['x'], candidate: ['y'] });
    expect(compareSetsOf({ baseline: ['x', 'z'], candidate: ['y'] })).toEqual({ baseline: ['x', 'z'], candidate: ['y'] });
    expect(() => compareSetsOf({ a: 'x' })).toThrow(/^compare needs two inputs: `compare A B` \(or --baseline and --candidate\)$/);
    expect(() => compareSetsOf({ a: 'x', b: 'y', baseline: ['z'] })).toThrow(/either as `compare A B` or as --baseline and --candidate, not both/);
    expect(() => compareSetsOf({ baseline: ['x'] })).toThrow(/compare needs --baseline and --candidate/);
    expect(() => checkCandidateOf({})).toThrow(/check needs --candidate \(or --current\)/);
  });

  test('alpha, repeats, effect and thresholds are checked', () => {
    expect(rulesOf({ alpha: 0.05, 'min-repeats': 5, 'min-effect': 2 })).toEqual({ alpha: 0.05, minRepeats: 5, minEffectPct: 2 });
    expect(() => rulesOf({ alpha: 2, 'min-repeats': 3 })).toThrow('--alpha: must be between 0 and 1, got "2"');
    expect(() => rulesOf({ alpha: Number.NaN, 'min-repeats': 3 })).toThrow('--alpha: must be between 0 and 1, got "NaN"');
    expect(() => rulesOf({ alpha: 0.1, 'min-repeats': 1.5 })).toThrow('--min-repeats: must be a whole number of 1 or more, got "1.5"');
    expect(() => rulesOf({ alpha: 0.1, 'min-repeats': 3, 'min-effect': -1 })).toThrow('--min-effect: must be a number of zero or more, got "-1"');
    expect(() => thresholdsOf({ 'max-p99-increase': -5, 'max-throughput-drop': 10, 'max-lost': 0, 'max-send-errors': 0 })).toThrow('--max-p99-increase: must be a number of zero or more, got "-5"');
  });
});

describe('inputs', () => {
  test('a quoted glob expands in its folder, sorted, hidden files left out; no match is an error', async () => {
    expect(await expandInputs([join(dir, 'a-*.json')])).toEqual([join(dir, 'a-1.json'), join(dir, 'a-2.json')]);
    expect(await expandInputs([join(dir, '*.json'), dir])).toEqual([join(dir, 'a-1.json'), join(dir, 'a-2.json'), join(dir, 'b-1.json'), dir]);
    await expect(expandInputs([join(dir, 'c-*.json')])).rejects.toThrow(`no files match ${join(dir, 'c-*.json')}`);
    await expect(expandInputs([join(dir, '*', 'x.json')])).rejects.toThrow(/wildcards are only allowed in the file name/);
  });

  test('report --out: x.html and x.md are the file names; a folder gets report.md/.html, never hidden names', async () => {
    expect(await reportBase('out/x.html')).toBe('out/x');
    expect(await reportBase('out/x.md')).toBe('out/x');
    expect(await reportBase('out/x')).toBe('out/x');
    expect(await reportBase('out/')).toBe(join('out', 'report'));
    expect(await reportBase('out/.html')).toBe(join('out', 'report'));
    expect(await reportBase(dir)).toBe(join(dir, 'report'));
  });
});
