import { describe, expect, test } from 'vitest';
import { ClientCostMeter } from '../../src/metrics/client-cost.js';
import { nowUs } from '../../src/util/clock.js';

function busyWaitMs(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // blocks the event loop on purpose
  }
}

/** Meters `windowMs` of a loop that is blocked for `blockMs` every `everyMs` (0: never). */
async function metered(windowMs: number, blockMs: number, everyMs: number) {
  const meter = new ClientCostMeter();
  meter.start(nowUs());
  const timer = blockMs > 0 ? setInterval(() => busyWaitMs(blockMs), everyMs) : undefined;
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  clearInterval(timer);
  return meter.stop(nowUs());
}

describe('event-loop delay: the delay beyond the schedule, not the meter\'s own interval', () => {
  test('an idle loop reads about 0', async () => {
    const sample = await metered(1500, 0, 0);
    // the meter samples every 10 ms: reading ~10 ms here would be the interval, not a delay
    expect(sample.eventLoopDelayP99Us).toBeLessThan(3000);
  });

  test('a loop blocked 20 ms every 100 ms reads about 20 ms', async () => {
    const sample = await metered(2000, 20, 100);
    expect(sample.eventLoopDelayMaxUs).toBeGreaterThanOrEqual(15_000);
    expect(sample.eventLoopDelayMaxUs).toBeLessThan(28_000);
    expect(sample.eventLoopDelayP99Us).toBeGreaterThanOrEqual(10_000);
    expect(sample.eventLoopDelayP99Us).toBeLessThan(28_000);
  });
});
