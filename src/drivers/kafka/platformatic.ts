/**
 * Kafka through @platformatic/kafka (1.x: the 2.x line needs Node >= 22.22). Same topology, batching
 * and commit policy as the kafkajs driver (shared.ts), so the two differ only by client.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Admin,
  compatibilityPartitioner,
  FetchIsolationLevels,
  FindCoordinatorKeyTypes,
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  ProduceAcks,
  type BaseOptions,
  type Partitioner,
} from '@platformatic/kafka';
import { BrokerUnreachableError } from '../../errors.js';
import { sleepMs, withTimeout } from '../../util/clock.js';
import type { Consumer, ConsumerSpec, Driver, DriverEvent, DriverInfo, DriverOptions, DriverSettings, MessageHandler, PathCounts, Producer, Topology } from '../types.js';
import { KafkaDriverBase } from './driver-base.js';
import {
  asError,
  commitIntervalMs,
  batchedProducer,
  describeCommit,
  errorHas,
  firstLine,
  isConnectionLoss,
  kafkaGroupId,
  kafkaGroupIds,
  kafkaTopicName,
  parseKafkaBrokers,
  PeriodicCommitter,
  rootCauseLine,
  unknownBrokerVersion,
  waitForLeaders,
  type OffsetsToCommit,
} from './shared.js';
import { GroupFetcher } from './fetcher.js';
import { nextHeartbeat } from './heartbeat-watch.js';
import { guardMissingBroker } from './missing-broker-guard.js';
import { PathCounter } from './path-counts.js';
import { describeFetchDecoding, speaksFetchV17, type FetchSettings } from './wire/fetch-decoding.js';
import { describeProduceEncoding, RecordBatchSender, usableProduceVersion } from './wire/record-sender.js';
import { kafkaSettingsOf, type KafkaSettings } from './settings.js';
import { nounFor, plural } from '../../util/plural.js';

export const platformaticClientName = '@platformatic/kafka';

/** The package's "exports" hides package.json from require(); read it next to the resolved entry point. */
function readClientVersion(): string {
  const entry = createRequire(import.meta.url).resolve(platformaticClientName); // <pkg>/dist/index.js
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export const platformaticClientVersion = readClientVersion();

/** The settings this driver reads (delivery, kafkaAcks, lingerMs, batchSize, batchBytes), all through this one function. */
function kafkaSettings(settings: DriverSettings): KafkaSettings {
  return kafkaSettingsOf(settings);
}

const acksByValue = { [-1]: ProduceAcks.ALL, 0: ProduceAcks.NO_RESPONSE, 1: ProduceAcks.LEADER } as const;

/**
 * Keyed messages land where the Java client (and kafkajs' default partitioner) would put them;
 * unkeyed ones go round-robin, as with kafkajs (the client's compatibilityPartitioner alone sends them all to 0).
 */
function javaCompatiblePartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  let next = 0;
  // the client reduces the result modulo the partition count
  return (message, key) => (key ? compatibilityPartitioner(message, key) : next++ & 0x7fffffff);
}

/** Leaves the group and closes the client. */
function forceClose(consumer: PlatformaticConsumer): Promise<void> {
  return new Promise<void>((resolve, reject) => consumer.close(true, (error) => (error ? reject(error) : resolve())));
}

/** The client's request timeout, and the broker's wait for replicas under acks=all. */
const clientTimeoutMs = 30_000;

/** Failover: a replicated topic when the cluster has the brokers for it (Kafka's usual durable setting). */
const failoverReplicas = 3;
const failoverMinInsync = '2';
/**
 * Failover: the client retries this long (tries x delay) before a send fails (the engine resends it)
 * or a consumer gives up (a new group member replaces it): short, so a dead leader is left quickly.
 */
const failoverRetries = { tries: 5, delayMs: 250 } as const;
/** What a group request fails with when the group's coordinator moved or is still loading it: the (patched) client looks again. */
const coordinatorMovedErrors = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS'] as const;

/** The member's coordinator is gone (connection lost) or no longer its group's: a new one is to be found, not the member given up. */
function coordinatorLost(error: Error): boolean {
  return isConnectionLoss(error) || coordinatorMovedErrors.some((id) => errorHas(error, 'apiId', id));
}

/** Failover: the consumer group's session and rebalance timeouts (Kafka's default floor). */
const failoverSessionMs = 6_000;
/**
 * How long a group member's partition may go without a leader it can fetch from before the member
 * gives up: failover, past the broker's session timeout (9 s) after which a dead leader's partitions
 * move, and their election; otherwise, a broker gone this long ends the run.
 */
const leaderWaitMs = { failover: 30_000, otherwise: 10_000 } as const;
/**
 * Failover: how long a produce request's partitions follow their leader (the cluster asked again,
 * sent again to whichever node leads) before their messages fail and the engine resends them; the
 * same patience as a fetch's, past the broker's session timeout and the election.
 */
const followLeaderMs = leaderWaitMs.failover;
/** How long teardown asks again to delete the run's groups: past a failover member's session (failoverSessionMs). */
const groupPatienceMs = 7_000;
/** Failover: at most one event of a kind per this many ms (every failed batch would be one). */
const eventSpacingMs = 1000;

/** What a group member reports to whoever replaces it (failover), and where it starts. */
interface MemberHooks {
  /** its fetch, rejoin or heartbeat failed for good */
  onGiveUp: (error: Error) => void;
  /** failover: `member`'s group coordinator is gone or moved (a heartbeat's connection lost, or the node no longer coordinates) */
  onCoordinatorLost?: (error: Error, member: PlatformaticConsumer) => void;
  /** where a replaced member of this subscription had read to */
  resumeFrom?: ReadonlyMap<number, bigint>;
}

interface ConsumerEntry {
  subscription: number;
  consumer: PlatformaticConsumer;
  fetcher: GroupFetcher;
  committer: PeriodicCommitter;
  /** the partitions of the topic this member holds now (the group assignment) */
  partitions: number[];
  /** the group generation of that assignment */
  generation: number;
}

/** The group members' fetches, in both of the fetcher's paths: the client's defaults, but for the wait. */
const fetchSettings: FetchSettings = {
  // the Java consumer's fetch.max.wait.ms; a fetch returns as soon as there is a byte anyway
  maxWaitTime: 500,
  minBytes: 1,
  maxBytes: 10 * 1_048_576,
  isolationLevel: FetchIsolationLevels.READ_COMMITTED,
};

export class PlatformaticKafkaDriver extends KafkaDriverBase<Admin, ConsumerEntry> implements Driver {
  private readonly eventListeners: ((event: DriverEvent) => void)[] = [];
  private readonly lastEventAt = new Map<string, number>();
  private replicas = 1;
  /** how produce requests are encoded (the result says so) */
  private produceEncoding = 'not known before setup';
  private fetchDecoding = 'not known before setup';
  private readonly reconnect: boolean;
  /** requests and records per path (mqbench's wire code or the client's), fallbacks by reason */
  private readonly counts = new PathCounter();

  constructor(private readonly options: DriverOptions) {
    super('PlatformaticKafkaDriver');
    this.reconnect = kafkaSettings(options.settings).reconnect;
  }

  onEvent(listener: (event: DriverEvent) => void): void {
    this.eventListeners.push(listener);
  }

  pathCounts(): PathCounts {
    return this.counts.snapshot();
  }

  private emit(kind: string, detail: string): void {
    const now = Date.now();
    if (now - (this.lastEventAt.get(kind) ?? 0) < eventSpacingMs) return;
    this.lastEventAt.set(kind, now);
    for (const listener of this.eventListeners) listener({ kind, detail });
  }

  /** Options every client of this driver shares. The client sets TCP_NODELAY on its sockets itself. */
  private baseOptions(role: string): BaseOptions {
    const retries = this.reconnect ? { retries: failoverRetries.tries, retryDelay: failoverRetries.delayMs } : { retries: 3, retryDelay: 500 };
    return {
      clientId: `mqbench-${role}`,
      bootstrapBrokers: parseKafkaBrokers(this.options.url),
      connectTimeout: Math.min(this.options.connectTimeoutMs, 3000),
      requestTimeout: clientTimeoutMs,
      timeout: clientTimeoutMs,
      ...retries,
      autocreateTopics: false,
    };
  }

  async connect(): Promise<void> {
    const admin = guardMissingBroker(new Admin(this.baseOptions('admin')));
    const timeoutMs = this.options.connectTimeoutMs;
    try {
      await withTimeout(admin.metadata({ topics: [] }), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    } catch (error) {
      // the client may still be retrying against what answered: close it, but do not wait long
      await withTimeout(admin.close(), 1000, () => new Error('close timed out')).catch(() => undefined);
      throw new BrokerUnreachableError(
        `cannot connect to Kafka at ${this.options.url}: ${rootCauseLine(error)} (${this.options.startHint ?? 'is a Kafka broker running at that address?'})`,
      );
    }
    this.admin = admin;
  }

  private raiseFatal(error: Error): void {
    // failover: a lost broker is what the run is about; the client retries, the engine resends
    if (this.reconnect) return this.emit('connection-error', rootCauseLine(error));
    // "Producing messages failed." alone does not say why; the cause a few levels down does
    const cause = rootCauseLine(error);
    this.fatal.raise(cause && cause !== firstLine(error) ? new Error(`${firstLine(error)} (${cause})`, { cause: error }) : error);
  }

  async setup(topology: Topology): Promise<void> {
    this.topology = topology;
    const topic = kafkaTopicName(topology);
    try {
      await this.requireAdmin().createTopics({ topics: [topic], partitions: topology.partitions, ...(await this.replication()) });
    } catch (error) {
      throw new Error(`could not create topic ${topic}: ${firstLine(error)}`, { cause: error });
    }
    this.topicCreated = true;
    const admin = this.requireAdmin();
    await waitForLeaders(topic, topology.partitions, 30_000, () =>
      admin.metadata({ topics: [topic], forceUpdate: true }).then((metadata) => metadata.topics.get(topic)?.partitions.map((p) => p.leader)),
    );
    await this.learnEncodings();
  }

  /** Which Produce and Fetch versions the broker speaks, so the result says how messages went both ways (producers and consumers ask again for themselves). */
  private async learnEncodings(): Promise<void> {
    try {
      const apis = await this.requireAdmin().listApis();
      this.produceEncoding = describeProduceEncoding(usableProduceVersion(apis), this.reconnect);
      this.fetchDecoding = describeFetchDecoding(speaksFetchV17(apis));
    } catch (error) {
      // only the result's description is at stake: each producer and consumer asks for itself
      this.produceEncoding = this.fetchDecoding = `unknown (the broker's API versions could not be read: ${rootCauseLine(error)})`;
    }
  }

  /** RF=1, or in failover on a cluster of 3+ brokers RF=3 with min.insync.replicas=2 (acks=all then survives one broker). */
  private async replication(): Promise<{ replicas: number; configs?: { name: string; value: string }[] }> {
    if (!this.reconnect) return { replicas: 1 };
    const metadata = await this.requireAdmin().metadata({ topics: [] });
    if (metadata.brokers.size < failoverReplicas) return { replicas: 1 };
    this.replicas = failoverReplicas;
    return { replicas: failoverReplicas, configs: [{ name: 'min.insync.replicas', value: failoverMinInsync }] };
  }

  async createProducer(producerId: number): Promise<Producer> {
    const topic = kafkaTopicName(this.requireTopology());
    const { kafkaAcks, lingerMs, batchSize, batchBytes } = kafkaSettings(this.options.settings);
    const acks = acksByValue[kafkaAcks];
    const producer = guardMissingBroker(
      new PlatformaticProducer({
        ...this.baseOptions(`producer-${producerId}`),
        idempotent: false,
        partitioner: javaCompatiblePartitioner(),
      }),
    );
    // connects now, so the first send does not pay for it; acks is given per send (the client ignores the producer-level one)
    await producer.metadata({ topics: [topic] });
    const { connectTimeout, requestTimeout } = this.baseOptions(`producer-${producerId}`);
    const sender = new RecordBatchSender(producer, {
      topic,
      acks,
      timeoutMs: clientTimeoutMs,
      firstPartition: producerId,
      clientId: `mqbench-producer-${producerId}-produce`,
      connection: { connectTimeout, requestTimeout },
      onResend: (error, partitions) => this.emit('produce-resent', `a produce request failed (${rootCauseLine(error)}); ${plural(partitions, 'partition batch', 'partition batches')} resent through the client`),
      // not resent: their messages fail, with this reason
      onRefused: (error, partitions) => this.emit('produce-refused', `${firstLine(error)}${partitions > 1 ? ` (${partitions} partition batches refused)` : ''}; their messages failed`),
      counts: this.counts,
      // failover: a dead leader's partitions are followed to the new one, not handed to the client's stale metadata
      ...(this.reconnect ? { followLeaderMs, onLeaderFollowed: (detail: string) => this.emit('produce-leader-changed', `producer ${producerId}: ${detail}`) } : {}),
    });
    try {
      await sender.start();
    } catch (error) {
      await Promise.allSettled([sender.close(), producer.close()]);
      throw error;
    }
    return batchedProducer(
      (items) => sender.send(items),
      { kafkaAcks, lingerMs, batchSize, batchBytes },
      (error) => this.raiseFatal(error),
      async () => {
        await Promise.allSettled([sender.close(), producer.close()]);
      },
    );
  }

  async createConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    if (this.reconnect) return this.createReplacingConsumer(spec, onMessage);
    const entry = await this.startMember(spec, onMessage, { onGiveUp: () => undefined });
    return { close: () => this.closeConsumer(entry) };
  }

  /**
   * Failover: a group member that gives up (no heartbeat answered for leaderWaitMs after its group
   * coordinator died; a rejoin failed; a partition had no leader for leaderWaitMs) is replaced by a new member
   * of the same group, which reads on from the committed offsets, or from where the replaced one had
   * read to when that is further (what it delivered and could not commit is not read again).
   * A leader change alone replaces no member: the fetcher follows the partition to its new leader.
   */
  private async createReplacingConsumer(spec: ConsumerSpec, onMessage: MessageHandler): Promise<Consumer> {
    let closed = false;
    let replacing = false;
    let current: ConsumerEntry;
    const resumeFrom = new Map<number, bigint>();
    const waiting = new WeakSet<ConsumerEntry>();
    const replace = async (why: string): Promise<void> => {
      if (closed || replacing || this.fatal.closing) return;
      replacing = true;
      this.emit('consumer-replaced', `consumer of subscription ${spec.subscription} gave up (${why}); a new group member takes over from its positions`);
      // the member that gave up is closed alongside, not first: its close waits on the dead node
      const old = current;
      void withTimeout(this.closeConsumer(old), 15_000, () => new Error('close timed out')).catch(() => undefined);
      // closing stopped its deliveries at once: these are final
      for (const [partition, next] of old.fetcher.positionsNow()) if (next > (resumeFrom.get(partition) ?? -1n)) resumeFrom.set(partition, next);
      await this.retire(old);
      let delayMs = 250;
      while (!closed && !this.fatal.closing) {
        try {
          current = await this.startMember(spec, onMessage, hooks());
          this.emit('consumer-rejoined', `consumer of subscription ${spec.subscription} rejoined its group`);
          break;
        } catch {
          await sleepMs(delayMs);
          delayMs = Math.min(2000, delayMs * 2);
        }
      }
      replacing = false;
    };
    const hooks = (): MemberHooks => ({
      onGiveUp: (error) => void replace(rootCauseLine(error)),
      // it reads on meanwhile (its partitions' leaders may live); its client looks for the group's new
      // coordinator and heartbeats there as the same member, as Java's does (patches/: @platformatic/kafka
      // 1.35 itself stopped heartbeating); replaced only if no heartbeat is answered within leaderWaitMs
      onCoordinatorLost: (error, member) => {
        const lost = current;
        // a member already replaced (its close runs alongside) is not this subscription's any more
        if (lost.consumer !== member || waiting.has(lost)) return;
        waiting.add(lost);
        const since = Date.now();
        const stopped = (): boolean => closed || current !== lost || this.fatal.closing;
        void nextHeartbeat(lost.consumer, leaderWaitMs.failover, stopped).then(async (answered) => {
          // kept in `waiting` unless answered: one fallback per member, whatever its heartbeats say meanwhile
          if (answered) waiting.delete(lost);
          if (answered) return this.emit('coordinator-followed', `consumer of subscription ${spec.subscription}: ${error.message}; the same member heartbeats to the group's new coordinator ${Date.now() - since} ms later`);
          if (closed || current !== lost) return;
          const { node, removal } = await this.awaitNewCoordinator(lost, () => closed || current !== lost);
          if (current === lost) void replace(`${error.message}; no heartbeat answered for ${leaderWaitMs.failover} ms: replaced once node ${node} coordinates the group (the old member ${removal})`);
        }).catch(() => undefined); // the driver closed while waiting: nothing left to replace
      },
      resumeFrom,
    });
    current = await this.startMember(spec, onMessage, hooks());
    return {
      close: async () => {
        closed = true;
        await this.closeConsumer(current);
      },
    };
  }

  /**
   * Failover: the member's group coordinator died and no heartbeat was answered since (once the
   * dead node leaves its metadata, its group requests fail: missing-broker-guard.ts). Its
   * commits stop now; resolves with the new coordinator's node once the group has one (or after
   * leaderWaitMs), having removed the member through it (`removal` says how that went), so its
   * successor does not wait for its session to expire.
   */
  private async awaitNewCoordinator(entry: ConsumerEntry, stopped: () => boolean): Promise<{ node: number; removal: string }> {
    entry.committer.hold();
    const admin = this.requireAdmin();
    const { groupId, memberId } = entry.consumer;
    const coordinator = (): Promise<number> =>
      admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }).then((found) => found[0]?.nodeId ?? -1, () => -1);
    const deadline = Date.now() + leaderWaitMs.failover;
    const waitOn = (): boolean => Date.now() < deadline && !stopped() && !this.fatal.closing;
    let dead = await coordinator();
    for (; dead < 0 && waitOn(); dead = await coordinator()) await sleepMs(250);
    let now = dead;
    for (; (now === dead || now < 0) && waitOn(); now = await coordinator()) await sleepMs(250);
    const removal = memberId ? await this.removeMember(groupId, memberId) : 'had no member id';
    // its own leave would go to the dead node
    entry.consumer.memberId = null;
    return { node: now, removal };
  }

  /**
   * A member given up on is removed from its group through the admin client, which asks the cluster
   * for the group's coordinator: its own leave goes to the coordinator its client knows, which may be
   * dead or no longer the coordinator (NOT_COORDINATOR after coordinators moved), and a member left in
   * the group holds its successor's join for the rebalance timeout. Already done when its coordinator died.
   */
  private async retire(entry: ConsumerEntry): Promise<void> {
    const { groupId, memberId } = entry.consumer;
    if (memberId) await this.removeMember(groupId, memberId);
  }

  /**
   * Removes a member through its group's coordinator, asking again while that fails: a coordinator
   * just elected may still be loading the group (COORDINATOR_LOAD_IN_PROGRESS, past the client's
   * own few retries), and a member left in the group holds its successor's join for the whole
   * rebalance timeout (failoverSessionMs: seen as 6 s without consumption). Gives up after that
   * long, when waiting it out costs no more. Says what happened, for the replacement's event.
   */
  private async removeMember(groupId: string, memberId: string): Promise<string> {
    const admin = this.requireAdmin();
    const deadline = Date.now() + failoverSessionMs;
    for (let tries = 1; ; tries++) {
      try {
        await admin.removeMembersFromConsumerGroup({ groupId, members: [{ memberId }] });
        return tries === 1 ? 'was removed' : `was removed at try ${tries}`;
      } catch (error) {
        // the group no longer knows it (its session expired): nothing holds the successor's join
        if (errorHas(error, 'apiId', 'UNKNOWN_MEMBER_ID')) return 'had already left the group';
        if (Date.now() > deadline || this.fatal.closing) return `could not be removed (${rootCauseLine(error)})`;
        await sleepMs(250);
      }
    }
  }

  /** One group member: joined, consuming, tracked; `hooks.onGiveUp` when its fetch, heartbeat or rejoin fails for good. */
  private async startMember(spec: ConsumerSpec, onMessage: MessageHandler, hooks: MemberHooks): Promise<ConsumerEntry> {
    const topology = this.requireTopology();
    const topic = kafkaTopicName(topology);
    // a group request to a coordinator fenced out of the metadata fails instead of throwing uncaught (missing-broker-guard.ts)
    const consumer = guardMissingBroker(new PlatformaticConsumer({
      ...this.baseOptions(`consumer-${spec.subscription}`),
      groupId: kafkaGroupId(topology, spec.subscription),
      // small groups on a fresh topic: no reason to wait for more members before assigning
      // failover: a member replaced after its node died could not leave the group; the broker's floor
      // (group.min.session.timeout.ms, 6 s) bounds how long the group waits for it
      sessionTimeout: this.reconnect ? failoverSessionMs : 10_000,
      rebalanceTimeout: this.reconnect ? failoverSessionMs : 10_000,
      heartbeatInterval: 1_000,
      ...fetchSettings,
      autocommit: false,
    }));
    // a failed rejoin: this member is out for good
    consumer.on('error', (error: Error) => (this.reconnect ? hooks.onGiveUp(error) : this.raiseFatal(error)));
    // a heartbeat whose coordinator's node is gone: the (patched) client looks for the new one;
    // createReplacingConsumer waits for an answered heartbeat
    consumer.on('consumer:heartbeat:error', ({ error }: { error: Error }) => {
      // a closed member's last heartbeat says nothing about the subscription's current one
      if (!this.reconnect || consumer.closed) return;
      const why = new Error(`its group coordinator did not answer a heartbeat: ${rootCauseLine(error)}`);
      if (coordinatorLost(error) && hooks.onCoordinatorLost) hooks.onCoordinatorLost(why, consumer);
      else hooks.onGiveUp(why);
    });
    consumer.topics.track(topic);
    // resolves once joined and synced: the first assignment is known
    await consumer.joinGroup({}).catch(async (error: unknown) => {
      await forceClose(consumer).catch(() => undefined);
      throw error;
    });
    return this.trackConsumer(spec.subscription, topic, consumer, onMessage, hooks);
  }

  /**
   * Registers a member with its committer and fetcher, and keeps its assignment known. Where a new
   * partition starts: the group's committed offset, else the earliest (Java auto.offset.reset=earliest).
   */
  private trackConsumer(subscription: number, topic: string, consumer: PlatformaticConsumer, onMessage: MessageHandler, member: MemberHooks): ConsumerEntry {
    const commit = (offsets: OffsetsToCommit) =>
      consumer.commit({ offsets: [...offsets].map(([partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1 })) });
    const committer = new PeriodicCommitter(commit, commitIntervalMs(kafkaSettings(this.options.settings).delivery), (error) => {
      // a broker gone is the run's end, unless it is what the run is about
      if (!this.reconnect && isConnectionLoss(error)) return this.raiseFatal(asError(error));
      this.emit('commit-failed', `consumer of subscription ${subscription}: an offset commit failed (${rootCauseLine(error)}); the next one carries its offsets`);
    });
    const { connectTimeout, requestTimeout } = this.baseOptions(`consumer-${subscription}`);
    const hooks = {
      onRecord: onMessage,
      onPosition: (partition: number, next: bigint) => committer.processed(partition, next),
      // a magic 0/1 batch, an offset lookup that failed, no leader for leaderWaitMs: this member no longer consumes
      onError: (error: Error) => (this.reconnect ? member.onGiveUp(error) : this.raiseFatal(error)),
      onFallback: (error: Error) => this.emit('fetch-through-client', `a fetch request failed (${rootCauseLine(error)}); it went through the client's consumer.fetch()`),
      onNotice: (kind: string, detail: string) => this.emit(kind, `consumer of subscription ${subscription}: ${detail}`),
    };
    const fetcher = new GroupFetcher(consumer, topic, `mqbench-consumer-${subscription}-fetch`, { connectTimeout, requestTimeout }, fetchSettings, hooks, {
      leaderWaitMs: this.reconnect ? leaderWaitMs.failover : leaderWaitMs.otherwise,
      counts: this.counts,
      ...(member.resumeFrom ? { resumeFrom: member.resumeFrom } : {}),
    });
    const entry: ConsumerEntry = { subscription, consumer, fetcher, committer, partitions: [], generation: -1 };
    const onJoin = (): void => {
      entry.partitions = [...(consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [])];
      entry.generation = consumer.generationId;
      committer.retain(entry.partitions);
      void fetcher.assign(entry.partitions);
    };
    onJoin(); // joinGroup() resolved after the first join
    consumer.on('consumer:group:join', onJoin);
    // the client rejoins next: deliver no more, and commit what was processed while still a member of
    // this generation (the Java consumer's commit before rejoining), so a partition's next owner starts
    // after it; sent now, before the client's JoinGroup, on the same coordinator connection, never awaited
    consumer.on('consumer:group:rebalance', () => {
      fetcher.pause();
      void committer.commitNow();
    });
    this.consumers.push(entry);
    return entry;
  }

  /** Stops fetching, commits what was processed while still a member, then leaves the group. Safe to call twice. */
  private async closeConsumer(entry: ConsumerEntry): Promise<void> {
    const index = this.consumers.indexOf(entry);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    await withTimeout(entry.fetcher.close(), 5_000, () => new Error('fetcher close timed out')).catch(() => undefined);
    // after a lost connection there is no one to commit to
    if (!this.fatal.raised) await withTimeout(entry.committer.stop(), 5_000, () => new Error('final commit timed out')).catch(() => undefined);
    await withTimeout(forceClose(entry.consumer), 5_000, () => new Error('consumer close timed out')).catch(() => undefined);
  }

  async teardown(): Promise<void> {
    const topology = this.topology;
    const admin = this.admin;
    if (!topology || !admin) return;
    for (const entry of [...this.consumers]) await this.closeConsumer(entry);
    if (this.attachedOnly) return;
    const groupsLeft = await this.deleteGroups(admin, kafkaGroupIds(topology), groupPatienceMs);
    let topicLeft: unknown;
    if (this.topicCreated) {
      try {
        await this.deleteTopic(admin, kafkaTopicName(topology), 10_000);
        this.topicCreated = false;
      } catch (error) {
        topicLeft = error;
      }
    }
    // the engine turns this into the run's warning, with the `bench clean` line that removes what is left
    if (topicLeft !== undefined || groupsLeft) throw new Error([topicLeft === undefined ? '' : firstLine(topicLeft), groupsLeft ?? ''].filter((part) => part !== '').join('; '), { cause: topicLeft });
    this.topology = undefined;
  }

  /**
   * Deletes the run's consumer groups, asking again while the broker refuses: a member whose leave went
   * to a frozen or dead coordinator stays in its group until its session expires (NON_EMPTY_GROUP), and
   * a coordinator just elected may still be loading the group. Resolves to a line naming the groups
   * left (and why), or undefined when none is.
   */
  private async deleteGroups(admin: Admin, groups: readonly string[], patienceMs: number): Promise<string | undefined> {
    const deadline = Date.now() + patienceMs;
    let left = [...groups];
    let why = '';
    for (;;) {
      const existing = await admin.listGroups().catch(() => undefined);
      // a listing that failed leaves every group in doubt: try them all
      left = existing ? left.filter((g) => existing.has(g)) : left;
      if (left.length === 0) return undefined;
      try {
        await admin.deleteGroups({ groups: left });
        return undefined;
      } catch (error) {
        why = rootCauseLine(error);
      }
      if (Date.now() > deadline) return `${nounFor(left.length, 'consumer group')} ${left.join(', ')} not deleted (${why})`;
      await sleepMs(500);
    }
  }

  /**
   * The client gives up after its own few retries (~2 s); a broker busy enough to stall that long
   * would keep the topic, so keep asking until the deadline (the engine bounds teardown at 15 s).
   */
  private async deleteTopic(admin: Admin, topic: string, patienceMs: number): Promise<void> {
    const deadline = Date.now() + patienceMs;
    for (;;) {
      try {
        return await admin.deleteTopics({ topics: [topic] });
      } catch (error) {
        if (Date.now() > deadline || isConnectionLoss(error)) throw new Error(`deleting topic ${topic}: ${rootCauseLine(error)}`, { cause: error });
        await sleepMs(500);
        // an attempt that timed out on our side may still have succeeded
        const topics = await admin.listTopics().catch(() => [topic]);
        if (!topics.includes(topic)) return;
      }
    }
  }

  async info(): Promise<DriverInfo> {
    const settings = kafkaSettings(this.options.settings);
    const topology = this.topology;
    return {
      broker: 'Apache Kafka',
      brokerVersion: this.options.brokerVersion ?? unknownBrokerVersion,
      client: { name: platformaticClientName, version: platformaticClientVersion },
      url: this.options.url,
      settings: {
        protocol: 'Kafka',
        tcpNoDelay: true,
        acks: settings.kafkaAcks === -1 ? 'all' : settings.kafkaAcks,
        lingerMs: settings.lingerMs,
        batchSize: settings.batchSize,
        batchBytes: settings.batchBytes,
        batching: 'mqbench batcher: one produce request per leader per batch',
        produceEncoding: this.produceEncoding,
        fetchDecoding: this.fetchDecoding,
        maxInflightsPerConnection: 5,
        idempotent: false,
        consumerCommit: describeCommit(commitIntervalMs(settings.delivery)),
        replicationFactor: this.replicas,
        ...(this.replicas > 1 ? { minInsyncReplicas: Number(failoverMinInsync) } : {}),
        ...(this.reconnect
          ? { retries: `produce: partitions follow their leader for up to ${followLeaderMs / 1000} s, then the engine resends; other requests: client retries ${failoverRetries.tries} x ${failoverRetries.delayMs} ms` }
          : {}),
      },
      mapping: topology
        ? `topic ${kafkaTopicName(topology)} (${plural(topology.partitions, 'partition')}), ${plural(topology.subscriptions, 'consumer group')}`
        : 'not set up',
    };
  }

  async close(): Promise<void> {
    this.fatal.closeOnPurpose();
    for (const entry of [...this.consumers]) await this.closeConsumer(entry);
    await this.admin?.close().catch(() => undefined);
    this.admin = undefined;
  }
}
