import type { Counts, Throughput } from '../engine/merge.js';
import type { ConsumerReceipts } from '../engine/participant.js';
import type { Workload } from '../engine/workload.js';
import type { StreamAccount } from '../metrics/accounting.js';
import type { Latencies, LatencySummary } from '../metrics/histogram.js';
import type { TimelinePoint } from '../metrics/timeline.js';

export const schemaVersion = 1 as const;

export interface Environment {
  mqbenchVersion: string;
  gitCommit: string;
  node: string;
  os: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  hostname: string;
}

export interface BrokerRecord {
  name: string;
  version: string;
  /** credentials removed */
  url: string;
  client: { name: string; version: string };
  settings: Record<string, string | number | boolean>;
  mapping: string;
}

interface RunResultBase {
  schemaVersion: typeof schemaVersion;
  id: string;
  startedAt: string;
  finishedAt: string;
  broker: BrokerRecord;
  workload: Workload;
  environment: Environment;
  /** 'open-loop' latency is corrected for coordinated omission; 'closed-loop' latency is labelled as such */
  loop: 'open-loop' | 'closed-loop';
  counts: Counts;
  accounting: StreamAccount[];
  /** measured messages each consumer received: shows how load spread over partitions */
  consumers: ConsumerReceipts[];
  throughput: Throughput;
  latencyUs: Latencies<LatencySummary>;
  timeline: TimelinePoint[];
}

/** A run's result: a union on status, so an aborted or errored run still says what it measured. */
export type RunResult =
  | (RunResultBase & { status: 'completed' })
  | (RunResultBase & { status: 'aborted' | 'errored'; error: string });
