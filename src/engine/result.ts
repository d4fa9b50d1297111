/** A run's result document (results/types.ts) from what the engine measured, whatever happened to the run. */
import type { DriverInfo } from '../drivers/types.js';
import { createHistogram, latenciesOf, summarize } from '../metrics/histogram.js';
import type { BrokerRecord, Counts, Environment, Loop, RunResult, Workload } from '../results/types.js';
import { schemaVersion } from '../results/types.js';
import type { Assignment } from './participant.js';
import { nounFor } from '../util/plural.js';

/** What every result says about itself, whatever happened to the run. */
export interface RunIdentity {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  broker: BrokerRecord;
  workload: Workload;
  environment: Environment;
  loop: Loop;
  executor: string;
}

/** What the engine measured (engine/merge.ts makes it), in the shape the result stores. */
export type MeasuredParts = Pick<RunResult, 'counts' | 'accounting' | 'consumers' | 'throughput' | 'latencyUs' | 'timeline' | 'openLoop' | 'client' | 'events' | 'clientPaths' | 'failover' | 'backlog' | 'sizesSent'> & {
  status: 'completed' | 'completed-with-errors' | 'aborted';
  error?: string;
};

function base(identity: RunIdentity) {
  return {
    schemaVersion,
    id: identity.id,
    startedAt: identity.startedAt.toISOString(),
    finishedAt: identity.finishedAt.toISOString(),
    broker: identity.broker,
    workload: identity.workload,
    environment: identity.environment,
    loop: identity.loop,
    executor: identity.executor,
  };
}

/** A finished or aborted run's result. `error` must already be free of credentials. */
export function buildResult(identity: RunIdentity, measured: MeasuredParts): RunResult {
  const { status, error, openLoop, ...parts } = measured;
  const body = { ...base(identity), ...(openLoop ? { openLoop } : {}), ...parts };
  if (status === 'completed') return { ...body, status };
  return { ...body, status, error: error ?? status };
}

const noCounts: Counts = {
  sent: 0,
  acked: 0,
  received: 0,
  expected: 0,
  lost: 0,
  duplicated: 0,
  reordered: 0,
  sendErrors: 0,
  receivedDespiteSendError: 0,
  arrivedAfterClose: 0,
};

/** A run that failed after connecting, before it measured anything it could report: the failure, on record. */
export function buildErroredResult(identity: RunIdentity, error: string): RunResult {
  const empty = createHistogram();
  try {
    const emptySummary = summarize(empty);
    return {
      ...base(identity),
      status: 'errored',
      error,
      counts: { ...noCounts },
      accounting: [],
      consumers: [],
      throughput: { sentPerSec: 0, receivedPerSec: 0, mbPerSec: 0, sendWindowUs: 0, receiveWindowUs: 0 },
      latencyUs: latenciesOf(() => ({ ...emptySummary })),
      timeline: [],
    };
  } finally {
    empty.destroy();
  }
}

/** A run stopped before its measured window (a phase's deadline, an interrupt): nothing measured, on record as aborted. */
export function buildAbortedResult(identity: RunIdentity, reason: string): RunResult {
  return { ...buildErroredResult(identity, reason), status: 'aborted', error: reason };
}

/** The result's broker record: what the driver said about itself, else what is known without it (broker gone). */
export function brokerRecordOf(info: DriverInfo | undefined, known: { name: string; version: string; url: string }): BrokerRecord {
  if (!info) return { ...known, client: { name: 'unknown', version: 'unknown' }, settings: {}, mapping: 'unknown (the driver did not answer)' };
  return { name: info.broker, version: info.brokerVersion, url: info.url, client: info.client, settings: info.settings, mapping: info.mapping };
}

/** A worker's share as the abort reason names it when the worker never reported (dead or frozen). */
export function describeMissingShare(worker: number, share: Assignment): string {
  const producers = share.producers.map((p) => p.id).join(', ') || 'none';
  const consumers = share.consumers.map((c) => `${c.subscription}/${c.consumer} (partitions ${c.partitions.join(', ')})`).join(', ') || 'none';
  return (
    `worker ${worker}'s share is missing: its ${nounFor(share.producers.length, 'producer')} ${producers} (their sends are not counted; what arrived of them is their expected) ` +
    `and ${nounFor(share.consumers.length, 'consumer')} ${consumers} (subscription/consumer; what they had received counts as lost)`
  );
}
