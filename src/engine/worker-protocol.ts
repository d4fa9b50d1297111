import type { DriverOptions, Topology } from '../drivers/types.js';
import type { Assignment, LiveCounters, PartialMeasurement } from './participant.js';
import type { Workload } from './workload.js';

/** Messages between the parent process and its worker processes (over the fork IPC channel). */
export type ToWorker =
  | { type: 'init'; driverName: string; driverOptions: DriverOptions; workload: Workload; topology: Topology; assignment: Assignment; privateBroker: boolean }
  | { type: 'go'; startUs: number }
  | { type: 'totals'; sentAll: number; receivedAll: number; errorsAll: number }
  | { type: 'drained'; failedSeqs: Record<number, number[]> }
  | { type: 'abort'; reason: string };

export type FromWorker =
  | { type: 'assigned'; partitions: number[][] }
  | { type: 'live'; counters: LiveCounters }
  | { type: 'fatal'; reason: string }
  | { type: 'result'; partial: PartialMeasurement }
  | { type: 'error'; message: string; exitCode: number };
