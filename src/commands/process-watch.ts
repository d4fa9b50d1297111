/**
 * What keeps a command honest about how it ended, whatever the command (issue 29):
 * - a signal no command is watching for (merge, report, calibrate, …) quits with exit 4, never 130/143/129;
 * - the parent going away (npm exec killed by a SIGTERM it does not pass on, a closed terminal's shell)
 *   is a SIGTERM: the command stops in order instead of running on as an orphan;
 * - Node finding nothing left to wait for before the command finished (a promise that can never
 *   settle) is exit 4 with one line naming the phase, never a silent exit 0.
 * The process ends only through the `quit` cli.ts gives.
 */
import { currentPhase } from '../engine/phases.js';
import { ExitCode } from '../errors.js';
import { stopSignals, type Quit } from './interrupts.js';

/** How often the parent is looked for. */
const parentPollMs = 500;

/** A signal only this listens to (no command's interrupts are active): exit 4 at once, nothing to keep. */
export function quitOnUnwatchedSignals(log: (line: string) => void, quit: Quit): void {
  for (const signal of stopSignals) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return; // a command is watching: it stops in order
      log(`bench: ${signal}: interrupted (exit 4)`);
      quit(ExitCode.aborted);
    };
    process.on(signal, onSignal);
  }
}

/** Treats the parent's going away (this process re-parented) as a SIGTERM, once. */
export function stopWhenParentGoes(log: (line: string) => void): void {
  // bin/bench.js notes the parent first thing: it may be gone already by the time this runs
  const noted = (globalThis as { mqbenchParentPid?: unknown }).mqbenchParentPid;
  const parent = typeof noted === 'number' ? noted : process.ppid;
  if (parent <= 1) return; // started by init or a container's entry: there is no parent to lose
  const look = (): void => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    log(`bench: the parent process (${parent}) went away: stopping as on SIGTERM`);
    process.kill(process.pid, 'SIGTERM');
  };
  const timer = setInterval(look, parentPollMs);
  // it must not keep the process alive by itself
  timer.unref();
}

/** Node's event loop ran empty before the command said it finished: exit 4 naming the phase, never 0. */
export function quitOnUnfinishedEnd(log: (line: string) => void, quit: Quit, finished: () => boolean): void {
  process.on('beforeExit', () => {
    if (finished()) return;
    const phase = currentPhase();
    log(`bench: the command ended without finishing${phase ? ` while ${phase}` : ''}: a wait that can never end (no result; exit 4)`);
    quit(ExitCode.aborted);
  });
}
