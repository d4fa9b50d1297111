import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

const wildcard = /[*?[]/;

/** A file-name pattern (`*`, `?`, `[abc]`) as a whole-name regular expression. */
function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[' || char === ']') source += char;
    else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Result inputs as given: files and folders are kept; a quoted glob ("results/ack-*.json", the shell
 * did not expand it) is expanded in its folder, sorted. Wildcards only in the last part of a path.
 */
export async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const expanded: string[] = [];
  for (const input of inputs) {
    const folder = dirname(input);
    if (wildcard.test(folder)) throw new UsageError(`${input}: wildcards are only allowed in the file name, not in folders`);
    if (!wildcard.test(basename(input))) {
      expanded.push(input);
      continue;
    }
    const names = await readdir(folder).catch(() => {
      throw new UsageError(`${input}: no such folder: ${folder}`);
    });
    const matching = names.filter((name) => patternRegExp(basename(input)).test(name) && !name.startsWith('.')).sort();
    if (matching.length === 0) throw new UsageError(`no files match ${input}`);
    expanded.push(...matching.map((name) => join(folder, name)));
  }
  return expanded;
}

/** How a set of inputs is named in output: the one input's name, or "N inputs". */
export function setName(inputs: readonly string[]): string {
  return inputs.length === 1 ? basename(inputs[0] as string) : `${inputs.length} inputs`;
}
