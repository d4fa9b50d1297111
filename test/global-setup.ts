import { localKafkaStatus, startLocalKafka, stopLocalKafka } from '../src/provision/kafka-local.js';

let startedHere = false;

/** The Kafka the project starts: up before the broker tests, stopped after if this run started it. */
export async function setup(): Promise<void> {
  const status = await localKafkaStatus();
  if (!status.reachable) {
    const { started } = await startLocalKafka((line) => process.stderr.write(`[global-setup] ${line}\n`));
    startedHere = started;
  }
}

export async function teardown(): Promise<void> {
  if (startedHere && process.env.MQBENCH_KEEP_KAFKA !== '1') await stopLocalKafka();
}
