/** Exit codes shared by every command (DESIGN.md, CLI conventions). */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  brokerUnreachable: 3,
  aborted: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is meant for the user as-is: one line, no stack trace. */
export class MqbenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends MqbenchError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

export class BrokerUnreachableError extends MqbenchError {
  constructor(message: string) {
    super(message, ExitCode.brokerUnreachable);
  }
}

export class RunAbortedError extends MqbenchError {
  constructor(message: string) {
    super(message, ExitCode.aborted);
  }
}

/**
 * A phase of a run (setup, attaching consumers, …) that did not finish: its deadline passed or the run
 * was interrupted. The run ends `aborted` with what it measured (nothing, before the window).
 */
export class PhaseAbortedError extends RunAbortedError {
  constructor(
    readonly phase: string,
    /** the result's reason: `<phase>: no answer …`, or exactly `interrupted` */
    readonly reason: string,
  ) {
    super(reason);
  }
}
