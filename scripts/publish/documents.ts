/**
 * Writing generated sections into the published documents: each lies between
 * `<!-- generated:begin <id> -->` and `<!-- generated:end <id> -->`, and only that text is replaced; the
 * prose around it is the authors'. A document is written atomically, once, with all its sections.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { makeFolders } from '../../src/util/make-folders.js';
import type { DocumentName } from './cells.js';

export const documentPaths: Record<DocumentName, string> = {
  readme: 'README.md',
  notes: join('reports', 'notes.md'),
  calibration: join('reports', 'calibration.md'),
};

const begin = (id: string): string => `<!-- generated:begin ${id} -->`;
const end = (id: string): string => `<!-- generated:end ${id} -->`;

export interface Replaced {
  text: string;
  written: string[];
  /** sections with no markers in the document: not written */
  unmarked: string[];
}

export function replaceSections(text: string, sections: ReadonlyMap<string, string>): Replaced {
  const result: Replaced = { text, written: [], unmarked: [] };
  for (const [id, body] of sections) {
    const start = result.text.indexOf(begin(id));
    const stop = result.text.indexOf(end(id), start);
    if (start < 0 || stop < 0) {
      result.unmarked.push(id);
      continue;
    }
    result.text = `${result.text.slice(0, start + begin(id).length)}\n${body}\n${result.text.slice(stop)}`;
    result.written.push(id);
  }
  return result;
}

/** The text between a section's markers, or undefined without them. */
export function sectionText(text: string, id: string): string | undefined {
  const start = text.indexOf(begin(id));
  const stop = text.indexOf(end(id), start);
  return start < 0 || stop < 0 ? undefined : text.slice(start + begin(id).length + 1, stop - 1);
}

/** Reads the document from `from`, replaces its sections and writes it under `to` (the same root: in place). */
export async function writeDocument(name: DocumentName, sections: ReadonlyMap<string, string>, from: string, to: string): Promise<Replaced> {
  const replaced = replaceSections(await readFile(join(from, documentPaths[name]), 'utf8'), sections);
  if (replaced.written.length === 0) return replaced;
  await makeFolders(dirname(join(to, documentPaths[name])));
  await writeFileAtomic(join(to, documentPaths[name]), replaced.text);
  return replaced;
}
