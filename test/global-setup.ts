import { localKafkaStatus, startLocalKafka, stopLocalKafka } from '../src/drivers/kafka/local.js';
import { startStreamNode, stopStreamNode } from '../src/drivers/rabbit-stream/local.js';
import { leftoverRabbitObjects } from './helpers.js';

/** The private RabbitMQ node with the stream plugin (never the shared one): started here if not running, stopped after if so. */
let streamNodeStartedHere = false;

let startedHere = false;

/** The Kafka the project starts: up before the broker tests, stopped after if this run started it. */
export async function setup(): Promise<void> {
  const status = await localKafkaStatus();
  if (!status.reachable) {
    const { started } = await startLocalKafka((line) => process.stderr.write(`[global-setup] ${line}\n`));
    startedHere = started;
  }
  // only the rabbit-stream tests need it: if it cannot start, they fail on their own and the rest runs
  try {
    const stream = await startStreamNode((line) => process.stderr.write(`[global-setup] ${line}\n`));
    streamNodeStartedHere = stream.started;
  } catch (error) {
    process.stderr.write(`[global-setup] the private stream node did not start (rabbit-stream tests will fail): ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

export async function teardown(): Promise<void> {
  if (startedHere && process.env.MQBENCH_KEEP_KAFKA !== '1') await stopLocalKafka();
  if (streamNodeStartedHere && process.env.MQBENCH_KEEP_STREAM_NODE !== '1') await stopStreamNode();
  // after every file has run: the shared RabbitMQ must be as clean as before the suite
  const leftovers = await leftoverRabbitObjects();
  if (leftovers.length > 0) throw new Error(`tests left these on the shared RabbitMQ: ${leftovers.join(', ')}`);
}
