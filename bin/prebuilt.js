// A JavaScript copy of src/ for bin/bench.js, so that a command starts without TypeScript loader hooks:
// through tsx, each of the ~150 modules a command loads makes its own round trip to the loader thread,
// which is about a second of start-up on a 2-core machine (`bench --version` took 1.7 s of CPU, this
// copy 0.7 s). The copy is made with esbuild (what tsx itself transpiles with), once per state of src/:
// its folder is named by a hash of every source file's path, size and mtime, so an edited file makes a
// new copy and a stale one is never run. `import.meta.url` keeps naming the original .ts file, so every
// path a module finds from its own location (package.json, the brokers/ folder, schema.json, the timer
// worker, the worker process entry) is the same as through tsx. Copies live in .mqbench/js/ (git-ignored).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceRoot = join(root, 'src');
// in the checkout's own (git-ignored) state folder: packages resolve from there as from src/, and a second
// checkout sharing node_modules through a link keeps its copies apart
const cacheRoot = join(root, '.mqbench', 'js');
/** A copy unused for this long is removed when another is made; a command still running from it keeps it in use. */
const unusedForMs = 24 * 3600_000;

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

/**
 * Copies made for earlier states of src/, once unused for a day: not at once, since a command started
 * from one (a long run, a sweep) still loads modules from it as it goes.
 */
async function removeUnused(keep) {
  const before = Date.now() - unusedForMs;
  for (const name of readdirSync(cacheRoot)) {
    const path = join(cacheRoot, name);
    if (name !== keep && statSync(path).mtimeMs < before) await rm(path, { recursive: true, force: true });
  }
}

/** Its last use, for removeUnused; a copy another user made (a container's image) may not be ours to touch. */
function markUsed(target) {
  try {
    utimesSync(target, new Date(), new Date());
  } catch {
    // read-only to us: used all the same
  }
}

/** The copy's cli.js for src/ as it is now, made when missing; undefined when it cannot be made. */
export async function prebuiltCli() {
  try {
    const files = sourceFiles(sourceRoot);
    const stamp = stampOf(files);
    const target = join(cacheRoot, stamp);
    if (existsSync(join(target, 'src', 'cli.js'))) {
      markUsed(target);
    } else {
      await mkdir(cacheRoot, { recursive: true });
      await build(files, target);
      await removeUnused(stamp);
    }
    return pathToFileURL(join(target, 'src', 'cli.js')).href;
  } catch {
    // no esbuild, a read-only folder: the TypeScript sources run through tsx as before
    return undefined;
  }
}
