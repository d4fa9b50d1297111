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
 * wire/fetch-response.ts (why: there). What the Java consumer recovers from, this module does too,
 * keeping each partition's position: a leader change (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
 * UNKNOWN_LEADER_EPOCH, or the old leader's connection failing) asks the cluster again and fetches
 * from the new leader after a short backoff, where the client's `consumer.fetch()` retried the dead
 * node until the member was replaced and re-read from the last commit (a leader the metadata has no
 * address for, a node just fenced, is waited out the same way, as is a start-offset lookup that finds
 * no reachable leader); OFFSET_OUT_OF_RANGE resets to the earliest offset; a corrupt batch is
 * fetched again. A compressed batch or an error response goes to the client's own
 * `consumer.fetch()`, and is delivered from its answer.
 * The requests and the walk over their records are in wire/fetch-decoding.ts; this module keeps
 * the member's partitions, positions, leaders and fetches in flight.
 */
import { ConnectionPool, ListOffsetTimestamps, type ConnectionOptions, type Consumer, type RecordsBatch } from '@platformatic/kafka';
import { sleepMs } from '../../util/clock.js';
import type { PathCounter } from './path-counts.js';
import { asError, errorHas, isConnectionLoss, rootCauseLine } from './shared.js';
import {
  fetchV17Topics,
  forEachClientValue,
  partitionRequests,
  speaksFetchV17,
  type FetchSettings,
  type PartitionRequest,
} from './wire/fetch-decoding.js';
import { CorruptBatch, FetchErrorCodes, forEachValue, RefusedBatch, UnreadableBatch, type FetchedPartition, type FetchedTopic } from './wire/fetch-response.js';
import { nounFor, plural } from '../../util/plural.js';

/** What `consumer.fetch()` resolves to (the package does not export the type by name). */
type FetchResponse = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>['fetch']>>;
type ClusterMetadata = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>['metadata']>>;

/** Called once per record with its value, a slice of the fetch response. */
export type RecordHandler = (value: Buffer) => void;
/** Called after a partition's records of one fetch were handed over: the next offset to read. */
export type PositionHandler = (partition: number, nextOffset: bigint) => void;

/** Partition errors after which the Java consumer asks the cluster for the leader again and fetches the same offset (its Fetcher's handling). */
const leaderMovedCodes = new Map<number, string>([
  [3, 'UNKNOWN_TOPIC_OR_PARTITION'],
  [5, 'LEADER_NOT_AVAILABLE'],
  [6, 'NOT_LEADER_OR_FOLLOWER'],
  [9, 'REPLICA_NOT_AVAILABLE'],
  [56, 'KAFKA_STORAGE_ERROR'],
  [74, 'FENCED_LEADER_EPOCH'],
  [75, 'UNKNOWN_LEADER_EPOCH'],
  [100, 'UNKNOWN_TOPIC_ID'],
]);
const offsetOutOfRange = 1;
/**
 * Waits before a stalled partition is fetched again, doubled per failure (the Java client's
 * retry.backoff.ms 100; capped below its 1 s: an election is what a failover run measures, and the
 * cap is how late a new leader may be noticed; the record sender's is the same, so that a failover
 * run's publish and consume gaps end with the same resolution).
 */
const retryBackoffMs = 100;
const retryBackoffMaxMs = 250;

/** The kinds of notice: something the fetcher recovered from, one line in the result. */
export type FetchNotice = 'fetch-leader-changed' | 'fetch-offset-reset' | 'fetch-corrupt-batch';

interface FetcherHooks {
  onRecord: RecordHandler;
  onPosition: PositionHandler;
  /** this member cannot go on (an offset lookup failed, a batch of magic 0/1, no leader for leaderWaitMs) */
  onError: (error: Error) => void;
  /** a Fetch v17 request of ours failed, and went through the client's own fetch */
  onFallback: (error: Error) => void;
  /** the fetcher recovered from something worth a line in the result */
  onNotice: (kind: FetchNotice, detail: string) => void;
}

interface FetcherOptions {
  /** how long a partition may go without a leader to fetch from before the member gives up */
  leaderWaitMs: number;
  /** requests and records per path, fallbacks by reason (the driver's pathCounts()) */
  counts: PathCounter;
  /** the positions a replaced member of this group reached: a partition starts no earlier (its records were delivered) */
  resumeFrom?: ReadonlyMap<number, bigint>;
}

/** A partition that cannot be fetched now (its leader moved or is unreachable, or its batch was corrupt): since when, why, when to try again. */
interface Stall {
  sinceMs: number;
  failures: number;
  retryAtMs: number;
  /** the node it was fetched from when it stalled (-1: none) */
  node: number;
  reason: string;
  /** announced as a leader change once fetched again (a corrupt batch is announced when found) */
  leaderChange: boolean;
}

/** A connection that failed or timed out: the node may be gone (the Java consumer then refreshes metadata). */
function leaderUnreachable(error: unknown): boolean {
  return isConnectionLoss(error) || (error as { code?: unknown } | null)?.code === 'PLT_KFK_TIMEOUT';
}

/** The partitions with an error code in the response a client's ResponseError carries, if any. */
function clientPartitionErrors(error: unknown): { partitionIndex: number; errorCode: number }[] {
  const response = (error as { response?: { responses?: { partitions?: { partitionIndex: number; errorCode: number }[] }[] } } | null)?.response;
  return (response?.responses ?? []).flatMap((t) => (t.partitions ?? []).filter((p) => p.errorCode !== 0));
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
  /** the group is rebalancing: nothing is fetched or delivered until the next assignment */
  private paused = false;
  /** owned partitions not fetched for now (leader moved or unreachable, corrupt batch), until their retry */
  private readonly stalled = new Map<number, Stall>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** partitions whose out-of-range offset is being reset (not fetched meanwhile) */
  private readonly resetting = new Set<number>();
  /** leader node id -> where its next fetch starts in its list of partitions (rotated each fetch) */
  private readonly rotations = new Map<number, number>();
  /** the broker speaks Fetch v17: responses are read by wire/fetch-response.ts (known once offsets were first looked up) */
  private ownDecoding: boolean | undefined;
  /** why fetches go through the client's consumer.fetch() for good (no Fetch v17, a compressed batch) */
  private clientReason = 'fetch: broker speaks no Fetch v17';
  /** records handed over, counted per batch by the walks */
  private readonly tally = { records: 0 };

  constructor(
    private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly topic: string,
    clientId: string,
    /** the consumer's own timeouts, for the fetch connections */
    connection: Pick<ConnectionOptions, 'connectTimeout' | 'requestTimeout'>,
    private readonly settings: FetchSettings,
    private readonly hooks: FetcherHooks,
    private readonly options: FetcherOptions,
  ) {
    this.pool = new ConnectionPool(clientId, connection);
  }

  /**
   * The group is rebalancing and this member rejoins: until its next assignment, no fetch is sent and
   * nothing fetched is delivered (its positions stay), so what it commits before rejoining is all it
   * processed (the Java consumer revokes its partitions before it rejoins, eager protocol).
   */
  pause(): void {
    this.paused = true;
  }

  /** The partitions this member reads now; kept ones go on from where they are, new ones start from the group's commit (else the earliest). */
  assign(partitions: readonly number[]): Promise<void> {
    this.assigned = partitions;
    this.paused = false;
    // lost at once: a fetch answered while an earlier assignment still looks up offsets must not deliver them
    for (const owned of [...this.positions.keys()]) {
      if (partitions.includes(owned)) continue;
      this.positions.delete(owned);
      this.stalled.delete(owned);
    }
    // new ones in the order the group assigned them
    this.assigning = this.assigning.then(() => this.applyAssignment(partitions));
    return this.assigning;
  }

  private async applyAssignment(partitions: readonly number[]): Promise<void> {
    const added = partitions.filter((p) => !this.positions.has(p));
    if (added.length > 0 && !this.closed) {
      try {
        this.ownDecoding ??= await this.brokerSpeaksFetchV17();
        const starts = await this.startOffsetsPatiently(added);
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
    return this.consumer.listApis().then(speaksFetchV17, () => {
      this.clientReason = 'fetch: listApis failed';
      return false;
    });
  }

  /** Where each owned partition would be fetched from next (for a member that takes over from this one). */
  positionsNow(): Map<number, bigint> {
    return new Map(this.positions);
  }

  /**
   * startOffsets, asked again while the node that should answer cannot be reached or no longer leads
   * (a member that joins during an election: the Java consumer retries its offset lookups the same
   * way), with the metadata refreshed between tries; up to leaderWaitMs, then the member gives up.
   */
  private async startOffsetsPatiently(partitions: number[]): Promise<bigint[]> {
    const since = Date.now();
    for (let failures = 1; ; failures++) {
      try {
        return await this.startOffsets(partitions);
      } catch (error) {
        const moved = leaderUnreachable(error) || errorHas(error, 'hasStaleMetadata', true);
        if (!moved || this.closed || Date.now() - since > this.options.leaderWaitMs) throw error;
        await sleepMs(Math.min(retryBackoffMaxMs, retryBackoffMs * 2 ** (failures - 1)));
        await this.consumer.metadata({ topics: [this.topic], forceUpdate: true }).catch(() => undefined);
      }
    }
  }

  /**
   * Where a newly owned partition starts: the group's committed offset, or the log start when none
   * (auto.offset.reset=earliest); not before where a replaced member of this group had read to.
   */
  private async startOffsets(partitions: number[]): Promise<bigint[]> {
    const committed = await this.consumer.listCommittedOffsets({ topics: [{ topic: this.topic, partitions }] });
    const earliest = await this.consumer.listOffsets({ topics: [this.topic], partitions: { [this.topic]: partitions }, timestamp: ListOffsetTimestamps.EARLIEST });
    const committedOf = committed.get(this.topic) ?? [];
    const earliestOf = earliest.get(this.topic) ?? [];
    return partitions.map((partition) => {
      const commit = committedOf[partition] ?? -1n;
      const start = commit >= 0n ? commit : (earliestOf[partition] ?? 0n);
      const resume = this.options.resumeFrom?.get(partition) ?? -1n;
      return resume > start ? resume : start;
    });
  }

  /** Starts a fetch at every leader of an owned partition that has none in flight (a forced refresh asks the cluster, not the client's cache). */
  private kick(forceMetadata = false): void {
    if (this.closed || this.paused || this.positions.size === 0) return;
    this.consumer.metadata({ topics: [this.topic], forceUpdate: forceMetadata }).then(
      (metadata) => this.fetchFromLeaders(metadata),
      // the node asked may be the one that died: the next try asks again
      (error: unknown) => this.stall([...this.positions.keys()], -1, `metadata: ${rootCauseLine(error)}`, true),
    );
  }

  /** Groups the fetchable partitions by leader; a partition without one stalls (an election under way). */
  private fetchFromLeaders(metadata: ClusterMetadata): void {
    if (this.closed || this.paused) return;
    const topic = metadata.topics.get(this.topic);
    const partitions = topic?.partitions ?? [];
    const byLeader = new Map<number, number[]>();
    const leaderless: number[] = [];
    const now = Date.now();
    let waiting = false;
    for (const partition of this.positions.keys()) {
      if (this.resetting.has(partition)) continue;
      if ((this.stalled.get(partition)?.retryAtMs ?? 0) > now) {
        waiting = true;
        continue;
      }
      const leader = partitions[partition]?.leader ?? -1;
      // a leader the metadata gives no address for is a node just fenced, its partitions not moved yet:
      // no one can fetch there (the client's fetch fails with "Cannot find broker"), so as good as none
      if (leader < 0 || !metadata.brokers.has(leader)) leaderless.push(partition);
      else {
        const group = byLeader.get(leader);
        if (group) group.push(partition);
        else byLeader.set(leader, [partition]);
      }
    }
    for (const [leader, owned] of byLeader) {
      const broker = metadata.brokers.get(leader);
      if (broker && !this.inFlight.has(leader)) this.fetchFrom(leader, broker, topic?.id ?? '', owned);
    }
    if (leaderless.length > 0) this.stall(leaderless, -1, 'no leader', true);
    // a timer may fire a moment before Date.now() reaches its due time: the retry must not be lost
    else if (waiting) this.scheduleRetry();
  }

  /**
   * These partitions are not fetched until a retry after a backoff (doubled per failure), which asks
   * the cluster for their leader again; their positions stay. Gives up after leaderWaitMs.
   */
  private stall(partitions: readonly number[], node: number, reason: string, leaderChange: boolean): void {
    if (this.closed) return;
    const now = Date.now();
    for (const partition of partitions) {
      if (!this.positions.has(partition)) continue;
      const was = this.stalled.get(partition);
      const failures = (was?.failures ?? 0) + 1;
      const retryAtMs = now + Math.min(retryBackoffMaxMs, retryBackoffMs * 2 ** (failures - 1));
      const sinceMs = was?.sinceMs ?? now;
      this.stalled.set(partition, { sinceMs, failures, retryAtMs, node: was?.node ?? node, reason: was?.reason ?? reason, leaderChange });
      if (now - sinceMs > this.options.leaderWaitMs) {
        return this.fail(new Error(`partition ${partition} of topic ${this.topic} could not be fetched for ${this.options.leaderWaitMs / 1000} s (${reason})`));
      }
    }
    this.scheduleRetry();
  }

  /** One timer, for the earliest retry due. */
  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    const due = Math.min(...[...this.stalled.values()].map((s) => s.retryAtMs));
    if (!Number.isFinite(due) || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick(true);
    }, Math.max(0, due - Date.now()));
  }

  /** Partitions fetched again after a stall: one notice for them, as the Java consumer would log one leader change. */
  private unstall(node: number, partitions: readonly number[]): void {
    const stalls = partitions.flatMap((p) => {
      const stall = this.stalled.get(p);
      this.stalled.delete(p);
      return stall?.leaderChange ? [{ partition: p, ...stall }] : [];
    });
    const first = stalls[0];
    if (first === undefined) return;
    const names = stalls.length === 1 ? `partition ${first.partition}` : `partitions ${stalls.map((s) => s.partition).join(', ')}`;
    const from = first.node >= 0 ? `node ${first.node}: ` : '';
    const at = stalls.map((s) => this.positions.get(s.partition)).join(', ');
    const afterS = ((Date.now() - first.sinceMs) / 1000).toFixed(2);
    this.hooks.onNotice('fetch-leader-changed', `${names}: fetching from node ${node} after ${afterS} s (${from}${first.reason}); metadata refreshed ${plural(first.failures, 'time')}, position kept at offset ${at}`);
  }

  private fail(error: unknown): void {
    if (!this.closed) this.hooks.onError(asError(error));
  }

  private fetchFrom(leader: number, broker: { host: string; port: number }, topicId: string, owned: readonly number[]): void {
    // rotated each fetch: the broker fills a response in request order, so a partition always asked
    // for behind one with a batch over partitionMaxBytes would get nothing (the Java consumer moves
    // partitions that returned data to the end of its next request)
    const start = (this.rotations.get(leader) ?? 0) % owned.length;
    this.rotations.set(leader, start + 1);
    const requested = new Map<number, bigint>();
    for (let i = 0; i < owned.length; i++) {
      const partition = owned[(start + i) % owned.length] as number;
      requested.set(partition, this.positions.get(partition) as bigint);
    }
    const request = partitionRequests(requested);
    const fetching = (
      this.ownDecoding === true ? this.fetchOwn(leader, broker, topicId, request, requested) : this.fetchThroughClient(leader, topicId, request, requested, this.clientReason)
    )
      // a throw while delivering would otherwise end this leader's loop unheard
      .catch((error: unknown) => this.fail(error));
    this.inFlight.set(leader, fetching);
  }

  private fetchOwn(leader: number, broker: { host: string; port: number }, topicId: string, request: PartitionRequest[], requested: Map<number, bigint>): Promise<void> {
    return fetchV17Topics(this.pool, broker, topicId, request, this.settings).then(
      (topics) => this.delivered(leader, () => this.deliverOwn(leader, topicId, topics, requested)),
      (error: unknown) => this.ownFailed(error, leader, topicId, request, requested),
    );
  }

  /** Our request failed (nothing of it was delivered): what the Java consumer would do, else the client's own fetch. */
  private ownFailed(error: unknown, leader: number, topicId: string, request: PartitionRequest[], requested: Map<number, bigint>): Promise<void> | void {
    this.inFlight.delete(leader);
    if (this.closed) return;
    // the client's reader would read it as magic 2: garbled values
    if (error instanceof RefusedBatch) return this.fail(error);
    if (error instanceof CorruptBatch) {
      this.hooks.onNotice('fetch-corrupt-batch', `${error.message}; nothing of that fetch delivered, fetched again`);
      return this.stall([...requested.keys()], leader, error.message, false);
    }
    if (leaderUnreachable(error)) return this.stall([...requested.keys()], leader, rootCauseLine(error), true);
    // a batch only the client's reader reads (compressed): from now on its path, not both each time
    if (error instanceof UnreadableBatch) {
      this.ownDecoding = false;
      this.clientReason = 'fetch: compressed batch';
    }
    this.hooks.onFallback(asError(error));
    return this.fetchThroughClient(leader, topicId, request, requested, this.fallbackReason(error));
  }

  private fallbackReason(error: unknown): string {
    if (error instanceof UnreadableBatch) return 'fetch: compressed batch';
    if (error instanceof FetchErrorCodes) return `fetch: error response (code ${error.codes.join(', ')})`;
    const { code, name } = asError(error) as Error & { code?: unknown };
    return `fetch: request failed (${typeof code === 'string' ? code : name})`;
  }

  /** The client's own fetch (its retries, its reader), counted with the reason it is used. */
  private fetchThroughClient(leader: number, topicId: string, partitions: PartitionRequest[], requested: Map<number, bigint>, reason: string): Promise<void> {
    this.options.counts.recordFallback(reason);
    const { maxWaitTime, minBytes, maxBytes, isolationLevel } = this.settings;
    return this.consumer.fetch({ node: leader, topics: [{ topicId, partitions }], connectionPool: this.pool, maxWaitTime, minBytes, maxBytes, isolationLevel }).then(
      (response) => this.delivered(leader, () => this.deliverClient(leader, topicId, response, requested)),
      (error: unknown) => this.clientFailed(error, leader, topicId, requested),
    );
  }

  /** The client gave up (after its retries): a leader change or an offset out of range as on our path; anything else ends the member. */
  private clientFailed(error: unknown, leader: number, topicId: string, requested: Map<number, bigint>): void {
    this.inFlight.delete(leader);
    if (this.closed) return;
    const failed = clientPartitionErrors(error);
    const known = failed.length > 0 && failed.every((p) => leaderMovedCodes.has(p.errorCode) || p.errorCode === offsetOutOfRange);
    if (known) return this.partitionErrors(leader, topicId, failed, requested);
    if (leaderUnreachable(error)) return this.stall([...requested.keys()], leader, rootCauseLine(error), true);
    this.fail(error);
  }

  /** A leader's fetch came back: hand its records over (unless closed or rebalancing), then fetch again. */
  private delivered(leader: number, deliver: () => void): void {
    this.inFlight.delete(leader);
    if (this.closed || this.paused) return;
    deliver();
    this.kick();
  }

  /**
   * Hands over each partition's records, unless the partition was lost in a rebalance, or re-seeked,
   * while this fetch was out (its records are not ours to count); then moves its position on. A
   * partition with an error code is left to partitionErrors. `read` delivers one partition's records
   * and returns the next offset, undefined when none was whole.
   */
  private deliverPartitions<P extends { partitionIndex: number; errorCode: number }>(
    leader: number,
    topicId: string,
    topics: readonly { partitions: readonly P[] }[],
    requested: Map<number, bigint>,
    read: (partition: P, from: bigint) => bigint | undefined,
  ): void {
    const failed: P[] = [];
    const answered: number[] = [];
    for (const topic of topics) {
      for (const fetched of topic.partitions) {
        const partition = fetched.partitionIndex;
        const from = requested.get(partition);
        if (from === undefined || this.positions.get(partition) !== from) continue;
        if (fetched.errorCode !== 0) {
          failed.push(fetched);
          continue;
        }
        if (this.stalled.has(partition)) answered.push(partition);
        const next = read(fetched, from);
        if (next === undefined) continue;
        this.positions.set(partition, next);
        this.hooks.onPosition(partition, next);
      }
    }
    if (answered.length > 0) this.unstall(leader, answered);
    if (failed.length > 0) this.partitionErrors(leader, topicId, failed, requested);
  }

  /** Per partition, as the Java consumer: a moved leader stalls it (metadata asked again), an offset out of range resets it, anything else goes through the client. */
  private partitionErrors(leader: number, topicId: string, failed: readonly { partitionIndex: number; errorCode: number; currentLeader?: FetchedPartition['currentLeader'] }[], requested: Map<number, bigint>): void {
    const moved = failed.filter((p) => leaderMovedCodes.has(p.errorCode));
    for (const p of moved) {
      const named = p.currentLeader && p.currentLeader.leaderId >= 0 ? `, the broker named node ${p.currentLeader.leaderId}` : '';
      this.stall([p.partitionIndex], leader, `${leaderMovedCodes.get(p.errorCode)}${named}`, true);
    }
    const outOfRange = failed.filter((p) => p.errorCode === offsetOutOfRange).map((p) => p.partitionIndex);
    if (outOfRange.length > 0) void this.resetToEarliest(outOfRange, requested);
    const other = failed.filter((p) => !leaderMovedCodes.has(p.errorCode) && p.errorCode !== offsetOutOfRange);
    if (other.length === 0 || this.inFlight.has(leader)) return;
    const retry = new Map(other.map((p) => [p.partitionIndex, requested.get(p.partitionIndex) as bigint]));
    const reason = `fetch: error response (code ${[...new Set(other.map((p) => p.errorCode))].join(', ')})`;
    this.hooks.onFallback(new Error(`fetch response with ${nounFor(other.length, 'error code')} ${other.map((p) => `${p.errorCode} for partition ${p.partitionIndex}`).join(', ')}`));
    this.inFlight.set(leader, this.fetchThroughClient(leader, topicId, partitionRequests(retry), retry, reason).catch((error: unknown) => this.fail(error)));
  }

  /** OFFSET_OUT_OF_RANGE: the partition starts again from its earliest offset (auto.offset.reset=earliest), said as a notice. */
  private async resetToEarliest(partitions: readonly number[], requested: Map<number, bigint>): Promise<void> {
    for (const partition of partitions) this.resetting.add(partition);
    try {
      const earliest = await this.consumer.listOffsets({ topics: [this.topic], partitions: { [this.topic]: [...partitions] }, timestamp: ListOffsetTimestamps.EARLIEST });
      const earliestOf = earliest.get(this.topic) ?? [];
      const reset = partitions.flatMap((partition) => {
        const from = requested.get(partition);
        const to = earliestOf[partition];
        // lost, or moved on, while the offset was looked up
        if (to === undefined || this.positions.get(partition) !== from) return [];
        this.positions.set(partition, to);
        return [`partition ${partition}: offset ${from} out of range; reset to the earliest, ${to}`];
      });
      if (reset.length > 0) this.hooks.onNotice('fetch-offset-reset', `${reset.join('; ')} (auto.offset.reset=earliest)`);
    } catch (error) {
      return this.fail(error);
    } finally {
      for (const partition of partitions) this.resetting.delete(partition);
    }
    this.kick();
  }

  private deliverOwn(leader: number, topicId: string, topics: readonly FetchedTopic[], requested: Map<number, bigint>): void {
    const before = this.tally.records;
    this.deliverPartitions(leader, topicId, topics, requested, (p, from) =>
      p.records ? forEachValue(p.records, from, this.hooks.onRecord, p.abortedTransactions, this.tally) : undefined,
    );
    this.options.counts.recordPath('fetch: mqbench decoder', 1, this.tally.records - before);
  }

  private deliverClient(leader: number, topicId: string, response: FetchResponse, requested: Map<number, bigint>): void {
    const before = this.tally.records;
    this.deliverPartitions(leader, topicId, response.responses, requested, (p, from) =>
      p.records ? forEachClientValue(p.records as RecordsBatch[], from, this.hooks.onRecord, this.tally) : undefined,
    );
    this.options.counts.recordPath('fetch: client consumer.fetch()', 1, this.tally.records - before);
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
    clearTimeout(this.retryTimer);
    await Promise.allSettled([...this.inFlight.values(), this.assigning]);
    await new Promise<void>((resolve) => this.pool.close(() => resolve()));
  }
}
