import type { OptionRow, OptionValues } from '../options.js';
import type { DeliveryMode } from '../results/types.js';
import type { Driver, DriverOptions } from './types.js';

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
}

/** `bench brokers up|down|status` for a broker mqbench can start locally. */
export interface LocalBrokers {
  up(mode: ProvisionMode, log: (line: string) => void): Promise<string>;
  down(log: (line: string) => void): Promise<string>;
  status(): Promise<string>;
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
  create(options: DriverOptions): Driver;
}
