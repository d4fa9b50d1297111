import { UsageError } from '../errors.js';
import { FaultyDriver } from './faulty.js';
import { KafkaDriver } from './kafka.js';
import { MemoryDriver } from './memory.js';
import { RabbitDriver } from './rabbit.js';
import type { Driver, DriverOptions } from './types.js';

export interface DriverEntry {
  name: string;
  description: string;
  /** For drivers configured by URL alone (no endpoint to find or start): the URL when none is given. */
  defaultUrl?: string;
  /**
   * The broker lives inside the driver's process: with --workers each worker runs its own, so each
   * runs every consumer of the topology for its own producers.
   */
  inProcess?: boolean;
  create(options: DriverOptions): Driver;
}

export const drivers: readonly DriverEntry[] = [
  {
    name: 'rabbit',
    description: 'RabbitMQ over AMQP 0-9-1 (amqplib)',
    create: (options) => new RabbitDriver(options),
  },
  {
    name: 'kafka',
    description: 'Apache Kafka (kafkajs)',
    create: (options) => new KafkaDriver(options),
  },
  {
    name: 'memory',
    description: "in-process broker: the harness's own ceiling, no network",
    defaultUrl: 'memory://',
    inProcess: true,
    create: (options) => new MemoryDriver(options),
  },
  {
    name: 'faulty',
    description: "in-process broker with injected faults (drops, duplicates, reorders, delays, stalls, rejects): for proving the engine's accounting",
    defaultUrl: 'faulty://',
    inProcess: true,
    create: (options) => new FaultyDriver(options),
  },
];

export const driverNames = drivers.map((d) => d.name);

export function findDriver(name: string): DriverEntry {
  const entry = drivers.find((d) => d.name === name);
  if (!entry) throw new UsageError(`unknown broker "${name}"; valid brokers: ${driverNames.join(', ')}`);
  return entry;
}
