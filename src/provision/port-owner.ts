/**
 * Which checkout's mqbench started the process listening on a local port, when it was not this one
 * (Linux /proc): a broker another checkout started keeps its files in that checkout's state folder
 * (`<checkout>/.mqbench/…`), and its command line names them (e.g. its configuration file). Without
 * it, a second clone could only say "not started by mqbench" of the first clone's broker.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { stateRoot } from '../util/paths.js';

/** The inodes of sockets listening on `port` (state 0A), from /proc/net/tcp and tcp6 (pure: the files' text). */
export function listeningInodes(tables: readonly string[], port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of tables.flatMap((text) => text.split('\n').slice(1))) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9]);
  }
  return inodes;
}

/** The state folder a command line names (`…/.mqbench/…`), other than this checkout's (pure). */
export function otherStateFolderIn(commandLine: string, own: string = stateRoot): string | undefined {
  const folders = [...commandLine.matchAll(/(\/[^\s"']*?\/\.mqbench)(?=\/)/g)].map((m) => m[1] ?? '');
  return folders.find((folder) => folder !== own.replace(/\/$/, ''));
}

async function holdsSocket(pid: string, inodes: ReadonlySet<string>): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (inodes.has(target.slice('socket:['.length, -1)) && target.startsWith('socket:[')) return true;
  }
  return false;
}

/** Another checkout's state folder when its mqbench started what listens on `port`, else undefined; never throws. */
export async function otherCheckoutListeningOn(port: number): Promise<string | undefined> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')));
  const inodes = listeningInodes(tables, port);
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    if (!(await holdsSocket(pid, inodes))) continue;
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    return otherStateFolderIn(commandLine);
  }
  return undefined;
}
