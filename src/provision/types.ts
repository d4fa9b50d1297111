/** How a broker is found or started: the types the plug-ins and the shared provisioning logic both speak. */

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

/** `bench brokers up|down|status` for a broker mqbench can start locally. */
export interface LocalBrokers {
  up(mode: ProvisionMode, log: (line: string) => void): Promise<string>;
  down(log: (line: string) => void): Promise<string>;
  status(): Promise<string>;
}
