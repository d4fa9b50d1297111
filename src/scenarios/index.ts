import type { DeliveryMode } from '../results/types.js';
import { UsageError } from '../errors.js';

/** A scenario is data: a topology, delivery semantics and defaults. Each broker plug-in says how it maps it (its `mapping`). */
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
  /** Option defaults the scenario sets, written as a user would (e.g. a rate): the user's values win. */
  defaults?: Readonly<Record<string, string | number>>;
  /**
   * A fault is injected mid-run (the --fault* options mean something only here): clients reconnect,
   * producers resend what failed, and the run uses the plug-in's local cluster unless URLs are given.
   */
  failover?: boolean;
  /**
   * Producers build a backlog (--backlog-size) before consumers attach, then consumers drain it while
   * producers go on at the rate (OpenMessaging Benchmark's consumerBacklogSizeGB): the result's `backlog`.
   */
  backlog?: boolean;
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
  },
  {
    name: 'failover',
    description: 'at-least-once on a 3-node cluster, the queue / partition leader killed mid-run (--fault, --fault-target, --fault-at, --fault-for)',
    stream: 'failover',
    delivery: 'ack',
    partitions: 1,
    subscriptions: 1,
    // one producer per node of a 3-node cluster: with --clients spread, some on the node that fails, some on survivors
    producers: 3,
    consumers: 1,
    keyed: false,
    // a modest open-loop rate, and a window long enough to see the recovery after a 15 s fault
    defaults: { rate: 1000, duration: '40s', 'drain-timeout': '30s', fault: 'kill', 'fault-target': 'leader', 'fault-at': '10s', 'fault-for': '15s' },
    failover: true,
  },
  {
    name: 'backlog',
    description: 'at-least-once; producers build a backlog (--backlog-size) before consumers attach, then the drain rate while producers go on at --rate',
    stream: 'backlog',
    delivery: 'ack',
    partitions: 1,
    subscriptions: 1,
    producers: 1,
    consumers: 1,
    keyed: false,
    // an open loop (a closed loop's window never lets a backlog build); 8 MiB at 5,000 msg/s of 1 KiB: under 2 s.
    // A backlog still draining at the window's end is not lost: the drain waits for it (and ends once all arrived)
    defaults: { rate: 5000, size: '1KiB', 'backlog-size': '8MiB', duration: '20s', 'drain-timeout': '30s' },
    backlog: true,
  },
];

export const scenarioNames = scenarios.map((s) => s.name);

export function findScenario(name: string): Scenario {
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) throw new UsageError(`unknown scenario "${name}"; valid scenarios: ${scenarioNames.join(', ')}`);
  return scenario;
}
