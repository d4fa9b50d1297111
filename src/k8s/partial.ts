import type { PartialMeasurement } from '../engine/participant.js';
import type { BrokerRecord, Environment, Workload } from '../results/types.js';

/**
 * The one line a pod prints on stdout (`kubectl logs` carries it to `bench merge`). Times in
 * `measurement` are microseconds since the common start, on the pod's own clock, so pods on
 * different hosts line up on the start (wall clocks kept in step by NTP) and nothing else.
 */
export interface PodPartial {
  kind: 'mqbench-pod-partial';
  version: 1;
  runId: string;
  index: number;
  pods: number;
  host: string;
  /** the whole run's workload (not the pod's slice): a merge needs nothing else */
  workload: Workload;
  /** ok: ran its share; late: ready after start + slack, did not run; failed: stopped by an error */
  status: 'ok' | 'late' | 'failed';
  error?: string;
  /** when the pod was ready (consumers attached) relative to the common start (us; negative: it waited) */
  readyOffsetUs: number;
  startedAt: string;
  finishedAt: string;
  /** the run-wide producer ids this pod ran */
  producers: number[];
  broker?: BrokerRecord;
  environment: Environment;
  /** present when the pod measured (ok, or failed part-way through with what it had) */
  measurement?: PartialMeasurement;
}

const marker = '{"kind":"mqbench-pod-partial"';

export const encodePartial = (partial: PodPartial): string => JSON.stringify(partial);

/** Where each line read by partialsIn came from (`source:line`), for messages that name a pod. */
const origins = new WeakMap<PodPartial, string>();

/** "pod 2 (logs.txt:14)": a pod's line named for the user, with where it was read when known. */
export function podName(partial: PodPartial): string {
  const origin = origins.get(partial);
  return `pod ${String(partial.index)}${origin ? ` (${origin})` : ''}`;
}

/**
 * The pod partials in a text (a file, or `kubectl logs` of every pod, stderr lines and `--prefix`
 * included): each line's JSON from the marker on; other lines are ignored. A damaged line is reported.
 */
export function partialsIn(text: string, source: string, onDamaged: (line: string) => void): PodPartial[] {
  const found: PodPartial[] = [];
  text.split('\n').forEach((line, n) => {
    const at = line.indexOf(marker);
    if (at < 0) return;
    try {
      const partial = JSON.parse(line.slice(at)) as PodPartial;
      if (typeof partial === 'object' && partial !== null) origins.set(partial, `${source}:${n + 1}`);
      found.push(partial);
    } catch {
      onDamaged(`${source}:${n + 1}: a damaged pod result line (cut off?), ignored`);
    }
  });
  return found;
}
