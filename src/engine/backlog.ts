/**
 * The backlog run's gate (OpenMessaging Benchmark's consumerBacklogSizeGB): the participant's
 * consumers are not attached at the start; producers build a backlog on the broker, then the gate
 * attaches the consumers and watches them drain it while producers go on at the rate. Generic: what
 * holds the backlog is the broker (a plug-in says it can through its mapping of the scenario); the
 * gate only delays `attach` and reads the recorder's counters.
 */
import type { BacklogResult, Workload } from '../results/types.js';
import { nowUs, sleepMs } from '../util/clock.js';
import type { LiveCounters } from './recorder.js';

/** How often the gate looks at the counters: the build, first receipt and drained times are this exact. */
const pollMs = 5;

/** What the gate needs from the participant. */
export interface BacklogHooks {
  live(): LiveCounters;
  /** when the first message arrived, or 0 */
  firstReceivedUs(): number;
  /** attaches every consumer of the participant and waits until they are ready (bounded by the caller) */
  attach(): Promise<void>;
  /** producers are done (the window ended, or the run stops) */
  sendingDone(): boolean;
  /** the participant is finished (drained or gave up): the gate stops watching */
  over(): boolean;
}

/** Messages acknowledged and not received, over every subscription (OMB: subscriptions x sent - received). */
export function backlogMessages(live: LiveCounters, subscriptions: number): number {
  return Math.max(0, subscriptions * (live.sentAll - live.outstanding - live.errorsAll) - live.receivedAll);
}

/**
 * Drained: consumers caught up with producers, at most 100 ms of the rate (every subscription) or 1 %
 * of the backlog built still in flight, whichever is more (OMB: 1,000 messages, or its backlogDrainRatio).
 */
export function drainedBelow(workload: Workload, builtMessages: number): number {
  const rate = workload.rate === 'max' ? 0 : workload.rate;
  return Math.max(1, Math.ceil((rate * workload.subscriptions) / 10), Math.ceil(builtMessages / 100));
}

async function until(done: () => boolean, stop: () => boolean): Promise<boolean> {
  while (!done()) {
    if (stop()) return false;
    await sleepMs(pollMs);
  }
  return true;
}

/**
 * Runs the gate from the common start `startUs`: waits for the backlog, attaches the consumers, then
 * times the drain. Resolves with the figures once drained or once the participant is over.
 */
export async function gateBacklog(workload: Workload, startUs: number, hooks: BacklogHooks): Promise<BacklogResult> {
  const targetBytes = workload.backlogBytes ?? 0;
  const subscriptions = workload.subscriptions;
  const backlog = (): number => backlogMessages(hooks.live(), subscriptions);
  const reachedTarget = await until(() => backlog() * workload.messageSize >= targetBytes, hooks.sendingDone);
  const builtMessages = backlog();
  const attachAskedUs = nowUs();
  // watched while the consumers attach: a broker may hand a consumer the whole backlog before its attach returns
  const attaching = hooks.attach();
  const receiving = await until(() => hooks.firstReceivedUs() > 0, hooks.over);
  const firstReceiptUs = hooks.firstReceivedUs() || nowUs();
  const below = drainedBelow(workload, builtMessages);
  // nothing received is never drained, however small the backlog
  const drained = receiving && (await until(() => backlog() <= below, hooks.over));
  const drainUs = Math.max(1, nowUs() - firstReceiptUs);
  const drainMessages = hooks.live().receivedAll;
  await attaching;
  return {
    targetBytes,
    builtMessages,
    builtBytes: builtMessages * workload.messageSize,
    buildUs: Math.max(0, attachAskedUs - startUs),
    reachedTarget,
    attachUs: Math.max(0, firstReceiptUs - attachAskedUs),
    drained,
    drainedBelowMessages: below,
    drainUs,
    drainMessages,
    drainPerSec: drainMessages / (drainUs / 1e6),
    drainMbPerSec: (drainMessages * workload.messageSize) / (drainUs / 1e6) / 1e6,
  };
}
