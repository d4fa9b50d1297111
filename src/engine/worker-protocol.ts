import type { DriverOptions, Topology } from '../drivers/types.js';
import type { Workload } from '../results/types.js';
import type { Assignment, PartialMeasurement } from './participant.js';
import type { LiveCounters } from './recorder.js';

/** Messages between the parent process and its worker processes (over the fork IPC channel). */
export type ToWorker =
  | { type: 'init'; broker: string; driverOptions: DriverOptions; workload: Workload; topology: Topology; assignment: Assignment; privateBroker: boolean }
  | { type: 'go'; startUs: number }
  | { type: 'totals'; sentAll: number; receivedAll: number; errorsAll: number }
  /** draining is over for everyone: report your failed sends */
  | { type: 'drained' }
  /** every worker's failed sends: settle the accounting with them */
  | { type: 'settle'; failedSeqs: Record<number, number[]> }
  | { type: 'abort'; reason: string };

export type FromWorker =
  | { type: 'assigned'; partitions: number[][] }
  | { type: 'live'; counters: LiveCounters; producersDone: boolean }
  | { type: 'fatal'; reason: string }
  | { type: 'failed'; failedSeqs: Record<number, number[]> }
  | { type: 'result'; partial: PartialMeasurement }
  | { type: 'error'; message: string; exitCode: number };
