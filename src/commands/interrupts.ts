/**
 * Ctrl-C, SIGTERM and SIGHUP (a closed terminal), alike in every phase of every command: the first
 * stops the work in order (a partial result), a second quits at once through the `quit` the CLI gives
 * (cli.ts is the only place that ends the process). cli.ts turns its parent going away into a SIGTERM.
 */
import { ExitCode } from '../errors.js';

/** Ends the process with a code: cli.ts's process.exit, handed to the commands that watch signals. */
export type Quit = (code: number) => never;

export interface Interrupts {
  signal: AbortSignal;
  release: () => void;
}

/** The signals that stop a command. */
export const stopSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** SIGINT / SIGTERM / SIGHUP: `what` is said on the first; the second quits (exit 4). */
export function stopOnSignals(log: (line: string) => void, quit: Quit, what: string): Interrupts {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) quit(ExitCode.aborted);
    log(`${signal}: ${what} (again to quit at once)`);
    controller.abort();
  };
  for (const signal of stopSignals) process.on(signal, onSignal);
  return {
    signal: controller.signal,
    release: () => {
      for (const signal of stopSignals) process.off(signal, onSignal);
    },
  };
}

/**
 * A run's interrupts: the signals, and a client library that throws from one of its own callbacks
 * (seen: a client's connection pool during a failover), which would kill the process with a stack
 * trace and no result: the run stops in order with the error as its reason; a second one quits.
 */
export function runInterrupts(log: (line: string) => void, quit: Quit): Interrupts {
  const controller = new AbortController();
  // on a terminal the line starts below the progress bar
  const signals = stopOnSignals((line) => log(`\n${line}`), quit, 'stopping producers, draining briefly, writing a partial result');
  signals.signal.addEventListener('abort', () => controller.abort(), { once: true });
  let libraryErrors = 0;
  const onUncaught = (error: Error): void => {
    libraryErrors++;
    if (libraryErrors > 1) {
      log('bench: a client library threw again: quitting (exit 4)');
      quit(ExitCode.aborted);
    }
    log('\na client library threw an uncaught error: stopping the run and writing a partial result (the error is in it)');
    // the reason reaches the result through run/benchmark.ts, which removes the URLs' secrets from it
    controller.abort(`a client library failed: ${error.message.split('\n')[0] ?? String(error)}`);
  };
  process.on('uncaughtException', onUncaught);
  return {
    signal: controller.signal,
    release: () => {
      signals.release();
      process.off('uncaughtException', onUncaught);
    },
  };
}
