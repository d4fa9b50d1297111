/**
 * The backlog gate (engine/backlog.ts) on simulated counters: consumers attach only once the backlog
 * reached its size, the drain is timed from the first receipt, and a backlog never reached or never
 * drained is said so. Pure logic: the counters are the test's.
 */
import { describe, expect, test } from 'vitest';
import { backlogMessages, drainedBelow, gateBacklog, type BacklogHooks } from '../../src/engine/backlog.js';
import type { LiveCounters } from '../../src/engine/recorder.js';
import type { Workload } from '../../src/results/types.js';
import { nowUs, sleepMs } from '../../src/util/clock.js';

const workload = { messageSize: 1000, subscriptions: 2, rate: 1000, backlogBytes: 100_000 } as Workload;

function counters(): LiveCounters {
  return { sentAll: 0, receivedAll: 0, errorsAll: 0, progress: 0, expected: 0, outstanding: 0, uniqueBySubscription: [0, 0] };
}

describe('backlog gate', () => {
  test('backlog: acknowledged sends over every subscription minus receipts (OMB: subscriptions x sent - received)', () => {
    expect(backlogMessages({ ...counters(), sentAll: 60, outstanding: 5, errorsAll: 5, receivedAll: 30 }, 2)).toBe(70);
    expect(drainedBelow(workload, 50)).toBe(200);
    expect(drainedBelow(workload, 100_000)).toBe(1000);
  });

  test('attaches once the backlog is built, then times the drain from the first receipt', async () => {
    const live = counters();
    let attachedAtSent = -1;
    let first = 0;
    let over = false;
    const hooks: BacklogHooks = {
      live: () => live,
      firstReceivedUs: () => first,
      attach: async () => void (attachedAtSent = live.sentAll),
      sendingDone: () => false,
      over: () => over,
    };
    const gate = gateBacklog(workload, nowUs(), hooks);
    for (let i = 0; i < 10; i++) {
      live.sentAll += 10; // 20 messages of backlog (2 subscriptions) each step: 50 reach 100,000 B
      await sleepMs(10);
    }
    expect(attachedAtSent).toBe(50);
    first = nowUs();
    live.receivedAll = 2 * live.sentAll - 100; // consumers caught up to 100 in flight, below 200
    const result = await gate;
    over = true;
    expect(result).toMatchObject({ targetBytes: 100_000, builtMessages: 100, builtBytes: 100_000, reachedTarget: true, drained: true, drainedBelowMessages: 200, drainMessages: 100 });
    expect(result.drainPerSec).toBeGreaterThan(0);
  });

  test('sending over before the backlog is built: attached anyway, not reached, not drained when over', async () => {
    const live = { ...counters(), sentAll: 10 };
    let attached = false;
    const result = await gateBacklog(workload, nowUs(), {
      live: () => live,
      firstReceivedUs: () => 0,
      attach: async () => void (attached = true),
      sendingDone: () => true,
      over: () => true,
    });
    expect(attached).toBe(true);
    expect(result).toMatchObject({ reachedTarget: false, builtMessages: 20, drained: false, drainMessages: 0 });
  });
});
