/**
 * The backlog scenario's part of the plan (OpenMessaging Benchmark's consumerBacklogSizeGB): which
 * plug-ins can hold a backlog, what a backlog run cannot be, and the workload's `backlogBytes`. Every
 * refusal is one line (exit 2), before anything connects.
 */
import { plugins } from '../drivers/index.js';
import type { BrokerPlugin } from '../drivers/plugin.js';
import { UsageError } from '../errors.js';
import type { OptionValues } from '../options.js';
import type { Workload } from '../results/types.js';
import type { Scenario } from '../scenarios/index.js';
import { formatCount } from '../util/format.js';
import { plural } from '../util/plural.js';

/**
 * A plug-in holds a backlog when its mapping says how it runs the backlog scenario: its broker keeps
 * what is sent for a subscription whose consumers have not attached yet.
 */
export function refuseBacklogWithout(plugin: BrokerPlugin, scenario: Scenario): void {
  if (!scenario.backlog || scenario.name in plugin.mapping) return;
  const able = plugins.filter((p) => scenario.name in p.mapping).map((p) => p.name);
  throw new UsageError(
    `${plugin.name} cannot run the ${scenario.name} scenario: its plug-in does not hold messages for consumers until they attach ` +
      `(brokers that can: ${able.join(', ')})`,
  );
}

/** How long building the backlog takes at the workload's rate, in seconds. */
function buildSeconds(workload: Workload, backlogBytes: number, rate: number): number {
  const messages = Math.ceil(backlogBytes / (workload.messageSize * workload.subscriptions));
  return messages / rate;
}

function refuseUnfit(workload: Workload, backlogBytes: number, workers: number): void {
  const name = workload.scenario;
  if (workload.rate === 'max') {
    throw new UsageError(`--rate max: in the ${name} scenario a closed loop (at most --inflight messages in flight) never builds a backlog; give a rate (e.g. --rate 5000)`);
  }
  if (workers > 1) throw new UsageError(`--workers: the ${name} scenario runs in one process (its consumers attach once its producers built the backlog); leave --workers at 1`);
  if (workload.driver.delivery !== 'ack') {
    throw new UsageError(`--delivery noack: the ${name} scenario is at-least-once (a backlog the broker holds until consumers acknowledge it); leave --delivery at ack`);
  }
  const seconds = buildSeconds(workload, backlogBytes, workload.rate);
  const windowSeconds = (workload.warmupUs + workload.durationUs) / 1e6;
  if (2 * seconds > windowSeconds) {
    throw new UsageError(
      `--backlog-size ${formatCount(backlogBytes)} B takes ${seconds.toFixed(1)} s to build at ${formatCount(workload.rate)} msg/s of ${formatCount(workload.messageSize)} B ` +
        `(x${plural(workload.subscriptions, 'subscription')}); the window (--warmup + --duration, ${windowSeconds} s) must be at least twice that to drain it too: ` +
        `e.g. --duration ${Math.ceil(2 * seconds)}s, or a higher --rate`,
    );
  }
}

/** The workload of a backlog run gets its `backlogBytes`; --backlog-size in another scenario is refused. */
export function withBacklog(scenario: Scenario, workload: Workload, values: OptionValues): Workload {
  const given = values['backlog-size'];
  if (!scenario.backlog) {
    if (given !== undefined) throw new UsageError(`--backlog-size is a backlog option; it has no meaning in the ${scenario.name} scenario (use --scenario backlog)`);
    return workload;
  }
  // the backlog's size and build time are reckoned at one rate and one message size
  const varying = ['stages', 'sizes'].find((name) => values[name] !== undefined);
  if (varying) throw new UsageError(`--${varying}: the ${scenario.name} scenario builds its backlog at one --rate and one --size; leave --${varying} out`);
  // its consumers attach when the backlog is built or the window ends: a count that ends sending sooner would leave them out
  if (workload.messages !== null) throw new UsageError(`--messages: the ${scenario.name} scenario is timed (the backlog builds at --rate within --duration); leave --messages out`);
  const backlogBytes = Number(given);
  refuseUnfit(workload, backlogBytes, Number(values.workers ?? 1));
  return { ...workload, backlogBytes };
}
