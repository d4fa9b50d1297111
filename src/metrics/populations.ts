/**
 * A failover run's client populations (result `failover.populations`): the clients placed on nodes
 * that survived, those placed on the node the fault hit, and the late joiners opened after it. Pure:
 * the recorder's per-group buckets and histograms (a group: the clients of one node, or the late
 * joiners), who was placed where, and the per-producer accounting in; one outcome per population out.
 */
import type { DirectionOutage, PhaseLatency, PopulationOutcome, RestoreGaps, StreamAccount } from '../results/types.js';
import { outageOf, outageSince, type FailoverRecording, type GroupRecording, type StretchStart } from './failover.js';
import { summarizeMerged } from './histogram.js';

export interface PlacedClients {
  /** node numbers by position in the cluster's URL list */
  nodeNumbers: readonly number[];
  /** the position of the node the fault hit */
  failedPosition: number;
  producers: readonly { id: number; position: number }[];
  /** consumer positions */
  consumers: readonly number[];
  /** absent when none joined (none asked, or the run ended before the fault) */
  lateJoiners?: { ids: readonly number[]; joinedAtUs: number; positions: readonly number[] };
}

export interface PopulationInputs {
  recording: FailoverRecording;
  placed: PlacedClients;
  accounting: readonly StreamAccount[];
  /** since the window started (us) */
  faultUs: number;
  /** when the restore began, same clock; null: not within the data */
  restoringUs: number | null;
  /**
   * when a client first lost its connection after the fault, same clock; absent: none did. The clients of
   * the node that failed are on it only until then (they reconnect to a survivor), so the acknowledgements
   * their population got "during the fault" are counted up to it: later ones came from another node.
   */
  firstConnectionLostUs?: number;
  sendEndUs: number;
  receiveEndUs: number;
  brokerAcks: boolean;
}

/** One population's clients and the recorder's groups that hold their successes. */
interface Members {
  population: string;
  producerIds: number[];
  consumers: number;
  positions: number[];
  groups: string[];
  joinedAtUs?: number;
}

const groupOf = (position: number): string => `node:${position}`;

function membersOf(placed: PlacedClients): Members[] {
  const onSurvivor = (position: number): boolean => position !== placed.failedPosition;
  const side = (population: string, keep: (position: number) => boolean): Members => {
    const producers = placed.producers.filter((p) => keep(p.position));
    const consumers = placed.consumers.filter(keep);
    const positions = [...new Set([...producers.map((p) => p.position), ...consumers])].sort((a, b) => a - b);
    return { population, producerIds: producers.map((p) => p.id), consumers: consumers.length, positions, groups: positions.map(groupOf) };
  };
  const members = [side('survivors', onSurvivor), side('failed-node', (position) => !onSurvivor(position))];
  const late = placed.lateJoiners;
  if (late && late.ids.length > 0) {
    members.push({ population: 'late-joiners', producerIds: [...late.ids], consumers: 0, positions: [...new Set(late.positions)].sort((a, b) => a - b), groups: ['late'], joinedAtUs: late.joinedAtUs });
  }
  return members.filter((m) => m.producerIds.length > 0 || m.consumers > 0);
}

/** Bucket-wise sums of the groups' successes. */
function summed(groups: readonly GroupRecording[], pick: (group: GroupRecording) => readonly number[]): number[] {
  const out: number[] = [];
  for (const group of groups) pick(group).forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
  return Array.from(out, (n) => n ?? 0);
}

function phaseOf(groups: readonly GroupRecording[], phase: keyof GroupRecording['phases']): PhaseLatency {
  const summary = summarizeMerged(groups.map((g) => g.phases[phase]).filter((encoded) => encoded !== ''));
  return { count: summary.count, p50Us: summary.p50, p99Us: summary.p99 };
}

/** Its publish and consume gaps over the stretches that begin within `begins`. */
function gapsOf(members: Members, groups: readonly GroupRecording[], inputs: PopulationInputs, begins: StretchStart): RestoreGaps {
  const { recording, faultUs } = inputs;
  const outage = (buckets: number[], endUs: number): DirectionOutage =>
    members.joinedAtUs === undefined
      ? outageOf(buckets, recording.bucketUs, faultUs, endUs, begins)
      : outageSince(buckets, recording.bucketUs, members.joinedAtUs, faultUs, endUs, begins);
  return {
    publish: members.producerIds.length > 0 && inputs.brokerAcks ? outage(summed(groups, (g) => g.acks), inputs.sendEndUs) : null,
    consume: members.consumers > 0 ? outage(summed(groups, (g) => g.receipts), inputs.receiveEndUs) : null,
  };
}

/** Acknowledged sends in the buckets from the fault to the restore (the end of the data when none). */
function ackedDuringFault(members: Members, groups: readonly GroupRecording[], inputs: PopulationInputs): number | null {
  if (members.producerIds.length === 0 || !inputs.brokerAcks) return null;
  const { bucketUs } = inputs.recording;
  const from = Math.floor(inputs.faultUs / bucketUs);
  const restoring = inputs.restoringUs ?? Number.POSITIVE_INFINITY;
  const lost = members.population === 'failed-node' ? (inputs.firstConnectionLostUs ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  const to = Math.floor(Math.min(restoring, lost) / bucketUs);
  return summed(groups, (g) => g.acks).reduce((n, acks, bucket) => n + (bucket >= from && bucket < to ? acks : 0), 0);
}

function outcomeOf(members: Members, inputs: PopulationInputs): PopulationOutcome {
  const groups = (inputs.recording.groups ?? []).filter((g) => members.groups.includes(g.key));
  const restoring = inputs.restoringUs;
  const restoreSeen = restoring !== null && restoring < Math.max(inputs.sendEndUs, inputs.receiveEndUs);
  const fault = gapsOf(members, groups, inputs, restoring === null ? {} : { beforeUs: restoring });
  const own = inputs.accounting.filter((row) => members.producerIds.includes(row.producer));
  return {
    population: members.population,
    producers: members.producerIds.length,
    consumers: members.consumers,
    nodes: members.positions.map((position) => inputs.placed.nodeNumbers[position] ?? position),
    ...(members.joinedAtUs === undefined ? {} : { joinedAtUs: members.joinedAtUs }),
    publish: fault.publish,
    consume: fault.consume,
    ...(restoreSeen ? { restoreGaps: gapsOf(members, groups, inputs, { fromUs: restoring }) } : {}),
    latency: { before: phaseOf(groups, 'before'), during: phaseOf(groups, 'during'), after: phaseOf(groups, 'after') },
    ackedThenLost: own.reduce((n, row) => n + Math.max(0, row.lost), 0),
    ackedDuringFault: ackedDuringFault(members, groups, inputs),
    duplicated: own.reduce((n, row) => n + row.duplicated, 0),
  };
}

/** Survivors, failed-node and late joiners, each present when it has a client. */
export function analysePopulations(inputs: PopulationInputs): PopulationOutcome[] {
  return membersOf(inputs.placed).map((members) => outcomeOf(members, inputs));
}
