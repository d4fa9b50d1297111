/**
 * Running `ip` and `nft` (execFile-style, never through a shell: names and addresses are passed as
 * arguments) and the checks made before anything is created, so that a machine without root,
 * namespaces or nftables gets one line saying why instead of half a network.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../../errors.js';

/** No `ip` or `nft` call takes this long unless the machine is stuck; then fail rather than hang. */
const commandTimeoutMs = 15_000;

/** A command that ran and failed: its argv and the first line of what it said. */
export class NetworkCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`${argv.join(' ')} failed: ${stderr.trim().split('\n')[0] || `exit ${code}`}`);
    this.name = 'NetworkCommandError';
  }
}

/** Runs `file args` (stdin from `input`), resolves its stdout; rejects with NetworkCommandError. */
export function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: commandTimeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // ENOENT (no such program) arrives here, with the program's name in `code`
    child.once('error', (error: NodeJS.ErrnoException) => reject(new NetworkCommandError([file, ...args], error.message, error.code ?? null)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new NetworkCommandError([file, ...args], stderr, code ?? signal));
    });
    // a command that exits before reading its input (it failed) closes the pipe: its exit code tells why
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export const ip = (args: readonly string[]): Promise<string> => run('ip', args);

/** `ip -j ...` parsed; iproute2 prints nothing at all (not "[]") for some empty lists. */
export async function ipJson<T>(args: readonly string[]): Promise<T[]> {
  const text = (await ip(['-j', ...args])).trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

/** `ip ...` that may fail because the thing is already gone (removal is idempotent): true when it ran. */
export async function ipIfPresent(args: readonly string[]): Promise<boolean> {
  try {
    await ip(args);
    return true;
  } catch (error) {
    if (error instanceof NetworkCommandError && /cannot find|does not exist|no such|not found/i.test(error.stderr)) return false;
    throw error;
  }
}

/** Root and a working `ip netns`, or a UsageError (exit 2) saying which is missing. */
export async function checkNetworkSupport(): Promise<void> {
  const uid = process.getuid?.();
  if (uid !== 0) throw new UsageError(`per-node networks need root (network namespaces, bridges and veth pairs): this process runs as uid ${uid ?? 'unknown'}`);
  try {
    await ip(['netns', 'list']);
  } catch (error) {
    const why = error instanceof NetworkCommandError && error.code === 'ENOENT' ? 'the `ip` command is missing (Debian package iproute2)' : (error as Error).message;
    throw new UsageError(`per-node networks need network namespaces, and \`ip netns\` does not work here: ${why}`);
  }
}

/** What partitions need beyond the network: the `nft` command (Debian package nftables). */
export async function checkPartitionSupport(): Promise<void> {
  await checkNetworkSupport();
  try {
    await run('nft', ['--version']);
  } catch (error) {
    const why = error instanceof NetworkCommandError && error.code === 'ENOENT' ? 'the `nft` command is missing: apt-get install -y nftables' : (error as Error).message;
    throw new UsageError(`network partitions are made with nftables, and ${why}`);
  }
}
