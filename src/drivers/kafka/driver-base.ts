/**
 * What both Kafka drivers (kafkajs.ts, platformatic.ts) keep alike between connect(), setup() or
 * attach(), and teardown(): the admin client and topology a step needs (and the error when a step
 * was skipped), the group members they track, and the contract's onFatal. Each driver keeps its own
 * client's calls: connecting, creating and deleting, producers and consumers.
 */
import { FatalSignal } from '../fatal.js';
import type { Topology } from '../types.js';
import { assignedBySubscription, waitForGroups, type GroupMember } from './shared.js';

export abstract class KafkaDriverBase<AdminClient, Member extends GroupMember> {
  readonly name = 'kafka';
  protected admin: AdminClient | undefined;
  protected topology: Topology | undefined;
  protected topicCreated = false;
  protected attachedOnly = false;
  protected readonly consumers: Member[] = [];
  protected readonly fatal = new FatalSignal();

  /** `driverName` starts the error of a step called before the one it needs. */
  protected constructor(private readonly driverName: string) {}

  onFatal(listener: (error: Error) => void): void {
    this.fatal.listen(listener);
  }

  protected requireAdmin(): AdminClient {
    if (!this.admin) throw new Error(`${this.driverName}: connect() first`);
    return this.admin;
  }

  protected requireTopology(): Topology {
    if (!this.topology) throw new Error(`${this.driverName}: setup() first`);
    return this.topology;
  }

  async attach(topology: Topology): Promise<void> {
    this.topology = topology;
    this.topicCreated = false;
    this.attachedOnly = true;
  }

  assignedPartitions(): number[][] {
    return assignedBySubscription(this.topology, this.consumers);
  }

  async waitUntilConsumersReady(timeoutMs: number): Promise<void> {
    await waitForGroups(this.requireTopology(), () => this.consumers, timeoutMs);
  }
}
