import { prebuiltCli } from '../bin/prebuilt.js';
import { loadExternalPlugins, plugins } from '../src/drivers/index.js';

/** Each plug-in's part of the teardown, in the order their setups ran. */
const teardowns: (() => Promise<void>)[] = [];

const log = (line: string): void => void process.stderr.write(`[global-setup] ${line}\n`);

/** What every registered plug-in's tests need (its `testing().globalSetup`: e.g. Kafka's local broker, the private stream node). */
export async function setup(): Promise<void> {
  // the CLI's JavaScript copy of src/ (bin/prebuilt.js), made once here rather than by the first test's command
  await prebuiltCli();
  await loadExternalPlugins();
  for (const plugin of plugins) {
    const teardown = await (await plugin.testing?.())?.globalSetup?.(log);
    if (teardown) teardowns.push(teardown);
  }
}

/** After every file has run: each part runs (e.g. stopping what setup started, checking the shared RabbitMQ is clean); the first failure is thrown. */
export async function teardown(): Promise<void> {
  const failures: unknown[] = [];
  for (const part of teardowns.splice(0)) await part().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}
