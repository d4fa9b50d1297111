import { UsageError } from '../errors.js';
import { KafkaDriver } from './kafka.js';
import { MemoryDriver } from './memory.js';
import { RabbitDriver } from './rabbit.js';
import type { Driver, DriverOptions } from './types.js';

export interface DriverEntry {
  name: string;
  description: string;
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
    create: (options) => new MemoryDriver(options),
  },
];

export const driverNames = drivers.map((d) => d.name);

export function findDriver(name: string): DriverEntry {
  const entry = drivers.find((d) => d.name === name);
  if (!entry) throw new UsageError(`unknown broker "${name}"; valid brokers: ${driverNames.join(', ')}`);
  return entry;
}
