/**
 * A pod's result line is input to `bench merge` (logs, a file, stdin): damaged or forged, it must be
 * refused by name before anything is merged, never surface as an "unexpected error" or a result that
 * fails its own schema. What is checked: the line's own fields, the workload against the result
 * schema, every count a whole number >= 0, every histogram decoded within bounds and holding no more
 * values than the messages it times (results/trust.ts), and the timeline within the pod's own window.
 */
import { histogramCountProblem, inexactNumberProblem, timedBy } from '../results/trust.js';
import type { Workload } from '../results/types.js';
import { workloadProblem } from '../results/validate.js';

type Fields = Record<string, unknown>;

/**
 * Far beyond any Kubernetes run (an Indexed Job holds at most 100,000 pods): a larger producer or pod
 * count in a forged line would have the merge build lists of that length.
 */
const maxPeers = 100_000;
/** A pod's measured span: at most a week, so its timeline's seconds stay a list the merge can fill. */
const maxSpanUs = 7 * 24 * 3600 * 1e6;

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const shown = (value: unknown): string => (value === undefined ? 'missing' : JSON.stringify(value));
const notCount = (at: string, value: unknown): string => `${at} must be a count (a whole number >= 0), not ${shown(value)}`;

/** The first of `keys` in `item` that is not a count. */
function fieldsProblem(item: unknown, at: string, keys: readonly string[]): string | undefined {
  if (!isObject(item)) return `${at} must be an object, not ${shown(item)}`;
  const bad = keys.find((key) => !isCount(item[key]));
  return bad === undefined ? undefined : notCount(`${at}/${bad}`, item[bad]);
}

/** Each item of a list: its counts (`keys`), or, with no keys, the item itself a count. */
function listProblem(list: unknown, at: string, keys: readonly string[] = []): string | undefined {
  if (!Array.isArray(list)) return `${at} must be a list, not ${shown(list)}`;
  for (const [i, item] of list.entries()) {
    const problem = keys.length === 0 ? (isCount(item) ? undefined : notCount(`${at}/${i}`, item)) : fieldsProblem(item, `${at}/${i}`, keys);
    if (problem) return problem;
  }
  return undefined;
}

const sumOf = (list: readonly Fields[], pick: (item: Fields) => unknown): number => list.reduce((n, item) => n + (pick(item) as number), 0);

/** The line's own fields, before its workload and measurement are looked at. */
function headProblem(p: Fields): string | undefined {
  // a run id is 8 hex digits; letters, digits, '-' and '_' keep a forged one from carrying terminal escapes into messages
  if (typeof p.runId !== 'string' || !/^[\w-]{1,64}$/.test(p.runId)) return `/runId must be a run id, not ${shown(p.runId)}`;
  if (!isCount(p.pods) || p.pods < 1 || p.pods > maxPeers) return `/pods must be a pod count from 1 to ${maxPeers}, not ${shown(p.pods)}`;
  if (!isCount(p.index)) return notCount('/index', p.index);
  if (typeof p.host !== 'string') return `/host must be a host name, not ${shown(p.host)}`;
  if (!['ok', 'late', 'failed'].includes(p.status as string)) return `/status must be "ok", "late" or "failed", not ${shown(p.status)}`;
  if (p.error !== undefined && typeof p.error !== 'string') return `/error must be one line of text, not ${shown(p.error)}`;
  if (typeof p.readyOffsetUs !== 'number') return `/readyOffsetUs must be a number, not ${shown(p.readyOffsetUs)}`;
  for (const key of ['startedAt', 'finishedAt']) if (typeof p[key] !== 'string' || Number.isNaN(Date.parse(p[key]))) return `/${key} must be a date and time, not ${shown(p[key])}`;
  if (!isObject(p.environment)) return `/environment must be an object, not ${shown(p.environment)}`;
  return undefined;
}

/** The workload against the schema, with counts a merge may build lists of; the pod's producer ids within it. */
function workloadOf(p: Fields): { problem?: string; workload?: Workload } {
  const problem = workloadProblem(p.workload);
  if (problem) {
    const [path = '/', ...words] = problem.split(' ');
    return { problem: `/workload${path === '/' ? '' : path} ${words.join(' ')}` };
  }
  const workload = p.workload as Workload;
  if (workload.producers > maxPeers) return { problem: `/workload/producers is ${workload.producers}, more than the ${maxPeers} a merge accepts` };
  const ids = listProblem(p.producers, '/producers');
  if (ids) return { problem: ids };
  const outside = (p.producers as number[]).find((id) => id >= workload.producers);
  if (outside !== undefined) return { problem: `/producers names producer ${outside}, but the workload has ${workload.producers} (0..${workload.producers - 1})` };
  return { workload };
}

/** Producers, consumers, streams and the scalar counts: every one a whole number >= 0, ids within the workload. */
function countsProblem(m: Fields, workload: Workload): string | undefined {
  const problem =
    listProblem(m.producers, '/measurement/producers', ['id', 'sent', 'acked', 'errors']) ??
    listProblem(m.consumers, '/measurement/consumers', ['subscription', 'consumer', 'received']) ??
    listProblem(m.streams, '/measurement/streams', ['subscription', 'producer']) ??
    (m.streams as Fields[]).map((s, i) => fieldsProblem(s.counts, `/measurement/streams/${i}/counts`, ['received', 'duplicated', 'reordered', 'receivedDespiteSendError'])).find(Boolean) ??
    (m.producers as Fields[]).map((q, i) => listProblem(q.failedSeqs, `/measurement/producers/${i}/failedSeqs`)).find(Boolean) ??
    fieldsProblem(m, '/measurement', ['receivedBytes', 'foreignMessages', 'arrivedAfterClose']) ??
    fieldsProblem(m.lateness, '/measurement/lateness', ['lateSends', 'heldByCap']);
  if (problem) return problem;
  const producer = (m.producers as Fields[]).findIndex((q) => (q.id as number) >= workload.producers);
  if (producer >= 0) return `/measurement/producers/${producer}/id is ${shown((m.producers as Fields[])[producer]?.id)}, but the workload has ${workload.producers} producers`;
  const stream = (m.streams as Fields[]).findIndex((s) => (s.producer as number) >= workload.producers || (s.subscription as number) >= workload.subscriptions);
  if (stream >= 0) return `/measurement/streams/${stream} names a producer or subscription the workload does not have`;
  return undefined;
}

/** The pod's clock readings (us since the common start, so possibly negative) and CPU sample; a span of at most maxSpanUs. */
function clockProblem(m: Fields): string | undefined {
  for (const key of ['startUs', 'warmupEndUs', 'endUs', 'producersDoneUs', 'finishedUs', 'lastReceiptUs']) if (typeof m[key] !== 'number') return `/measurement/${key} must be a time (us), not ${shown(m[key])}`;
  if (!isObject(m.clientCost)) return `/measurement/clientCost must be an object, not ${shown(m.clientCost)}`;
  const cost = m.clientCost;
  for (const key of ['cpuUs', 'windowUs', 'eventLoopDelayP99Us', 'eventLoopDelayMaxUs']) if (typeof cost[key] !== 'number' || cost[key] < 0) return `/measurement/clientCost/${key} must be a number >= 0, not ${shown(cost[key])}`;
  const span = (m.finishedUs as number) - (m.startUs as number);
  if (!(span >= 0 && span <= maxSpanUs)) return `/measurement/finishedUs is ${span} us after startUs, not a run's span (0 to ${maxSpanUs} us)`;
  return undefined;
}

/** Each histogram within bounds, holding no more values than the messages it times. */
function histogramsProblem(m: Fields): string | undefined {
  if (!isObject(m.histograms)) return `/measurement/histograms must be an object, not ${shown(m.histograms)}`;
  const streams = m.streams as Fields[];
  const producers = m.producers as Fields[];
  const totals = { received: sumOf(streams, (s) => (s.counts as Fields).received), acked: sumOf(producers, (q) => q.acked), sent: sumOf(producers, (q) => q.sent) };
  for (const [name, what] of Object.entries(timedBy)) {
    const limit = totals[what];
    const at = `/measurement/histograms/${name}`;
    const encoded = m.histograms[name];
    if (typeof encoded !== 'string') return `${at} must be an encoded histogram, not ${shown(encoded)}`;
    const { problem, totalCount } = histogramCountProblem(encoded, at);
    if (problem) return problem;
    if (totalCount > limit) return `${at} holds ${totalCount} values, more than the ${limit} messages this pod ${what}`;
  }
  return undefined;
}

/** The per-second timeline: counts, seconds within the pod's window, each second's histogram within bounds. */
function timelineProblem(m: Fields): string | undefined {
  if (!isObject(m.timeline)) return `/measurement/timeline must be an object, not ${shown(m.timeline)}`;
  const points = listProblem(m.timeline.points, '/measurement/timeline/points', ['second', 'sent', 'acked', 'received', 'bytes', 'p99Us', 'coveredUs']);
  if (points) return points;
  // the timeline counts seconds from the end of warmup; a forged warmupEndUs cannot stretch it past maxSpanUs
  const lastSecond = Math.min(Math.ceil(((m.finishedUs as number) - (m.warmupEndUs as number)) / 1e6), maxSpanUs / 1e6) + 1;
  const late = (m.timeline.points as Fields[]).findIndex((point) => (point.second as number) > lastSecond);
  if (late >= 0) return `/measurement/timeline/points/${late}/second is past the pod's window (${lastSecond} s at most)`;
  if (!isObject(m.timeline.latency)) return `/measurement/timeline/latency must be an object, not ${shown(m.timeline.latency)}`;
  for (const [second, encoded] of Object.entries(m.timeline.latency)) {
    const at = `/measurement/timeline/latency/${second}`;
    if (!/^\d+$/.test(second) || Number(second) > lastSecond) return `${at} is not a second of the pod's window (0..${lastSecond})`;
    if (typeof encoded !== 'string') return `${at} must be an encoded histogram, not ${shown(encoded)}`;
    const { problem } = histogramCountProblem(encoded, at);
    if (problem) return problem;
  }
  return undefined;
}

/** A failover recording's buckets and phase histograms ('' for a phase with none). */
function failoverProblem(m: Fields): string | undefined {
  if (m.failover === undefined) return undefined;
  const f = m.failover;
  if (!isObject(f)) return `/measurement/failover must be an object, not ${shown(f)}`;
  const groups = Array.isArray(f.groups) ? (f.groups as unknown[]) : [];
  for (const [i, group] of [f, ...groups].entries()) {
    const at = i === 0 ? '/measurement/failover' : `/measurement/failover/groups/${i - 1}`;
    if (!isObject(group)) return `${at} must be an object, not ${shown(group)}`;
    const counts = listProblem(group.acks, `${at}/acks`) ?? listProblem(group.receipts, `${at}/receipts`);
    if (counts) return counts;
    if (!isObject(group.phases)) return `${at}/phases must be an object, not ${shown(group.phases)}`;
    for (const phase of ['before', 'during', 'after']) {
      const encoded = group.phases[phase];
      if (typeof encoded !== 'string') return `${at}/phases/${phase} must be an encoded histogram, not ${shown(encoded)}`;
      const problem = encoded === '' ? undefined : histogramCountProblem(encoded, `${at}/phases/${phase}`).problem;
      if (problem) return problem;
    }
  }
  return fieldsProblem(f, '/measurement/failover', ['bucketUs', 'resends']) ?? listProblem(f.resendReasons, '/measurement/failover/resendReasons', ['count']);
}

/**
 * One line naming the first field of a pod's line that cannot be merged (a JSON pointer into the
 * line), or undefined when it can be.
 */
export function partialProblem(line: unknown): string | undefined {
  if (!isObject(line) || line.kind !== 'mqbench-pod-partial' || line.version !== 1) return 'is not a version 1 pod result line';
  const head = inexactNumberProblem(line) ?? headProblem(line);
  if (head) return head;
  const { problem, workload } = workloadOf(line);
  if (problem || !workload) return problem;
  const m = line.measurement;
  if (m === undefined) return undefined;
  if (!isObject(m)) return `/measurement must be an object, not ${shown(m)}`;
  return countsProblem(m, workload) ?? clockProblem(m) ?? histogramsProblem(m) ?? timelineProblem(m) ?? failoverProblem(m);
}
