import { localKafkaStatus, startLocalKafka, stopLocalKafka } from '../src/drivers/kafka/local.js';
import { leftoverRabbitObjects } from './helpers.js';

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
  // after every file has run: the shared RabbitMQ must be as clean as before the suite
  const leftovers = await leftoverRabbitObjects();
  if (leftovers.length > 0) throw new Error(`tests left these on the shared RabbitMQ: ${leftovers.join(', ')}`);
}
