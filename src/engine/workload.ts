import type { DeliveryMode, DriverSettings, KafkaAcks } from '../drivers/types.js';
import { UsageError } from '../errors.js';
import type { Workload } from '../results/types.js';
import type { Scenario } from '../scenarios/index.js';
import { parseDurationUs } from '../util/duration.js';
import { executorFor } from './executors/index.js';
import { defaultMaxOutstanding } from './executors/open-loop.js';
import { headerSize } from './header.js';

export type { Workload } from '../results/types.js';

/** What a user may override, from flags or a workload file; strings are parsed here. */
export interface WorkloadOverrides {
  duration?: string | number;
  warmup?: string | number;
  drainTimeout?: string | number;
  stallTimeout?: string | number;
  maxOutstanding?: number;
  size?: number;
  rate?: string | number;
  inflight?: number;
  producers?: number;
  consumers?: number;
  partitions?: number;
  subscriptions?: number;
  messages?: number;
  delivery?: string;
  confirm?: boolean;
  persistent?: boolean;
  prefetch?: number;
  multiAck?: number;
  kafkaAcks?: string | number;
  linger?: number;
  batchSize?: number;
}

export const workloadDefaults = {
  duration: '10s',
  warmup: '2s',
  drainTimeout: '5s',
  stallTimeout: '10s',
  size: 100,
  rate: 'max',
  inflight: 1000,
  prefetch: 1000,
  multiAck: 100,
  // the Java producer's default since Kafka 4.0 (KIP-1030); with 0, batches split over many partitions get tiny
  lingerMs: 5,
  batchSize: 1000,
} as const;

function positiveInteger(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new UsageError(`${what}: must be a whole number greater than zero, got "${String(value)}"`);
  }
  return n;
}

function nonNegativeInteger(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`${what}: must be a whole number of zero or more, got "${String(value)}"`);
  }
  return n;
}

export function parseRate(value: string | number): number | 'max' {
  if (String(value).trim().toLowerCase() === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--rate: must be a number of messages per second greater than zero or "max", got "${String(value)}"`);
  return n;
}

export function parseKafkaAcks(value: string | number): KafkaAcks {
  const text = String(value).trim().toLowerCase();
  if (text === 'all' || text === '-1') return -1;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new UsageError(`--kafka-acks: must be 0, 1 or all, got "${String(value)}"`);
}

function parseDelivery(value: string): DeliveryMode {
  if (value === 'noack' || value === 'ack') return value;
  throw new UsageError(`--delivery: must be noack or ack, got "${value}"`);
}

export function resolveWorkload(broker: string, scenario: Scenario, overrides: WorkloadOverrides): Workload {
  const fixedCount = overrides.messages !== undefined ? positiveInteger(overrides.messages, '--messages') : (scenario.messages ?? null);
  const delivery = overrides.delivery !== undefined ? parseDelivery(overrides.delivery) : scenario.delivery;
  const ackDefaults = delivery === 'ack';
  const messageSize = positiveInteger(overrides.size ?? workloadDefaults.size, '--size');
  if (messageSize < headerSize) {
    throw new UsageError(`--size: must be at least ${headerSize} bytes (the mqbench header), got ${messageSize}`);
  }
  const partitions = positiveInteger(overrides.partitions ?? scenario.partitions, '--partitions');
  const prefetch = positiveInteger(overrides.prefetch ?? workloadDefaults.prefetch, '--prefetch');
  const multiAck = positiveInteger(overrides.multiAck ?? workloadDefaults.multiAck, '--multi-ack');
  if (ackDefaults && multiAck > prefetch) {
    throw new UsageError(`--multi-ack (${multiAck}) must not exceed --prefetch (${prefetch}): the consumer would stall`);
  }
  const driver: DriverSettings = {
    delivery,
    confirm: overrides.confirm ?? scenario.driver.confirm ?? ackDefaults,
    persistent: overrides.persistent ?? scenario.driver.persistent ?? false,
    prefetch,
    multiAck,
    kafkaAcks:
      overrides.kafkaAcks !== undefined ? parseKafkaAcks(overrides.kafkaAcks) : (scenario.driver.kafkaAcks ?? (ackDefaults ? -1 : 1)),
    lingerMs: nonNegativeInteger(overrides.linger ?? workloadDefaults.lingerMs, '--linger'),
    batchSize: positiveInteger(overrides.batchSize ?? workloadDefaults.batchSize, '--batch-size'),
  };
  if (delivery === 'ack' && driver.kafkaAcks === 0) {
    throw new UsageError('--kafka-acks 0 contradicts the ack (at-least-once) delivery mode');
  }
  const rate = parseRate(overrides.rate ?? workloadDefaults.rate);
  const inflight = positiveInteger(overrides.inflight ?? workloadDefaults.inflight, '--inflight');
  const size = fixedCount !== null && overrides.size === undefined ? headerSize + helloText.length : messageSize;
  const workload: Workload = {
    broker,
    scenario: scenario.name,
    stream: scenario.stream,
    durationUs: parseDurationUs(overrides.duration ?? workloadDefaults.duration, '--duration'),
    warmupUs: fixedCount !== null ? 0 : parseDurationUs(overrides.warmup ?? workloadDefaults.warmup, '--warmup', true),
    drainTimeoutUs: parseDurationUs(overrides.drainTimeout ?? workloadDefaults.drainTimeout, '--drain-timeout'),
    stallTimeoutUs: parseDurationUs(overrides.stallTimeout ?? workloadDefaults.stallTimeout, '--stall-timeout'),
    messageSize: size,
    rate,
    inflight: positiveInteger(overrides.inflight ?? workloadDefaults.inflight, '--inflight'),
    // closed loop: the in-flight window bounds outstanding sends too
    maxOutstanding:
      overrides.maxOutstanding !== undefined
        ? positiveInteger(overrides.maxOutstanding, '--max-outstanding')
        : rate === 'max'
          ? inflight
          : defaultMaxOutstanding(rate, size),
    producers: positiveInteger(overrides.producers ?? scenario.producers, '--producers'),
    // partitioned load: one consumer per partition unless told otherwise
    consumers: positiveInteger(overrides.consumers ?? (scenario.keyed ? partitions : scenario.consumers), '--consumers'),
    partitions,
    subscriptions: positiveInteger(overrides.subscriptions ?? scenario.subscriptions, '--subscriptions'),
    messages: fixedCount,
    keyed: scenario.keyed || partitions > 1,
    driver,
  };
  executorFor(workload); // each executor validates its own settings: bad input fails here, before connecting
  return workload;
}

/** The tutorial's message; hello-world payloads carry it after the header. */
export const helloText = 'Hello World!';
