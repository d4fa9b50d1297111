/**
 * The user's own fault and restore commands (--fault-cmd / --restore-cmd), for clusters mqbench did
 * not start: run through the shell, their exit code reported. Their text and output are not echoed:
 * a command line may carry a token or a password.
 */
import { spawn } from 'node:child_process';

export interface CommandOutcome {
  /** the exit code, or undefined when a signal ended it (then `signal` says which) */
  code: number | undefined;
  signal: string | undefined;
  elapsedMs: number;
  timedOut: boolean;
}

/** Runs `command` through sh; after `timeoutMs` the shell mqbench started (and its group) is killed. */
export function runShellCommand(command: string, timeoutMs: number): Promise<CommandOutcome> {
  const began = Date.now();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: 'ignore', detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group ended on its own meanwhile
      }
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code: code ?? undefined, signal: signal ?? undefined, elapsedMs: Date.now() - began, timedOut });
    };
    child.once('error', () => finish(127, null));
    child.once('exit', finish);
  });
}

export function describeOutcome(option: string, outcome: CommandOutcome): string {
  const took = `after ${(outcome.elapsedMs / 1000).toFixed(1)} s`;
  if (outcome.timedOut) return `${option} did not finish within its time limit and was killed (${took})`;
  if (outcome.code === undefined) return `${option} ended by signal ${outcome.signal ?? '?'} ${took}`;
  return `${option} exited ${outcome.code} ${took}`;
}
