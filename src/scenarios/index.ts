import type { DeliveryMode, DriverSettings } from '../drivers/types.js';
import { UsageError } from '../errors.js';

/** A scenario is data: a topology, delivery semantics and defaults. Drivers map it onto their broker. */
export interface Scenario {
  name: string;
  description: string;
  /** the stream's name inside the run's unique prefix */
  stream: string;
  delivery: DeliveryMode;
  partitions: number;
  subscriptions: number;
  producers: number;
  /** consumers per subscription */
  consumers: number;
  /** A fixed number of messages instead of a timed run (hello-world sends exactly one). */
  messages?: number;
  /** Producers attach a key so the broker (or the client) spreads messages over partitions. */
  keyed: boolean;
  /** scenario defaults for driver settings; flags override them */
  driver: Partial<DriverSettings>;
  /** How the scenario maps onto each broker, shown in README and `bench list --verbose`. */
  mapping: { rabbit: string; kafka: string };
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'hello-world',
    description: 'the tutorial: one producer sends "Hello World!" to `hello`, one consumer prints it',
    stream: 'hello',
    delivery: 'noack',
    partitions: 1,
    subscriptions: 1,
    producers: 1,
    consumers: 1,
    messages: 1,
    keyed: false,
    driver: { confirm: false, persistent: false, kafkaAcks: 1 },
    mapping: {
      rabbit: 'default exchange, queue `hello`, consumer with noAck (as the tutorial\'s no_ack=True)',
      kafka: 'topic `hello`, 1 partition, acks=1, one consumer group',
    },
  },
  {
    name: 'noack',
    description: 'at-most-once: fastest path, no broker acknowledgements',
    stream: 'noack',
    delivery: 'noack',
    partitions: 1,
    subscriptions: 1,
    producers: 1,
    consumers: 1,
    keyed: false,
    driver: { confirm: false, persistent: false, kafkaAcks: 1 },
    mapping: {
      rabbit: 'default exchange -> one transient queue; consume with noAck; no publisher confirms',
      kafka: 'topic with 1 partition; producer acks=1 (--kafka-acks 0|1); consumer auto-commit every 5 s',
    },
  },
  {
    name: 'ack',
    description: 'at-least-once: publisher confirms / acks=all, consumer acknowledges after processing',
    stream: 'ack',
    delivery: 'ack',
    partitions: 1,
    subscriptions: 1,
    producers: 1,
    consumers: 1,
    keyed: false,
    driver: { confirm: true, persistent: false, kafkaAcks: -1 },
    mapping: {
      rabbit: 'one queue; publisher confirms; manual ack with prefetch, multi-ack every N; --persistent for durable queue + persistent messages',
      kafka: 'topic with 1 partition; acks=all; consumer commits after each processed batch',
    },
  },
  {
    name: 'fanout',
    description: 'every message to K subscribers (--subscriptions K)',
    stream: 'fanout',
    delivery: 'noack',
    partitions: 1,
    subscriptions: 3,
    producers: 1,
    consumers: 1,
    keyed: false,
    driver: { confirm: false, persistent: false, kafkaAcks: 1 },
    mapping: {
      rabbit: 'fanout exchange -> K queues, one consumer each',
      kafka: 'one topic, K consumer groups',
    },
  },
  {
    name: 'partitioned',
    description: 'keyed load spread over P partitions (--partitions P) read by P consumers',
    stream: 'partitioned',
    delivery: 'noack',
    partitions: 4,
    subscriptions: 1,
    producers: 1,
    consumers: 4,
    keyed: true,
    driver: { confirm: false, persistent: false, kafkaAcks: 1 },
    mapping: {
      rabbit: 'direct exchange -> P queues, routing key chosen by key hash; one consumer per queue',
      kafka: 'topic with P partitions (key hash by the client), one consumer group of P consumers',
    },
  },
];

export const scenarioNames = scenarios.map((s) => s.name);

export function findScenario(name: string): Scenario {
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) throw new UsageError(`unknown scenario "${name}"; valid scenarios: ${scenarioNames.join(', ')}`);
  return scenario;
}
