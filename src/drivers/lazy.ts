import type { ClientPlacement, ConsumerSpec, Driver, DriverEvent, DriverInfo, MessageHandler, PathCounts, Topology } from './types.js';

/**
 * A driver whose client library is loaded when it connects, not when mqbench starts: some clients
 * take seconds to import, and `bench list` or a bad flag must not pay for them.
 */
export class LazyDriver implements Driver {
  private loaded: Driver | undefined;
  private readonly fatalListeners: ((error: Error) => void)[] = [];
  private readonly eventListeners: ((event: DriverEvent) => void)[] = [];
  /** the loaded driver's, when it counts its paths (set on connect: the contract's method is optional) */
  pathCounts?: () => PathCounts;

  constructor(
    readonly name: string,
    private readonly load: () => Promise<Driver>,
  ) {}

  private get driver(): Driver {
    if (!this.loaded) throw new Error(`${this.name}: connect() first`);
    return this.loaded;
  }

  async connect(): Promise<void> {
    this.loaded ??= await this.load();
    if (this.loaded.pathCounts) this.pathCounts = this.loaded.pathCounts.bind(this.loaded);
    for (const listener of this.fatalListeners) this.loaded.onFatal(listener);
    for (const listener of this.eventListeners) this.loaded.onEvent?.(listener);
    await this.loaded.connect();
  }

  onFatal(listener: (error: Error) => void): void {
    if (this.loaded) this.loaded.onFatal(listener);
    else this.fatalListeners.push(listener);
  }

  onEvent(listener: (event: DriverEvent) => void): void {
    if (this.loaded) this.loaded.onEvent?.(listener);
    else this.eventListeners.push(listener);
  }

  setup(topology: Topology): Promise<void> {
    return this.driver.setup(topology);
  }

  attach(topology: Topology): Promise<void> {
    return this.driver.attach(topology);
  }

  assignedPartitions(): number[][] {
    return this.driver.assignedPartitions();
  }

  createProducer(producerId: number, placement?: ClientPlacement) {
    return this.driver.createProducer(producerId, placement);
  }

  createConsumer(spec: ConsumerSpec, onMessage: MessageHandler) {
    return this.driver.createConsumer(spec, onMessage);
  }

  waitUntilConsumersReady(timeoutMs: number): Promise<void> {
    return this.driver.waitUntilConsumersReady(timeoutMs);
  }

  async teardown(): Promise<void> {
    await this.loaded?.teardown();
  }

  info(): Promise<DriverInfo> {
    return this.driver.info();
  }

  async close(): Promise<void> {
    await this.loaded?.close();
  }
}
