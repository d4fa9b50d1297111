import type { NativeTool } from './native-tool/types.js';
import type { EndpointChoice, LocalBrokers, ProvidedBroker, ProvisionMode } from '../provision/types.js';
import type { PartitionMode } from '../provision/network/index.js';

export type { EndpointChoice, LocalBrokers, ProvidedBroker, ProvisionMode } from '../provision/types.js';
import type { OptionRow, OptionValues } from '../options.js';
import type { DeliveryMode, Workload } from '../results/types.js';
import type { Driver, DriverOptions, Topology } from './types.js';

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

export interface ClusterNode { index: number; name: string; pid: number | undefined; url: string; running: boolean }
/** How `bench brokers up <cluster>` was asked to start it, beyond the plain loopback cluster. */
export interface ClusterUpOptions {
  /** each node in a network namespace of its own (provision/network), so that it can be partitioned */
  netns?: boolean;
  /** what the cluster does when it finds itself partitioned (RabbitMQ's cluster_partition_handling) */
  partitionHandling?: string;
}
/** A local 3-node cluster mqbench starts (bench brokers up <name>), for the failover scenario. */
export interface LocalCluster {
  /** e.g. "rabbit-cluster" */
  name: string;
  /** no options: as it was started before (a stopped cluster keeps its kind), else the plain loopback cluster */
  up(log: (line: string) => void, options?: ClusterUpOptions): Promise<string>;
  /** the up options this cluster understands (absent: none); `brokers up` refuses the others */
  readonly upOptions?: readonly (keyof ClusterUpOptions)[];
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
  /** continues (SIGCONT) the nodes a run killed during --fault stop left frozen (dryRun: only says which); one line per node */
  resumeFrozen?(dryRun?: boolean): Promise<string[]>;
  /** whether its nodes have networks of their own now (read from its state, synchronously: the plan asks) */
  partitionable?(): boolean;
  /** cuts node `index` off as `how` says (--fault partition); both directions, silently (drops) */
  partitionNode?(index: number, how: PartitionMode): Promise<void>;
  /** removes node `index`'s partition; resolves to what else the heal took (e.g. a node restarted to rejoin), if anything */
  healNode?(index: number): Promise<string | void>;
  /**
   * Follows what the brokers themselves report about the cluster (a node seen down, a partition
   * detected, a queue's or partition's replicas shrinking and growing back), read from their own logs,
   * and calls `report` with one line per such report; the returned function stops following.
   */
  watchReports?(topology: Topology, report: (detail: string, node: number) => void): Promise<() => Promise<void>>;
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

/** How the contract suite looks inside a broker: client code of its own, never the driver's under test. */
export interface BrokerProbe {
  /** does the broker hold the topology's objects? */
  exists(topology: Topology, driver: Driver): Promise<boolean>;
  /** messages the broker holds for the topology (no consumer attached) */
  held(topology: Topology, driver: Driver): Promise<number>;
  expectedBrokerVersion(): Promise<string>;
  expectedClient: { name: string; version: string };
  close(): Promise<void>;
  /** called right after setup in the confirm test: brokers that hold nothing without a subscriber (MQTT) watch from here */
  watch?(topology: Topology): Promise<void>;
}

/** One run of the contract suite on a plug-in: a driver configuration and the probe that checks it. */
export interface ContractCase {
  /** shown after the plug-in's name when it runs the suite more than once, e.g. "kafkajs" */
  variant?: string;
  /** the driver settings the suite uses: `noack`, and `ack` with confirms / acks=all (absent: the delivery mode alone) */
  settings?(delivery: DeliveryMode): DriverOptions['settings'];
  /** the driver under test, against the broker the test setup provides */
  create(settings: DriverOptions['settings']): Promise<Driver>;
  probe(): BrokerProbe;
}

/** What a plug-in's tests need (its `testing.ts`, loaded only by the tests): the contract cases and the brokers to start. */
export interface PluginTesting {
  /** none: the plug-in does not run the contract suite */
  contract: readonly ContractCase[];
  /** its part of the tests' global setup (start the brokers its tests need that are not shared); resolves to its part of the teardown */
  globalSetup?(log: (line: string) => void): Promise<(() => Promise<void>) | undefined>;
  /** the docker-compose.yml service of its container spec (checked against the committed file) */
  compose?: Pick<import('../provision/provide.js').NetworkBroker, 'composeService' | 'defaultPort' | 'container'>;
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
  /**
   * The closed loop's default window when the broker, at its own defaults, drops messages above
   * mqbench's (a default run must never make a broker lose messages); undefined: mqbench's default.
   */
  defaultInflight?(delivery: DeliveryMode): number | undefined;
  /**
   * One line per setting of this run that goes past a limit its broker documents (a window above the
   * broker's queue limit or its consumers' unacknowledged limit), naming the setting, the limit and
   * where it is documented; printed before the run starts, never refused (the broker's limit may have
   * been raised). None known: empty or absent.
   */
  limitWarnings?(workload: Workload): string[];
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
  /**
   * Its clients stay on the node they connect to until that node fails (RabbitMQ), so a failover run
   * can place each producer and consumer on a chosen node (`--clients`) and open late joiners; the
   * driver then honours `createProducer`'s placement and ConsumerSpec.node.
   */
  placesClients?: boolean;
  /** a local 3-node cluster for the failover scenario (`bench brokers up <cluster.name>`) */
  cluster?: LocalCluster;
  /** for the tests only (contract probes, test brokers): a dynamic import, so the CLI never loads test clients */
  testing?: () => Promise<PluginTesting>;
  create(options: DriverOptions): Driver;
}
