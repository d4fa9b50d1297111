import type { FaultPlan } from '../faults/plan.js';
import type { EndpointChoice, ProvisionMode } from '../provision/types.js';
import type { Workload } from '../results/types.js';

/**
 * One run, fully resolved before anything connects: plain data (JSON-serialisable), made once by
 * planRuns() from the options a user gave. Every entry point starts from it: `bench run`, sweep,
 * find-rate, calibrate, `k8s render` (its ConfigMap carries the workload; the URL goes in a Secret),
 * the worker processes (they receive it over IPC) and the library's runBenchmark().
 */
export interface RunPlan {
  /** the broker plug-in's name (drivers/index.ts) */
  broker: string;
  scenario: string;
  /** what the result stores as `workload`: load shape, timings, the driver's settings, the fault on record */
  workload: Workload;
  /** where the broker is; the URL may carry credentials and is never stored in a result */
  endpoint: EndpointChoice;
  /** how a missing default broker is started */
  provision: ProvisionMode;
  connectTimeoutMs: number;
  /** --broker-version: recorded when the driver cannot ask the broker */
  brokerVersion?: string;
  /** --broker-pid: the broker's processes on this host, checked to be alive */
  brokerPids?: number[];
  /** 1: everything in this process; N > 1: producers and consumers spread over N worker processes */
  workers: number;
  /** the same run N times, each its own result */
  repeat: number;
  /** the failover scenario's fault; the cluster it acts on is found when the run starts */
  fault?: FaultPlan;
  /** settings past a limit the broker plug-in knows (BrokerPlugin.limitWarnings): one line each, said before the run starts */
  warnings?: string[];
}

/** Run options by flag name, as on the command line or in a workload file (raw: the options table parses them). */
export type GivenOptions = Readonly<Record<string, string | number | boolean>>;
