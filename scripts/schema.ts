/**
 * Generates src/results/schema.json (result schema version 2) from src/results/types.ts.
 *
 *   npm run schema             writes the file (atomically)
 *   npm run schema -- --check  exits 1 when the committed file differs from what the types give
 *
 * The types are the source of truth; test/unit/results-schema.test.ts fails when the committed
 * schema and the generated one disagree. JSDoc tags in types.ts become constraints (@asType integer,
 * @minimum, @pattern, @format, @minLength); `@discriminator status` on RunResult makes the status pick
 * the branch, so an unsuccessful status requires `error` and validation errors name the right branch.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGenerator, type Config } from 'ts-json-schema-generator';
import { schemaVersion } from '../src/results/types.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const typesPath = fileURLToPath(new URL('../src/results/types.ts', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../src/results/schema.json', import.meta.url));

export const schemaId = `https://mqbench.dev/schema/result-v${schemaVersion}.json`;
const title = `mqbench run result, schema version ${schemaVersion}`;

/** Keys that open the document, in this order; everything else follows sorted. */
const headKeys = ['$schema', '$id', 'title', 'description'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Object keys sorted at every level (array order is meaning, e.g. `required`, `enum`: kept). */
function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as Json);
  return out;
}

/** The result schema the types describe, as an object with a stable key order. */
export function generateResultSchema(): { [key: string]: Json } {
  const config: Config = {
    path: typesPath,
    type: 'RunResult',
    tsconfig: `${root}tsconfig.json`,
    topRef: false,
    expose: 'export',
    jsDoc: 'extended',
    sortProps: true,
    additionalProperties: false,
    encodeRefs: true,
    discriminatorType: 'json-schema',
  };
  const generated = createGenerator(config).createSchema(config.type) as unknown as { [key: string]: Json };
  const sorted = sortKeys({ ...generated, $id: schemaId, title }) as { [key: string]: Json };
  const out: { [key: string]: Json } = {};
  for (const key of headKeys) if (key in sorted) out[key] = sorted[key] as Json;
  for (const [key, value] of Object.entries(sorted)) if (!headKeys.includes(key)) out[key] = value;
  return out;
}

/** The file's exact text: 2-space JSON and a final newline. */
export function generateResultSchemaText(): string {
  return `${JSON.stringify(generateResultSchema(), null, 2)}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const text = generateResultSchemaText();
  if (argv.includes('--check')) {
    const current = await readFile(schemaPath, 'utf8').catch(() => '');
    if (current === text) return 0;
    process.stderr.write(`${schemaPath} is out of date with src/results/types.ts: run npm run schema\n`);
    return 1;
  }
  await writeFileAtomic(schemaPath, text);
  process.stdout.write(`wrote ${schemaPath}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
