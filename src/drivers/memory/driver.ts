import { partitionForKey } from '../partition.js';
import type {
  Consumer,
  ConsumerSpec,
  Driver,
  DriverInfo,
  DriverOptions,
  MessageHandler,
  Producer,
  Topology,
} from '../types.js';
import { plural } from '../../util/plural.js';

interface PartitionState {
  /** competing consumers take turns, as on a RabbitMQ queue */
  handlers: MessageHandler[];
  next: number;
  /** messages that arrived before anyone consumed the partition, as a queue holds them */
  backlog: Buffer[];
}

/**
 * An in-process broker: the same topology semantics as the real drivers, no network.
 * Measures the harness's own ceiling. Delivery is asynchronous (a macrotask later), as on a real broker.
 */
export class MemoryDriver implements Driver {
  /** `string`, not the literal: in-process drivers built on this one (faulty) carry their own name. */
  readonly name: string = 'memory';
  private topology: Topology | undefined;
  /** partitions[subscription][partition] */
  private partitions: PartitionState[][] = [];
  private outbox: { state: PartitionState; payload: Buffer }[] = [];
  private flushScheduled = false;

  constructor(private readonly options: DriverOptions) {}

  async connect(): Promise<void> {}

  onFatal(_listener: (error: Error) => void): void {
    // nothing can fail: there is no connection
  }

  async setup(topology: Topology): Promise<void> {
    this.topology = topology;
    this.partitions = Array.from({ length: topology.subscriptions }, () =>
      Array.from({ length: topology.partitions }, () => ({ handlers: [], next: 0, backlog: [] })),
    );
  }

  async attach(topology: Topology): Promise<void> {
    await this.setup(topology);
  }

  assignedPartitions(): number[][] {
    return this.partitions.map((row) => row.flatMap((state, p) => (state.handlers.length > 0 ? [p] : [])));
  }

  protected requireTopology(): Topology {
    if (!this.topology) throw new Error('MemoryDriver: setup() first');
    return this.topology;
  }

  private deliver = (): void => {
    this.flushScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    for (const { state, payload } of batch) {
      const handler = state.handlers[state.next++ % Math.max(1, state.handlers.length)];
      if (handler) handler(payload);
      else state.backlog.push(payload);
    }
  };

  async createProducer(): Promise<Producer> {
    const topology = this.requireTopology();
    let nextPartition = 0;
    return {
      brokerAcks: false,
      send: (payload: Buffer, key?: string) => {
        const partition =
          key === undefined ? nextPartition++ % topology.partitions : partitionForKey(key, topology.partitions);
        this.enqueue(partition, payload);
        return Promise.resolve();
      },
      close: async () => {},
    };
  }

  /** Hands one message to every subscription's `partition`, delivered a macrotask later. */
  protected enqueue(partition: number, payload: Buffer): void {
    for (const row of this.partitions) {
      const state = row[partition];
      if (state) this.outbox.push({ state, payload });
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.deliver);
    }
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    const row = this.partitions[spec.subscription];
    if (!row) throw new Error(`no subscription ${spec.subscription}`);
    const states = spec.partitions.map((p) => {
      const state = row[p];
      if (!state) throw new Error(`no partition ${p}`);
      return state;
    });
    for (const state of states) {
      state.handlers.push(onMessage);
      for (const payload of state.backlog.splice(0)) onMessage(payload);
    }
    return {
      close: async () => {
        for (const state of states) state.handlers = state.handlers.filter((h) => h !== onMessage);
      },
    };
  }

  async waitUntilConsumersReady(): Promise<void> {}

  async teardown(): Promise<void> {
    this.partitions = [];
    this.outbox = [];
    this.topology = undefined;
  }

  /** Whether the in-process broker holds the topology set up under `prefix`. */
  holds(prefix: string): boolean {
    return this.topology?.prefix === prefix;
  }

  /** What the in-process broker still holds (nothing after teardown). */
  heldMessages(): number {
    return this.partitions.flat().reduce((sum, state) => sum + state.backlog.length, 0) + this.outbox.length;
  }

  async info(): Promise<DriverInfo> {
    const topology = this.topology;
    return {
      broker: 'memory',
      brokerVersion: 'in-process',
      client: { name: 'mqbench-memory', version: '1' },
      url: 'memory://',
      settings: { delivery: this.options.settings.delivery },
      mapping: topology
        ? `in-process: ${plural(topology.subscriptions, 'subscription')} x ${plural(topology.partitions, 'partition')}`
        : 'not set up',
    };
  }

  async close(): Promise<void> {}
}
