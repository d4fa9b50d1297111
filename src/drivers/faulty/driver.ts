import { UsageError } from '../../errors.js';
import { redactUrl } from '../../util/redact.js';
import { MemoryDriver } from '../memory/driver.js';
import { partitionForKey } from '../partition.js';
import type { Consumer, ConsumerSpec, DriverEvent, DriverInfo, DriverOptions, MessageHandler, PathCounts, Producer, Topology } from '../types.js';

/**
 * The faulty driver: MemoryDriver's in-process broker plus deterministic faults, so engine tests can
 * prove accounting, stall detection and aborts with exact counts, fast and without a broker.
 *
 * Configured only from its URL, because worker processes rebuild drivers from DriverOptions.url:
 *   faulty://?drop=3&duplicate=5&delayMs=2
 *
 * Messages are numbered 1, 2, 3, ... in the order `send` is called, over all producers of this
 * driver. "Every N-th" means messages N, 2N, 3N, ...; no randomness anywhere.
 *
 * | parameter   | min | meaning                                                                        |
 * |-------------|-----|--------------------------------------------------------------------------------|
 * | drop        | 1   | every N-th message: send resolves, nothing is delivered (a silent loss)        |
 * | duplicate   | 1   | every N-th message is delivered twice                                          |
 * | reorder     | 1   | every N-th message is held back and delivered right after the next delivered   |
 * |             |     | one (that next one is never held itself); with no next one within 100 ms it is |
 * |             |     | delivered then, late but not reordered, so the last message of a run is never lost |
 * | delayMs     | 0   | every delivery happens this many ms later (sends still resolve at once)        |
 * | stallAfter  | 0   | once N messages were sent, the broker freezes (see freeze())                   |
 * | stallForMs  | 0   | how long that freeze lasts; absent: forever                                    |
 * | rejectEvery | 1   | every N-th send rejects with "rejected by faulty broker (message N)", not delivered |
 * | rejectAfter | 0   | every send after the N-th rejects the same way                                 |
 * | fatalAfter  | 1   | after message N, onFatal listeners are called once (a macrotask later) and     |
 * |             |     | every later send rejects with "connection lost (faulty broker)"                |
 * | brokerAcks  | 0-1 | 1: Producer.brokerAcks is true and sends settle a macrotask later, as a confirm |
 * | throwAfter  | 1   | after message N, the "client library" throws from a timer callback of its own  |
 * |             |     | (an uncaught exception, as a real client's bug would)                          |
 * | fallbackEvery | 1 | every N-th message takes a "fallback path": a driver event                     |
 * |             |     | (faulty-fallback, "message N") and a fallback in pathCounts(); with it, the     |
 * |             |     | driver keeps path counts (as a driver with its own wire code beside its client's) |
 * | hangSetup   | 1   | setup() never settles and holds no timer (a broker that took the connection and |
 * |             |     | went silent): nothing keeps Node's event loop alive but the engine's own bounds |
 * | hangAttach  | 1   | createConsumer() never settles, as hangSetup                                   |
 * | hangTeardown | 1  | teardown() never settles, as hangSetup                                         |
 *
 * When several faults hit one message, the first that applies wins: connection lost, frozen
 * (parked), rejectAfter, rejectEvery, drop; duplicate and reorder combine (both copies are held).
 */

const rules = {
  drop: { min: 1 },
  duplicate: { min: 1 },
  reorder: { min: 1 },
  delayMs: { min: 0 },
  stallAfter: { min: 0 },
  stallForMs: { min: 0 },
  rejectEvery: { min: 1 },
  rejectAfter: { min: 0 },
  fatalAfter: { min: 1 },
  brokerAcks: { min: 0, max: 1 },
  throwAfter: { min: 1 },
  fallbackEvery: { min: 1 },
  hangSetup: { min: 1, max: 1 },
  hangAttach: { min: 1, max: 1 },
  hangTeardown: { min: 1, max: 1 },
} as const satisfies Record<string, { min: number; max?: number }>;

export type FaultName = keyof typeof rules;
export type FaultConfig = Partial<Record<FaultName, number>>;
export const faultNames = Object.keys(rules) as FaultName[];

/** How long a held (reordered) message waits for a next one before it is delivered anyway. */
export const reorderHoldMs = 100;

/** What the driver really did, to compare with the engine's accounting. */
export interface FaultCounters {
  /** `send` calls, numbered as the faults count them */
  sent: number;
  /** sends that resolved (dropped ones included: the broker said yes and lost them) */
  resolved: number;
  /** sends that rejected, whatever the reason (rejectEvery, rejectAfter, connection lost) */
  rejected: number;
  dropped: number;
  /** messages delivered twice (each counts once) */
  duplicated: number;
  /** held messages that were delivered after a later one */
  reordered: number;
  /** sends parked by a freeze: neither resolved nor rejected yet */
  pending: number;
}

interface Message {
  n: number;
  partition: number;
  payload: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** One delivery: a message and how many copies of it (2 when duplicated). */
interface Delivery {
  partition: number;
  payload: Buffer;
  copies: number;
}

/** The URL as given, unless it carries credentials: an error message must not repeat a secret. */
const shown = (url: string): string => JSON.stringify(url.includes('@') ? redactUrl(url) : url);

const validList = (): string => `valid parameters: ${faultNames.join(', ')}`;

/** Parses and checks a faulty:// URL; anything wrong is a one-line UsageError naming the parameter. */
export function parseFaultyUrl(url: string): FaultConfig {
  const parsed = parseUrl(url);
  const config: FaultConfig = {};
  for (const [name, raw] of parsed.searchParams) {
    if (!Object.hasOwn(rules, name)) {
      throw new UsageError(`faulty URL: unknown parameter ${JSON.stringify(name)}; ${validList()}`);
    }
    const fault = name as FaultName;
    if (config[fault] !== undefined) throw new UsageError(`faulty URL: ${fault} given twice; ${validList()}`);
    config[fault] = integerValue(fault, raw);
  }
  return config;
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`faulty URL: cannot parse ${shown(url)}; expected faulty://?name=N&...; ${validList()}`);
  }
  // only the query configures it; a host or credentials would be silently meaningless
  const bare = parsed.username === '' && parsed.password === '' && parsed.host === '' && ['', '/'].includes(parsed.pathname);
  if (parsed.protocol !== 'faulty:' || !bare) {
    throw new UsageError(`faulty URL: expected faulty://?name=N&..., got ${shown(url)}; ${validList()}`);
  }
  return parsed;
}

function integerValue(name: FaultName, raw: string): number {
  const rule: { min: number; max?: number } = rules[name];
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < rule.min || value > max) {
    const range = rule.max === undefined ? `an integer >= ${rule.min}` : rule.max === rule.min ? `${rule.min}` : `${rule.min} or ${rule.max}`;
    throw new UsageError(`faulty URL: ${name} must be ${range}, got ${JSON.stringify(raw)}; ${validList()}`);
  }
  return value;
}

/** The URL back from a config, in table order: canonical, and it cannot carry secrets. */
export function faultyUrl(config: FaultConfig): string {
  const query = faultNames.flatMap((name) => (config[name] !== undefined ? [`${name}=${config[name]}`] : [])).join('&');
  return query ? `faulty://?${query}` : 'faulty://';
}

/** A promise that never settles and holds nothing that keeps the process alive: a silent broker. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

const hits = (every: number | undefined, n: number): boolean => every !== undefined && n % every === 0;

export class FaultyDriver extends MemoryDriver {
  override readonly name: string = 'faulty';
  readonly faults: FaultConfig;
  private readonly counters: Omit<FaultCounters, 'pending'> = { sent: 0, resolved: 0, rejected: 0, dropped: 0, duplicated: 0, reordered: 0 };
  private frozen = false;
  private thawTimer: NodeJS.Timeout | undefined;
  /** sends made while frozen, in order; taken on thaw */
  private parked: Message[] = [];
  private stallStarted = false;
  private connectionLost = false;
  private fatalListeners: ((error: Error) => void)[] = [];
  /** the reordered message waiting for the next delivery, and the timer that gives up waiting */
  private held: { delivery: Delivery; timer: NodeJS.Timeout } | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private eventListener: ((event: DriverEvent) => void) | undefined;
  private fallbacks = 0;
  /** present only with fallbackEvery: a driver without two paths keeps no path counts */
  readonly pathCounts?: () => PathCounts;

  constructor(options: DriverOptions) {
    super(options);
    this.faults = parseFaultyUrl(options.url);
    if (this.faults.fallbackEvery !== undefined) this.pathCounts = () => this.countPaths();
  }

  onEvent(listener: (event: DriverEvent) => void): void {
    this.eventListener = listener;
  }

  private countPaths(): PathCounts {
    const direct = this.counters.sent - this.fallbacks;
    return {
      paths: [
        { path: 'send: in-process', requests: direct, records: direct },
        { path: 'send: fallback', requests: this.fallbacks, records: this.fallbacks },
      ],
      fallbacks: this.fallbacks > 0 ? [{ reason: 'faulty fallback', count: this.fallbacks }] : [],
    };
  }

  override onFatal(listener: (error: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  /** A snapshot of what the driver did so far. */
  stats(): FaultCounters {
    return { ...this.counters, pending: this.parked.length };
  }

  isFrozen(): boolean {
    return this.frozen;
  }

  /**
   * The broker stops taking messages: sends made from now on stay pending (neither resolve nor
   * reject) and none of them is delivered until thaw(). Messages taken before the freeze are still
   * delivered, so what consumers see during a freeze is exact whatever the timing.
   * With `forMs`, thaw() happens on its own after that long.
   */
  freeze(forMs?: number): void {
    this.frozen = true;
    this.clearThawTimer();
    if (forMs !== undefined) this.thawTimer = this.later(forMs, () => this.thaw());
  }

  /** Takes every parked send in order, as if sent now; a stall due among them freezes again. */
  thaw(): void {
    this.frozen = false;
    this.clearThawTimer();
    const parked = this.parked;
    this.parked = [];
    for (const message of parked) this.admit(message);
  }

  override async createProducer(_producerId?: number): Promise<Producer> {
    const topology = this.requireTopology();
    let nextPartition = 0;
    return {
      brokerAcks: this.faults.brokerAcks === 1,
      send: (payload: Buffer, key?: string) =>
        new Promise<void>((resolve, reject) => {
          // the partition is chosen at send time, as MemoryDriver does, so a duplicate or a late copy lands on the same one
          const partition = key === undefined ? nextPartition++ % topology.partitions : partitionForKey(key, topology.partitions);
          this.admit({ n: ++this.counters.sent, partition, payload, resolve, reject });
        }),
      close: async () => {},
    };
  }

  private admit(message: Message): void {
    if (this.connectionLost) return this.fail(message, new Error('connection lost (faulty broker)'));
    this.startStallIfDue(message.n);
    if (this.frozen) this.parked.push(message);
    else this.take(message);
  }

  /** The stall begins when message stallAfter+1 arrives, so stallAfter=0 freezes from the first send. */
  private startStallIfDue(n: number): void {
    const { stallAfter, stallForMs } = this.faults;
    if (stallAfter === undefined || this.stallStarted || n <= stallAfter) return;
    this.stallStarted = true;
    this.freeze(stallForMs);
  }

  private take(message: Message): void {
    const { n } = message;
    const { rejectAfter, rejectEvery, drop, duplicate, reorder, fatalAfter } = this.faults;
    if ((rejectAfter !== undefined && n > rejectAfter) || hits(rejectEvery, n)) {
      this.fail(message, new Error(`rejected by faulty broker (message ${n})`));
    } else {
      if (hits(drop, n)) this.counters.dropped++;
      else this.route({ partition: message.partition, payload: message.payload, copies: hits(duplicate, n) ? 2 : 1 }, hits(reorder, n));
      this.succeed(message);
    }
    if (hits(this.faults.fallbackEvery, n)) {
      this.fallbacks++;
      this.eventListener?.({ kind: 'faulty-fallback', detail: `message ${n}` });
    }
    if (n === fatalAfter) this.loseConnection();
    if (n === this.faults.throwAfter) {
      setTimeout(() => {
        throw new TypeError(`Cannot read properties of undefined (faulty client library, after message ${n})`);
      }, 0);
    }
  }

  /** Reorder: a held message goes out right after the next delivery, which is then never held itself. */
  private route(delivery: Delivery, hold: boolean): void {
    if (delivery.copies === 2) this.counters.duplicated++;
    const previous = this.held;
    if (previous) {
      this.cancel(previous.timer);
      this.held = undefined;
      this.counters.reordered++;
      return this.schedule([delivery, previous.delivery]);
    }
    if (!hold) return this.schedule([delivery]);
    const timer = this.later(reorderHoldMs, () => {
      this.held = undefined;
      this.schedule([delivery]);
    });
    this.held = { delivery, timer };
  }

  /** Hands deliveries to the in-process broker now or after delayMs, in order. */
  private schedule(deliveries: Delivery[]): void {
    const hand = (): void => {
      for (const { partition, payload, copies } of deliveries) {
        for (let i = 0; i < copies; i++) this.enqueue(partition, payload);
      }
    };
    const delayMs = this.faults.delayMs ?? 0;
    if (delayMs > 0) this.later(delayMs, hand);
    else hand();
  }

  private succeed(message: Message): void {
    this.counters.resolved++;
    this.settle(() => message.resolve());
  }

  private fail(message: Message, error: Error): void {
    this.counters.rejected++;
    this.settle(() => message.reject(error));
  }

  /** With brokerAcks the answer comes a macrotask later, as a publisher confirm or nack would. */
  private settle(answer: () => void): void {
    if (this.faults.brokerAcks === 1) setImmediate(answer);
    else answer();
  }

  /** Later sends reject at once; listeners hear of it a macrotask later, never from inside send(). */
  private loseConnection(): void {
    this.connectionLost = true;
    const error = new Error(`connection lost (faulty broker, after message ${this.faults.fatalAfter})`);
    setImmediate(() => {
      for (const listener of this.fatalListeners) listener(error);
    });
  }

  /** Tracked timers die with the topology, so a torn-down driver delivers nothing late. */
  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private clearThawTimer(): void {
    if (this.thawTimer !== undefined) this.cancel(this.thawTimer);
    this.thawTimer = undefined;
  }

  /** Pending sends stay unsettled, as with a broker that never answers; their messages are forgotten. */
  private forgetWork(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.thawTimer = undefined;
    this.held = undefined;
    this.parked = [];
  }

  override async setup(topology: Topology): Promise<void> {
    if (this.faults.hangSetup === 1) return never();
    await super.setup(topology);
  }

  override async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    if (this.faults.hangAttach === 1) return never();
    return super.createConsumer(spec, onMessage);
  }

  override async teardown(): Promise<void> {
    this.forgetWork();
    if (this.faults.hangTeardown === 1) return never();
    await super.teardown();
  }

  override async close(): Promise<void> {
    this.forgetWork();
    await super.close();
  }

  override async info(): Promise<DriverInfo> {
    const base = await super.info();
    const active = faultNames.flatMap((name) => (this.faults[name] !== undefined ? [`${name}=${this.faults[name]}`] : []));
    return {
      broker: 'faulty',
      brokerVersion: 'in-process',
      client: { name: 'mqbench-faulty', version: '1' },
      url: faultyUrl(this.faults),
      settings: { ...base.settings, ...this.faults },
      mapping: `${base.mapping}; faults: ${active.length > 0 ? active.join(', ') : 'none'}`,
    };
  }
}
