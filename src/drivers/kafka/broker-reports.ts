/**
 * What a Kafka 4.1 node's own log says about the cluster during a failover run (pure: lines in,
 * report lines out; cluster.ts follows the logs). The wording is Kafka's, as its nodes log it at INFO:
 *
 * - the leader asking to shrink a partition's ISR:   [Partition T-0 broker=2] Shrinking ISR from 2,3,1 to 2,3. Leader: ...
 * - an ISR change committed (a grown ISR included):  [Partition T-0 broker=2] ISR updated to 2,3,1  and version updated to 2
 * - a node becoming a partition's leader:            [Broker id=2] Leader T-0 with topic id ... ISR [2,3], ... Previous leader Some(1) ...
 * - the leader told of an ISR the controller changed: [Broker id=1] Skipped the become-leader state change for T-0 ... ISR [1,2], ...
 * - the active controller fencing a silent broker:   Fencing broker 1 at epoch 13 because its session has timed out.
 * - and letting it back:                              The request from broker 1 to unfence has been granted because ...
 *
 * A fenced broker's partitions lose it from their ISR through the controller, and Kafka logs no
 * "Shrinking" line for that: the leader's state-change lines carry the new ISR, so the reporter keeps
 * each partition's last known ISR and reports a change as "shrank" or "expanded" from it.
 */

export type BrokerLogLine =
  | { kind: 'isr-shrinking'; partition: string; from: string[]; to: string[] }
  | { kind: 'isr'; partition: string; isr: string[]; underMinIsr: boolean; leader?: { id: number; epoch: number; previous: string } }
  | { kind: 'fenced'; broker: number }
  | { kind: 'unfenced'; broker: number };

const shrinkingPattern = /\[Partition (\S+) broker=\d+\] Shrinking ISR from ([\d,]+) to ([\d,]*)\./;
const isrUpdatedPattern = /\[Partition (\S+) broker=\d+\] ISR updated to ([\d,]*)\s+(\(under-min-isr\)\s+)?and version updated to/;
const leaderPattern = /\[Broker id=(\d+)\] Leader (\S+) with topic id .* starts at leader epoch (\d+) from offset .* ISR \[([\d,]*)\], adding replicas .*?(\(under-min-isr\))?\. Previous leader (\S+) and/;
const stillLeaderPattern = /\[Broker id=\d+\] Skipped the become-leader state change for (\S+) with topic id .* Current high watermark \d+, ISR \[([\d,]*)\]/;
const fencedPattern = /Fencing broker (\d+) at epoch \d+ because its session has timed out/;
const unfencedPattern = /The request from broker (\d+) to unfence has been granted/;

const idsOf = (text: string): string[] => text.split(',').filter((id) => id !== '');

/** "Some(1)" -> "1", "None" -> "none" */
const previousLeaderOf = (text: string): string => /^Some\((\d+)\)$/.exec(text)?.[1] ?? 'none';

/** One line of a node's log, when it is one of the reports above. */
export function parseBrokerLogLine(line: string): BrokerLogLine | undefined {
  const shrinking = shrinkingPattern.exec(line);
  if (shrinking) return { kind: 'isr-shrinking', partition: shrinking[1] as string, from: idsOf(shrinking[2] ?? ''), to: idsOf(shrinking[3] ?? '') };
  const updated = isrUpdatedPattern.exec(line);
  if (updated) return { kind: 'isr', partition: updated[1] as string, isr: idsOf(updated[2] ?? ''), underMinIsr: updated[3] !== undefined };
  const leader = leaderPattern.exec(line);
  if (leader) {
    const [, id, partition, epoch, isr, underMinIsr, previous] = leader;
    return { kind: 'isr', partition: partition as string, isr: idsOf(isr ?? ''), underMinIsr: underMinIsr !== undefined, leader: { id: Number(id), epoch: Number(epoch), previous: previousLeaderOf(previous ?? '') } };
  }
  const stillLeader = stillLeaderPattern.exec(line);
  if (stillLeader) return { kind: 'isr', partition: stillLeader[1] as string, isr: idsOf(stillLeader[2] ?? ''), underMinIsr: false };
  const fenced = fencedPattern.exec(line);
  if (fenced) return { kind: 'fenced', broker: Number(fenced[1]) };
  const unfenced = unfencedPattern.exec(line);
  return unfenced ? { kind: 'unfenced', broker: Number(unfenced[1]) } : undefined;
}

/** "mqbench-x.failover-0" belongs to topic "mqbench-x.failover" */
const topicOf = (partition: string): string => partition.replace(/-\d+$/, '');

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((id) => b.includes(id));

function changeWord(from: readonly string[], to: readonly string[]): string {
  if (to.every((id) => from.includes(id))) return 'shrank';
  return from.every((id) => to.includes(id)) ? 'expanded' : 'changed';
}

function isrDetail(report: Extract<BrokerLogLine, { kind: 'isr' }>, known: readonly string[] | undefined): string {
  const change = known ? `${changeWord(known, report.isr)} from ${known.join(',')} to ${report.isr.join(',')}` : `is ${report.isr.join(',')}`;
  const leader = report.leader ? `; leader ${report.leader.previous} -> ${report.leader.id} (leader epoch ${report.leader.epoch})` : '';
  const underMin = report.underMinIsr ? ' (under min.insync.replicas)' : '';
  return `ISR of ${report.partition} ${change}${underMin}${leader}`;
}

export interface BrokerReporter {
  /** a line written before the watch began: it tells the partitions' ISR, and is not reported */
  seed(line: string): void;
  /** a line written during the watch: its one-line report, if it is one */
  report(line: string): string | undefined;
}

/**
 * Worded as Kafka logs it, as the node's own view: a controller that was itself cut off logs that it
 * is fencing the brokers it no longer hears from, though without a quorum that never takes effect.
 */
const fenceDetail = (report: Extract<BrokerLogLine, { kind: 'fenced' | 'unfenced' }>): string =>
  report.kind === 'fenced' ? `as controller, fencing broker ${report.broker} (its session timed out)` : `as controller, unfencing broker ${report.broker} (it caught up)`;

type PartitionLine = Extract<BrokerLogLine, { kind: 'isr' | 'isr-shrinking' }>;

/** Whether a partition line says something new: not the ISR already known, not a new topic's first leader. */
function isNews(line: PartitionLine, before: readonly string[] | undefined, now: readonly string[]): boolean {
  if (before !== undefined) return !sameSet(before, now);
  // a first leader with no previous one is the topic's creation, not something the cluster noticed
  return !(line.kind === 'isr' && line.leader?.previous === 'none');
}

/**
 * The reports of the run's topic (and the controller's fencing, whatever the topic) from the lines of
 * every node's log, in the order they arrive. An ISR line that repeats the ISR already known (the
 * leader's commit after its own "Shrinking" line, the same ISR logged by two loggers) is not reported.
 */
export function brokerReporter(topic: string): BrokerReporter {
  const known = new Map<string, string[]>();
  // kept apart: a seed read after a report arrived must not put an older ISR back
  const seeded = new Map<string, string[]>();
  const partitionReport = (line: PartitionLine, reporting: boolean): string | undefined => {
    const now = line.kind === 'isr' ? line.isr : line.to;
    if (!reporting) {
      seeded.set(line.partition, now);
      return undefined;
    }
    const before = known.get(line.partition) ?? seeded.get(line.partition);
    known.set(line.partition, now);
    if (!isNews(line, before, now)) return undefined;
    if (line.kind === 'isr-shrinking') return `ISR of ${line.partition} shrinking from ${line.from.join(',')} to ${line.to.join(',')} (the leader's request)`;
    return isrDetail(line, before);
  };
  const handle = (text: string, reporting: boolean): string | undefined => {
    const line = parseBrokerLogLine(text);
    if (!line) return undefined;
    if (line.kind === 'fenced' || line.kind === 'unfenced') return reporting ? fenceDetail(line) : undefined;
    return topicOf(line.partition) === topic ? partitionReport(line, reporting) : undefined;
  };
  return { seed: (text) => void handle(text, false), report: (text) => handle(text, true) };
}
