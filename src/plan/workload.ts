import type { BrokerPlugin } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';
import { commonOptions, defaultInflight, type OptionValues } from '../options.js';
import type { DeliveryMode, FaultRecord, Workload } from '../results/types.js';
import type { Scenario } from '../scenarios/index.js';
import { parseDurationUs } from '../util/duration.js';
import { executorFor } from '../engine/executors/index.js';
import { stallMarginUs } from './fault-options.js';
import { defaultMaxOutstanding } from '../engine/executors/open-loop.js';
import { headerSize, helloText } from '../engine/header.js';
import { loadShapeOf } from './load-shapes.js';

/** A common option's value: the user's (already parsed), else the table's default (parsed the same way). */
function valueOf<T extends number | string | boolean>(values: OptionValues, name: string): T | undefined {
  if (values[name] !== undefined) return values[name] as T;
  const row = commonOptions.find((r) => r.name === name);
  if (row?.default === undefined) return undefined;
  return (row.kind === 'duration' ? parseDurationUs(String(row.default), `--${name}`, true) : row.default) as T;
}

/** A common option's value, user's or default; one that has no default is a programming error. */
export function required<T extends number | string | boolean>(values: OptionValues, name: string): T {
  const value = valueOf<T>(values, name);
  if (value === undefined) throw new Error(`option ${name} has no default`);
  return value;
}

/**
 * --max-outstanding caps the open loop's sends awaiting the broker; in closed loop (--rate max) the
 * in-flight window is that cap, so the option would be silently ignored: refused with one line.
 */
function refuseClosedLoopCap(rate: number | 'max', values: OptionValues): void {
  if (rate === 'max' && values['max-outstanding'] !== undefined) {
    throw new UsageError('--max-outstanding caps the sends of an open loop (--rate N); in closed loop (--rate max) --inflight is the cap: use --inflight, or give a rate');
  }
}

/** --keys on|off, else keyed when the scenario is, or when there are partitions to spread the load over. */
function keyedLoad(keys: string | undefined, scenarioKeyed: boolean, partitions: number): boolean {
  if (keys !== undefined) return keys === 'on';
  return scenarioKeyed || partitions > 1;
}

/**
 * A failover run: the fault on record, clients that reconnect, and a stall watch that waits out the
 * planned unavailability (fault-for + 30 s unless --stall-timeout is given) before calling the run stalled.
 */
export function withFault(workload: Workload, fault: FaultRecord, values: OptionValues): Workload {
  if (Number(values.workers ?? 1) > 1) throw new UsageError('--workers: the failover scenario runs in one process (one producer, one consumer); leave --workers at 1');
  // a fault that is never restored may leave the run unavailable to its end: that is the measurement, not a stall
  const plannedOutageUs = fault.forUs ?? workload.durationUs - fault.atUs;
  const stallTimeoutUs = values['stall-timeout'] === undefined ? plannedOutageUs + stallMarginUs : workload.stallTimeoutUs;
  return { ...workload, fault, stallTimeoutUs, driver: { ...workload.driver, reconnect: true } };
}

/**
 * Everything a run needs, fully resolved from the scenario, the user's option values (parsed by the
 * options table, the scenario's defaults applied: fault-options.ts) and the broker plug-in's settings:
 * what is stored in the result as `workload` (a failover run's fault is added by withFault).
 */
export function resolveWorkload(plugin: BrokerPlugin, scenario: Scenario, values: OptionValues): Workload {
  const fixedCount = valueOf<number>(values, 'messages') ?? scenario.messages ?? null;
  const delivery = (valueOf<string>(values, 'delivery') ?? scenario.delivery) as DeliveryMode;
  const partitions = valueOf<number>(values, 'partitions') ?? scenario.partitions;
  const shape = loadShapeOf(values, fixedCount);
  const rate = shape.rate ?? (required<number | string>(values, 'rate') as number | 'max');
  refuseClosedLoopCap(rate, values);
  // a plug-in lowers the default where its broker would drop messages above it (MQTT: Mosquitto's queue limit)
  const inflight = valueOf<number>(values, 'inflight') ?? plugin.defaultInflight?.(delivery) ?? defaultInflight;
  const size = shape.size ?? (fixedCount !== null && values.size === undefined ? headerSize + helloText.length : required<number>(values, 'size'));
  const producers = valueOf<number>(values, 'producers') ?? scenario.producers;
  const workload: Workload = {
    broker: plugin.name,
    scenario: scenario.name,
    stream: scenario.stream,
    durationUs: shape.durationUs ?? required<number>(values, 'duration'),
    warmupUs: fixedCount !== null ? 0 : (shape.warmupUs ?? required<number>(values, 'warmup')),
    drainTimeoutUs: required<number>(values, 'drain-timeout'),
    stallTimeoutUs: required<number>(values, 'stall-timeout'),
    messageSize: size,
    rate,
    inflight,
    // closed loop: the in-flight window bounds outstanding sends too
    maxOutstanding: valueOf<number>(values, 'max-outstanding') ?? (rate === 'max' ? inflight : defaultMaxOutstanding(rate, size)),
    producers,
    // partitioned load: one consumer per partition unless told otherwise
    consumers: valueOf<number>(values, 'consumers') ?? (scenario.keyed ? partitions : scenario.consumers),
    partitions,
    subscriptions: valueOf<number>(values, 'subscriptions') ?? scenario.subscriptions,
    messages: fixedCount,
    keyed: keyedLoad(valueOf<string>(values, 'keys'), scenario.keyed, partitions),
    driver: { delivery, ...plugin.settings(values, delivery) },
    ...(shape.ramp ? { ramp: shape.ramp } : {}),
    ...(shape.sizes ? { sizes: shape.sizes } : {}),
  };
  if (!(scenario.name in plugin.mapping)) throw new UsageError(`${plugin.name} cannot run the ${scenario.name} scenario`);
  executorFor(workload); // each executor validates its own settings: bad input fails here, before connecting
  return workload;
}
