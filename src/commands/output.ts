/** What a command hands cli.ts: the text for stdout and the exit code (cli.ts prints it and exits). */
export interface CommandOutput {
  text: string;
  exitCode: number;
}
