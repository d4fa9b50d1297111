/** Every command's --help shows two or three real examples (issue 31); plain `bench --help` names every command. */
import { describe, expect, test } from 'vitest';
import { commandsWithExamples } from '../../src/commands/help-examples.js';
import { bench } from '../helpers.js';

describe('--help', () => {
  test.concurrent.each(commandsWithExamples)('bench %s --help ends with examples of bench %s', async (command) => {
    const run = await bench([command, '--help']);
    expect(run.code, run.stderr).toBe(0);
    const examples = run.stdout.slice(run.stdout.indexOf('\nExamples:\n'));
    expect(examples).toMatch(/^\nExamples:\n/);
    expect(examples).toMatch(new RegExp(`\\n  bench ${command}\\b`));
  });

  test.concurrent('bench --help lists every command, trend, k8s and merge too', async () => {
    const run = await bench(['--help']);
    for (const command of [...commandsWithExamples, 'worker']) expect(run.stdout).toMatch(new RegExp(`\\n  bench ${command}\\b`));
  });
});
