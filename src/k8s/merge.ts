import { executorFor } from '../engine/executors/index.js';
import { mergePartials } from '../engine/merge.js';
import { UsageError } from '../errors.js';
import { buildResult } from '../engine/result.js';
import { evenSendTimes, splitEvenly } from '../engine/schedule.js';
import { RampCurve, rampSendTimes } from '../engine/ramp-schedule.js';
import { formatCount } from '../util/format.js';
import type { BrokerRecord, PodRecord, RunResult, Workload } from '../results/types.js';
import { redactUrl } from '../util/redact.js';
import { partialProblem } from './partial-checks.js';
import { podName, type PodPartial } from './partial.js';
import { plural } from '../util/plural.js';

/** What `bench merge` makes of the pods' lines: one run result and, per pod, what happened. */
export interface MergedRun {
  result: RunResult;
  /** one line per pod that did not run its share to the end (late, failed, missing) */
  problems: string[];
}

const list = (ids: readonly number[]): string => (ids.length === 0 ? 'none' : ids.join(', '));

/** The first JSON pointer (under `at`) where two JSON values differ, with both values; undefined when equal. */
function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const difference = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}/${key}`);
      if (difference) return difference;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${at} (${JSON.stringify(a) ?? 'missing'} vs ${JSON.stringify(b) ?? 'missing'})`;
}

/** Each pod's line on its own (partial-checks.ts): a damaged or forged one is refused by pod, source and field. */
function checkEachLine(partials: readonly PodPartial[]): void {
  for (const p of partials) {
    const problem = partialProblem(p);
    if (problem) throw new UsageError(`${podName(p)}: ${problem}; not merged`);
  }
}

/** The pods' lines must come from one run, each pod once, all with the run's one workload. */
function checkOneRun(partials: readonly PodPartial[]): { runId: string; pods: number } {
  const first = partials[0];
  if (!first) throw new UsageError('no pod results found (lines that `bench worker` prints); nothing to merge');
  checkEachLine(partials);
  const runs = [...new Set(partials.map((p) => p.runId))];
  if (runs.length > 1) throw new UsageError(`pod results from ${runs.length} different runs (${runs.join(', ')}): merge one run at a time`);
  if (partials.some((p) => p.pods !== first.pods)) throw new UsageError(`run ${first.runId}: pod results disagree on the pod count`);
  const seen = new Set<number>();
  for (const p of partials) {
    if (p.index >= first.pods) throw new UsageError(`run ${first.runId}: pod index ${String(p.index)} is out of range 0..${first.pods - 1}`);
    if (seen.has(p.index)) throw new UsageError(`run ${first.runId}: pod ${p.index} appears twice (the same logs given twice?)`);
    seen.add(p.index);
    const difference = firstDifference(p.workload, first.workload, '/workload');
    if (difference) throw new UsageError(`run ${first.runId}: ${podName(p)} disagrees with ${podName(first)} on ${difference}: the pods of one run share one workload`);
  }
  return { runId: first.runId, pods: first.pods };
}

/** Producers a missing pod ran: the same split the pods used (producer ids index, index+pods, ...). */
function producersOf(index: number, pods: number, producers: number): number[] {
  const ids: number[] = [];
  for (let id = index; id < producers; id += pods) ids.push(id);
  return ids;
}

/**
 * What a pod that did not run would have sent in the measured window: exact for a message count and
 * for an open loop (its producers' slots of the schedule); a closed loop's share cannot be known.
 */
export function unmeasuredOf(workload: Workload, producers: readonly number[]): string {
  if (workload.messages !== null) {
    const quotas = splitEvenly(workload.messages, workload.producers);
    return `${formatCount(producers.reduce((n, id) => n + (quotas[id] ?? 0), 0))} messages never sent`;
  }
  if (workload.rate === 'max') return 'its share of the closed-loop window never sent';
  const rate = workload.rate;
  const ramp = workload.ramp ? new RampCurve(workload.ramp, workload.warmupUs, 0) : undefined;
  const due = producers.reduce((n, id) => {
    const times = ramp ? rampSendTimes(ramp, workload.producers, id) : evenSendTimes({ startUs: 0, ratePerSec: rate, producers: workload.producers, producerIndex: id });
    return n + times.countBefore(workload.warmupUs + workload.durationUs) - times.countBefore(workload.warmupUs);
  }, 0);
  return `${formatCount(due)} scheduled measured sends never made`;
}

function podRecords(partials: readonly PodPartial[], pods: number, workload: Workload): { records: PodRecord[]; problems: string[] } {
  const producers = workload.producers;
  const lost = (ids: readonly number[]): string => `producers ${list(ids)} not measured (${unmeasuredOf(workload, ids)})`;
  const records: PodRecord[] = [];
  const problems: string[] = [];
  for (let index = 0; index < pods; index++) {
    const p = partials.find((q) => q.index === index);
    if (!p) {
      records.push({ index, host: 'unknown', status: 'missing', sent: 0, received: 0, producers: producersOf(index, pods, producers) });
      problems.push(`pod ${index} is missing (no result line; died or its logs were not collected): ${lost(producersOf(index, pods, producers))}`);
      continue;
    }
    const m = p.measurement;
    const sent = m ? m.producers.reduce((n, q) => n + q.sent, 0) : 0;
    const received = m ? m.streams.reduce((n, s) => n + s.counts.received, 0) : 0;
    records.push({ index, host: p.host, status: p.status, startOffsetUs: p.readyOffsetUs, sent, received, producers: p.producers, ...(p.error ? { error: p.error } : {}) });
    if (p.status === 'late') problems.push(`pod ${index} on ${p.host} started late: ${p.error ?? 'after the slack'}; ${lost(p.producers)}`);
    if (p.status === 'failed') problems.push(`pod ${index} on ${p.host} failed: ${p.error ?? 'unknown error'}${m ? ' (what it measured is included)' : `; ${lost(p.producers)}`}`);
  }
  return { records, problems };
}

function brokerOf(partials: readonly PodPartial[]): BrokerRecord {
  const known = partials.find((p) => p.broker)?.broker;
  const name = partials[0]?.workload.broker ?? 'unknown';
  return known ? { ...known, url: redactUrl(known.url), mapping: `each pod its own topology (mqbench-<run>-<pod>): ${known.mapping}` } : { name, version: 'unknown', url: 'unknown', client: { name: 'unknown', version: 'unknown' }, settings: {}, mapping: 'unknown (no pod reached the broker)' };
}

const earliest = (times: readonly string[]): Date => new Date(Math.min(...times.map((t) => Date.parse(t))));
const latest = (times: readonly string[]): Date => new Date(Math.max(...times.map((t) => Date.parse(t))));

/**
 * Merges the pods' partials exactly (engine/merge.ts: histograms added, accounting per producer and
 * subscription, timelines on the common start). A pod that is missing, late or failed is named and
 * the result is `aborted`: never a smaller run that looks complete.
 */
export function mergePods(partials: readonly PodPartial[]): MergedRun {
  const { runId, pods } = checkOneRun(partials);
  const sorted = [...partials].sort((a, b) => a.index - b.index);
  const workload = (sorted[0] as PodPartial).workload;
  const { records, problems } = podRecords(sorted, pods, workload);
  const measured = sorted.flatMap((p) => (p.measurement ? [p.measurement] : []));
  const abortReason = problems.length > 0 ? `${problems.length} of ${plural(pods, 'pod')} did not run their share: ${problems.join('; ')}` : undefined;
  const { foreignMessages: _foreign, ...measurement } = mergePartials(workload, measured, abortReason);
  const executor = executorFor(workload);
  const hosts = [...new Set(sorted.map((p) => p.host))];
  const environment = { ...(sorted[0] as PodPartial).environment, hostname: hosts.join(',') };
  const result = buildResult(
    {
      id: runId,
      startedAt: earliest(sorted.map((p) => p.startedAt)),
      finishedAt: latest(sorted.map((p) => p.finishedAt)),
      broker: brokerOf(sorted),
      workload,
      environment,
      loop: executor.loop,
      executor: `${executor.description}; ${plural(pods, 'pod')} of a Kubernetes Indexed Job, each producer's consumers in its own pod (end-to-end latency measured on one host's clock)`,
    },
    measurement,
  );
  return { result: { ...result, pods: records }, problems };
}
