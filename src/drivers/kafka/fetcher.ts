/**
 * The fetch loop of one @platformatic/kafka group member, in place of the client's MessagesStream.
 *
 * Why: the stream builds, for every record, a message object, a Map of headers, a BigInt offset, a
 * bound commit function and a diagnostics context, and pushes each through an object-mode Readable.
 * Reading a backlog of 1,000,000 records of 100 B here, that cost 6.1 µs of CPU per record through
 * the stream and 1.0 µs through the client's own `consumer.fetch()`: the stream alone held an
 * end-to-end run to ~100k msg/s on one core. Group membership (join, sync, heartbeats, rejoin after
 * a rebalance), offsets, commits and the fetch request's encoding all stay the client's; this
 * module decides which offsets to ask for and hands each record's value to the engine. Where the
 * broker speaks Fetch v17, the one the client would use, the response's records are read by
 * wire/fetch-response.ts (why: there); any failure of that request goes to the client's own
 * `consumer.fetch()`, with its retries and metadata refresh, and is delivered from its answer.
 * The requests and the walk over their records are in wire/fetch-decoding.ts; this module keeps
 * the member's partitions, positions, leaders and fetches in flight.
 */
import { ConnectionPool, ListOffsetTimestamps, type ConnectionOptions, type Consumer, type RecordsBatch } from '@platformatic/kafka';
import { asError } from './shared.js';
import {
  fetchV17Topics,
  forEachClientValue,
  partitionRequests,
  speaksFetchV17,
  type FetchSettings,
  type PartitionRequest,
} from './wire/fetch-decoding.js';
import { forEachValue, UnreadableBatch, type FetchedTopic } from './wire/fetch-response.js';

/** What `consumer.fetch()` resolves to (the package does not export the type by name). */
type FetchResponse = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>['fetch']>>;

/** Called once per record with its value, a slice of the fetch response. */
export type RecordHandler = (value: Buffer) => void;
/** Called after a partition's records of one fetch were handed over: the next offset to read. */
export type PositionHandler = (partition: number, nextOffset: bigint) => void;

/** An owned partition with no leader (an election, a dead node): ask the cluster again this often... */
const leaderlessRetryMs = 250;
/** ...and give up after this long, so a failover replaces the member instead of it waiting silently. */
const leaderlessGiveUpMs = 10_000;

interface FetcherHooks {
  onRecord: RecordHandler;
  onPosition: PositionHandler;
  /** a fetch or an offset lookup failed after the client's retries: this member cannot go on */
  onError: (error: Error) => void;
  /** a Fetch v17 request of ours failed, and went through the client's own fetch */
  onFallback: (error: Error) => void;
}

export class GroupFetcher {
  /** partition -> next offset to fetch, for the partitions this member owns now */
  private readonly positions = new Map<number, bigint>();
  /** leader node id -> its fetch in flight (one at a time per leader, like the Java consumer) */
  private readonly inFlight = new Map<number, Promise<void>>();
  /** fetches get their own connections: a long-polling fetch must not hold up heartbeats or commits */
  private readonly pool: ConnectionPool;
  private assigning: Promise<void> = Promise.resolve();
  /** the group's latest assignment for this member */
  private assigned: readonly number[] = [];
  private closed = false;
  /** when an owned partition was first seen without a leader, while it still has none */
  private leaderlessSinceMs: number | undefined;
  private leaderlessRetry: NodeJS.Timeout | undefined;
  /** the broker speaks Fetch v17: responses are read by wire/fetch-response.ts (known once offsets were first looked up) */
  private ownDecoding: boolean | undefined;

  constructor(
    private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly topic: string,
    clientId: string,
    /** the consumer's own timeouts, for the fetch connections */
    connection: Pick<ConnectionOptions, 'connectTimeout' | 'requestTimeout'>,
    private readonly settings: FetchSettings,
    private readonly hooks: FetcherHooks,
  ) {
    this.pool = new ConnectionPool(clientId, connection);
  }

  /** The partitions this member reads now; kept ones go on from where they are, new ones start from the group's commit (else the earliest). */
  assign(partitions: readonly number[]): Promise<void> {
    this.assigned = partitions;
    // lost at once: a fetch answered while an earlier assignment still looks up offsets must not deliver them
    for (const owned of [...this.positions.keys()]) if (!partitions.includes(owned)) this.positions.delete(owned);
    // new ones in the order the group assigned them
    this.assigning = this.assigning.then(() => this.applyAssignment(partitions));
    return this.assigning;
  }

  private async applyAssignment(partitions: readonly number[]): Promise<void> {
    const added = partitions.filter((p) => !this.positions.has(p));
    if (added.length > 0 && !this.closed) {
      try {
        this.ownDecoding ??= await this.brokerSpeaksFetchV17();
        const starts = await this.startOffsets(added);
        // a later assignment may have taken some away while their offsets were looked up
        added.forEach((partition, i) => {
          if (this.assigned.includes(partition) && !this.positions.has(partition)) this.positions.set(partition, starts[i] as bigint);
        });
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    this.kick();
  }

  /** Without an answer, this member reads through the client's own path. */
  private async brokerSpeaksFetchV17(): Promise<boolean> {
    return this.consumer.listApis().then(speaksFetchV17, () => false);
  }

  /** Where a newly owned partition starts: the group's committed offset, or the log start when none (auto.offset.reset=earliest). */
  private async startOffsets(partitions: number[]): Promise<bigint[]> {
    const committed = await this.consumer.listCommittedOffsets({ topics: [{ topic: this.topic, partitions }] });
    const earliest = await this.consumer.listOffsets({ topics: [this.topic], partitions: { [this.topic]: partitions }, timestamp: ListOffsetTimestamps.EARLIEST });
    const committedOf = committed.get(this.topic) ?? [];
    const earliestOf = earliest.get(this.topic) ?? [];
    return partitions.map((partition) => {
      const commit = committedOf[partition] ?? -1n;
      return commit >= 0n ? commit : (earliestOf[partition] ?? 0n);
    });
  }

  /** Starts a fetch at every leader of an owned partition that has none in flight. */
  private kick(forceMetadata = false): void {
    if (this.closed || this.positions.size === 0) return;
    this.consumer.metadata({ topics: [this.topic], forceUpdate: forceMetadata }).then(
      (metadata) => {
        if (this.closed) return;
        const topic = metadata.topics.get(this.topic);
        const partitions = topic?.partitions ?? [];
        const leaders = new Set<number>();
        let leaderless = false;
        for (const partition of this.positions.keys()) {
          const leader = partitions[partition]?.leader ?? -1;
          if (leader >= 0) leaders.add(leader);
          else leaderless = true;
        }
        for (const leader of leaders) if (!this.inFlight.has(leader)) this.fetchFrom(leader, metadata.brokers.get(leader), topic?.id ?? '', partitions);
        this.watchLeaderless(leaderless);
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** A partition without a leader gets no fetch, and nothing else would ask again: retry, then give up. */
  private watchLeaderless(leaderless: boolean): void {
    if (!leaderless) {
      this.leaderlessSinceMs = undefined;
      return;
    }
    this.leaderlessSinceMs ??= Date.now();
    if (Date.now() - this.leaderlessSinceMs > leaderlessGiveUpMs) {
      return this.fail(new Error(`a partition of topic ${this.topic} has had no leader for ${leaderlessGiveUpMs / 1000} s`));
    }
    if (this.leaderlessRetry !== undefined) return;
    this.leaderlessRetry = setTimeout(() => {
      this.leaderlessRetry = undefined;
      this.kick(true);
    }, leaderlessRetryMs);
  }

  private fail(error: unknown): void {
    if (!this.closed) this.hooks.onError(asError(error));
  }

  private fetchFrom(leader: number, broker: { host: string; port: number } | undefined, topicId: string, partitions: readonly { leader: number }[]): void {
    const requested = new Map<number, bigint>();
    for (const [partition, offset] of this.positions) if (partitions[partition]?.leader === leader) requested.set(partition, offset);
    if (requested.size === 0) return;
    const request = partitionRequests(requested);
    const fetching = (
      this.ownDecoding === true && broker
        ? fetchV17Topics(this.pool, broker, topicId, request, this.settings).then(
            (topics) => this.delivered(leader, () => this.deliverOwn(topics, requested)),
            (error: unknown) => this.fallBack(error, leader, topicId, request, requested),
          )
        : this.fetchThroughClient(leader, topicId, request, requested)
    )
      // a throw while delivering would otherwise end this leader's loop unheard
      .catch((error: unknown) => this.fail(error));
    this.inFlight.set(leader, fetching);
  }

  /** Our request failed (nothing of it was delivered): the client's own fetch, with its retries, its metadata refresh, its errors. */
  private fallBack(error: unknown, leader: number, topicId: string, request: PartitionRequest[], requested: Map<number, bigint>): Promise<void> {
    if (this.closed) {
      this.inFlight.delete(leader);
      return Promise.resolve();
    }
    // a batch only the client's reader reads (compressed): from now on its path, not both each time
    if (error instanceof UnreadableBatch) this.ownDecoding = false;
    this.hooks.onFallback(asError(error));
    return this.fetchThroughClient(leader, topicId, request, requested);
  }

  private fetchThroughClient(leader: number, topicId: string, partitions: PartitionRequest[], requested: Map<number, bigint>): Promise<void> {
    const { maxWaitTime, minBytes, maxBytes, isolationLevel } = this.settings;
    return this.consumer.fetch({ node: leader, topics: [{ topicId, partitions }], connectionPool: this.pool, maxWaitTime, minBytes, maxBytes, isolationLevel }).then(
      (response) => this.delivered(leader, () => this.deliver(response, requested)),
      (error: unknown) => {
        this.inFlight.delete(leader);
        this.fail(error);
      },
    );
  }

  /** A leader's fetch came back: hand its records over (unless closed), then fetch again. */
  private delivered(leader: number, deliver: () => void): void {
    this.inFlight.delete(leader);
    if (this.closed) return;
    deliver();
    this.kick();
  }

  /**
   * Hands over each partition's records, unless the partition was lost in a rebalance, or re-seeked,
   * while this fetch was out (its records are not ours to count); then moves its position on.
   * `read` delivers one partition's records and returns the next offset, undefined when none was whole.
   */
  private deliverPartitions<R>(
    topics: readonly { partitions: readonly { partitionIndex: number; records?: R | undefined }[] }[],
    requested: Map<number, bigint>,
    read: (records: R, from: bigint) => bigint | undefined,
  ): void {
    for (const topic of topics) {
      for (const { partitionIndex: partition, records } of topic.partitions) {
        const from = requested.get(partition);
        if (from === undefined || this.positions.get(partition) !== from || !records) continue;
        const next = read(records, from);
        if (next === undefined) continue;
        this.positions.set(partition, next);
        this.hooks.onPosition(partition, next);
      }
    }
  }

  private deliverOwn(topics: readonly FetchedTopic[], requested: Map<number, bigint>): void {
    this.deliverPartitions(topics, requested, (records, from) => forEachValue(records, from, this.hooks.onRecord));
  }

  private deliver(response: FetchResponse, requested: Map<number, bigint>): void {
    this.deliverPartitions(response.responses, requested, (records: RecordsBatch[], from) => forEachClientValue(records, from, this.hooks.onRecord));
  }

  /**
   * Stops asking; waits for the fetches in flight, then closes their connections. A fetch to a live
   * broker returns within the consumer's maxWaitTime; one to a dead node only after the client's
   * retries, so the caller bounds this wait (closing the connections first would make the client
   * retry every fetch in flight against a closed pool). Nothing is delivered after close.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.leaderlessRetry);
    await Promise.allSettled([...this.inFlight.values(), this.assigning]);
    await new Promise<void>((resolve) => this.pool.close(() => resolve()));
  }
}
