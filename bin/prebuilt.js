// A JavaScript copy of src/ for bin/bench.js, so that a command starts without TypeScript loader hooks:
// through tsx, each of the ~150 modules a command loads makes its own round trip to the loader thread,
// which is about a second of start-up on a 2-core machine (`bench --version` took 1.7 s of CPU, this
// copy 0.7 s). The copy is made with esbuild (what tsx itself transpiles with), once per state of src/:
// its folder is named by a hash of every source file's path, size and mtime, so an edited file makes a
// new copy and a stale one is never run. `import.meta.url` keeps naming the original .ts file, so every
// path a module finds from its own location (package.json, the brokers/ folder, schema.json, the timer
// worker, the worker process entry) is the same as through tsx.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceRoot = join(root, 'src');
// under node_modules: packages resolve from there as from src/, and `npm ci` starts it afresh
const cacheRoot = join(root, 'node_modules', '.cache', 'mqbench-js');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : [path];
  });
}

/** Names the state of src/: any file added, removed or changed gives another name. */
function stampOf(files) {
  const hash = createHash('sha1');
  for (const file of files) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(sourceRoot, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Replaces import.meta.url with the source file's own URL (see the top of this file). */
const keepOwnUrl = {
  name: 'keep-own-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

async function build(files, target) {
  const { build: esbuild } = await import('esbuild');
  // built beside the target and renamed into place: a reader never sees half a copy
  const scratch = `${target}.${process.pid}.tmp`;
  await rm(scratch, { recursive: true, force: true });
  await esbuild({ entryPoints: files.filter((f) => f.endsWith('.ts')), outdir: join(scratch, 'src'), outbase: sourceRoot, format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'silent', plugins: [keepOwnUrl] });
  try {
    await rename(scratch, target);
  } catch (error) {
    // another process made the same copy first: use theirs
    await rm(scratch, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}

/** Copies made for earlier states of src/ are of no further use. */
async function removeOthers(keep) {
  for (const name of readdirSync(cacheRoot)) if (name !== keep && !name.endsWith('.tmp')) await rm(join(cacheRoot, name), { recursive: true, force: true });
}

/** The copy's cli.js for src/ as it is now, made when missing; undefined when it cannot be made. */
export async function prebuiltCli() {
  try {
    const files = sourceFiles(sourceRoot);
    const stamp = stampOf(files);
    const target = join(cacheRoot, stamp);
    if (!existsSync(join(target, 'src', 'cli.js'))) {
      await mkdir(cacheRoot, { recursive: true });
      await build(files, target);
      await removeOthers(stamp);
    }
    return pathToFileURL(join(target, 'src', 'cli.js')).href;
  } catch {
    // no esbuild, a read-only folder: the TypeScript sources run through tsx as before
    return undefined;
  }
}
