/** `bench merge`: the pods' result lines (files, folders, stdin) -> one result, merged exactly. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { mergePods } from '../k8s/merge.js';
import { partialsIn, type PodPartial } from '../k8s/partial.js';
import { renderPodTable } from '../k8s/pod-table.js';
import { exitCodeOfResult, renderSummary } from '../report/summary.js';
import { writeResult } from '../results/store.js';
import { resultProblem } from '../results/validate.js';
import { requireWritableFolder } from '../util/output-dir.js';
import { withExamples } from './help-examples.js';

type Given = Record<string, unknown>;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** Logs larger than this are refused unread: far beyond the pods of any Job, and near the longest string Node can hold (512 MiB). */
const maxLogBytes = 256 * 1024 * 1024;

async function logText(file: string): Promise<string> {
  const { size } = await stat(file);
  if (size > maxLogBytes) throw new UsageError(`${file}: ${size} bytes, too large for the pods' logs (at most ${maxLogBytes}); give the pods' logs alone`);
  return readFile(file, 'utf8');
}

/** Files, folders (every regular file in them) and `-` (stdin) -> their texts, named. */
async function inputsOf(paths: readonly string[]): Promise<{ source: string; text: string }[]> {
  const out: { source: string; text: string }[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push({ source: 'stdin', text: await readStdin() });
      continue;
    }
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or folder: ${path}`);
    const files = info.isDirectory() ? (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(path, e.name)).sort() : [path];
    if (!info.isDirectory() && !info.isFile()) throw new UsageError(`${path} is not a regular file`);
    for (const file of files) out.push({ source: file, text: await logText(file) });
  }
  return out;
}

/** The pods' lines -> one validated result written atomically; the summary and the per-pod table. */
export async function mergeAndWrite(inputs: readonly { source: string; text: string }[], out: string, json: boolean): Promise<{ text: string; exitCode: number }> {
  const partials: PodPartial[] = [];
  for (const { source, text } of inputs) partials.push(...partialsIn(text, source, (line) => log(`warning: ${line}`)));
  const { result, problems } = mergePods(partials);
  // every line passed its own checks (partial-checks.ts); what they still get wrong together is named here, not as an unexpected error
  const invalid = resultProblem(result);
  if (invalid) throw new UsageError(`the pods' lines merge into an invalid result: ${invalid}; not merged`);
  const path = await writeResult(out, result);
  for (const line of problems) log(`bench: ${line}`);
  const text = json ? `${JSON.stringify(result, null, 2)}\n` : `${renderSummary(result)}${renderPodTable(result.pods ?? [])}result: ${path}\n`;
  // as `bench run`'s: the summary's own checks decide (a loss is a ✗, never exit 0), the status may make it worse
  return { text, exitCode: exitCodeOfResult(result) };
}

/** `bench merge`: files, folders or stdin. */
export async function mergeCommand(argv: Given): Promise<{ text: string; exitCode: number }> {
  const inputs = (argv.inputs as string[] | undefined) ?? [];
  if (inputs.length === 0) throw new UsageError('name the pods\' output: files, a folder, or - for stdin (kubectl logs ... | bench merge -)');
  const out = String(argv.out);
  await requireWritableFolder(out);
  return mergeAndWrite(await inputsOf(inputs), out, argv.json === true);
}

/** `bench merge` without its handler: cli.ts prints mergeCommand's text and exits with its code. */
export const mergeModule: Omit<CommandModule<object, Given>, 'handler'> = {
  command: 'merge [inputs..]',
  describe: 'merge the pods\' results of a Kubernetes run (files, a folder, or - for `kubectl logs` on stdin) into one result',
  builder: (y: Argv<object>) =>
    withExamples(y, 'merge')
      .positional('inputs', { type: 'string', array: true, describe: 'files, folders, or - (stdin)' })
      .option('out', { type: 'string', default: 'results', describe: 'directory for the result JSON' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result JSON on stdout instead of the summary' }) as unknown as Argv<Given>,
};
