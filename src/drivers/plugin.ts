import type { NativeTool } from '../calibrate/types.js';
import type { OptionRow, OptionValues } from '../options.js';
import type { DeliveryMode } from '../results/types.js';
import type { Driver, DriverOptions, Topology } from './types.js';

/** How a missing default broker is started: whatever answers, a container, or a local process. */
export type ProvisionMode = 'auto' | 'local' | 'docker';

export interface EndpointChoice {
  url: string;
  /** the user named it (flag or environment): never start anything for it */
  named: boolean;
}

export interface ProvidedBroker {
  url: string;
  /** known when mqbench started the broker */
  version?: string;
  /** a throwaway container: remove it after the run */
  release?: () => Promise<void>;
}

/** A broker's settings as the driver receives them: its own options, resolved (defaults applied). */
export type BrokerSettings = Record<string, string | number | boolean>;

/** Where a network broker is found, and how it is named on the command line and in the environment. */
export interface EndpointSpec {
  /** the option that names the URL, e.g. "rabbit-url" */
  option: string;
  /** the environment variable that names the URL */
  env: string;
  defaultUrl: string;
  describe: string;
  /** what is wrong with a URL the user gave, or undefined when it can be used (checked before connecting) */
  problemWith?(url: string): string | undefined;
}

/** `bench brokers up|down|status` for a broker mqbench can start locally. */
export interface LocalBrokers {
  up(mode: ProvisionMode, log: (line: string) => void): Promise<string>;
  down(log: (line: string) => void): Promise<string>;
  status(): Promise<string>;
}

export interface ClusterNode { index: number; name: string; pid: number | undefined; url: string; running: boolean }
/** A local 3-node cluster mqbench starts (bench brokers up <name>), for the failover scenario. */
export interface LocalCluster {
  /** e.g. "rabbit-cluster" */
  name: string;
  up(log: (line: string) => void): Promise<string>;
  down(log: (line: string) => void): Promise<string>;
  status(): Promise<string>;
  /** the nodes when mqbench's cluster is up (running or not), else undefined */
  nodes(): Promise<ClusterNode[] | undefined>;
  /** every node's URL, comma-separated: the endpoint form the plug-in's driver takes */
  readonly url: string;
  /** the node currently leading the run's stream (queue leader / partition 0 leader), found through the broker */
  leaderOf(topology: Topology): Promise<number>;
  /** starts a node that was killed or stopped gracefully, waits until it has rejoined */
  startNode(index: number, log: (line: string) => void): Promise<void>;
  /** graceful stop of one node (for --fault restart) */
  stopNode(index: number, log: (line: string) => void): Promise<void>;
}

/** An object a run left on a broker: what it is, its name, and its age when the broker knows it. */
export interface LeftoverObject {
  kind: string;
  name: string;
  /** seconds since it was created; undefined when the broker does not say */
  ageSeconds?: number;
  /** a live client uses it (a queue's consumer, a group's member): its run may still be going */
  inUse?: boolean;
}

/** Finds and removes the objects runs left under the `mqbench-` prefix (crashes, SIGKILL, frozen brokers). */
export interface Cleaner {
  list(url: string, connectTimeoutMs: number): Promise<LeftoverObject[]>;
  remove(url: string, objects: readonly LeftoverObject[], connectTimeoutMs: number): Promise<void>;
}

/**
 * A broker plug-in (DESIGN.md): everything mqbench knows about one broker lives in its folder and
 * reaches the rest of the program through this object, registered in drivers/index.ts.
 */
export interface BrokerPlugin {
  name: string;
  description: string;
  /** its own rows of the options table (each with `broker` set to this plug-in's name) */
  options: readonly OptionRow[];
  /** absent for in-process brokers */
  endpoint?: EndpointSpec;
  /** the broker lives in the driver's process: with --workers each worker runs its own */
  inProcess?: boolean;
  /** scenario name -> how the scenario maps onto this broker (shown by `bench list --verbose`) */
  mapping: Readonly<Record<string, string>>;
  /** Its settings for a run: the user's values with defaults for the delivery mode; throws UsageError on contradictions. */
  settings(values: OptionValues, delivery: DeliveryMode): BrokerSettings;
  /** Gets a broker for the endpoint: a named one as is, the default one if it answers, else started. */
  provide?(endpoint: EndpointChoice, mode: ProvisionMode, log: (line: string) => void): Promise<ProvidedBroker>;
  /** One line telling the user how to get a broker at that endpoint (for the connect error). */
  startHint?(named: boolean): string;
  local?: LocalBrokers;
  /** `bench calibrate`: the broker's own benchmark tool */
  calibration?: NativeTool;
  /** `bench clean`: the mqbench-* objects on the broker at `url` (never anything else) */
  clean?: Cleaner;
  /**
   * Broker resource cost: the pids of the broker processes mqbench started on this host and that
   * serve `url` (cluster: every node); undefined when mqbench did not start it here (shared, remote).
   */
  localProcesses?(url: string): Promise<number[] | undefined>;
  /** a local 3-node cluster for the failover scenario (`bench brokers up <cluster.name>`) */
  cluster?: LocalCluster;
  create(options: DriverOptions): Driver;
}
