/**
 * Coordinated omission, shown on a real RabbitMQ run: the consumer stalls the process for a known
 * time (as a GC pause or a slow handler would), which also stalls the open-loop producer. Latency
 * measured from the actual send time hides the stall; latency from the intended send time shows it.
 */
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { RabbitDriver } from '../../src/drivers/rabbit/driver.js';
import { inProcessMode } from '../../src/engine/in-process.js';
import { runWorkload, topologyOf, type RunHooks } from '../../src/engine/run.js';
import { planRun } from '../../src/plan/index.js';
import { nowUs } from '../../src/util/clock.js';
import { rabbitUrl } from '../helpers.js';

test('a 500 ms consumer stall shows in the corrected p99 and not in the uncorrected one', async () => {
  const pauseUs = 500_000;
  const workload = planRun({ rate: 1000, duration: '3s', warmup: '500ms', broker: 'rabbit', scenario: 'noack' }).workload;
  const driverOptions = { url: rabbitUrl, settings: workload.driver, connectTimeoutMs: 5000 };
  const driver = new RabbitDriver(driverOptions);
  await driver.connect();
  let firstMeasuredAt: number | undefined;
  let stalled = false;
  try {
    const hooks: RunHooks = {
      afterReceive: (receivedAt) => {
        firstMeasuredAt ??= receivedAt;
        if (!stalled && receivedAt - firstMeasuredAt > 1_000_000) {
          stalled = true;
          const until = nowUs() + pauseUs;
          while (nowUs() < until) {
            // a synchronous stall: nothing else in the process runs, the producer included
          }
        }
      },
    };
    const topology = topologyOf(workload, `co-${randomBytes(3).toString('hex')}`);
    const m = await runWorkload(driver, topology, inProcessMode(workload, hooks), hooks);
    expect(stalled).toBe(true);
    expect(m.counts.lost).toBe(0);
    const corrected = m.latencyUs.endToEnd;
    const uncorrected = m.latencyUs.endToEndUncorrected;
    // ~500 of the ~3000 measured messages were due during the stall; their corrected latencies are
    // spread evenly from the full pause down to 0, so the top 1% sits in the last few % below the
    // pause, and the worst one at or above it.
    expect(corrected.max).toBeGreaterThanOrEqual(pauseUs);
    expect(corrected.p99).toBeGreaterThanOrEqual(0.9 * pauseUs);
    // measured from the late actual send, the stall is (almost) invisible
    expect(uncorrected.p99).toBeLessThan(0.5 * pauseUs);
    expect(uncorrected.p99).toBeLessThan(corrected.p99);
    // the stall is accounted for as send delay, not hidden
    expect(m.latencyUs.sendDelay.max).toBeGreaterThanOrEqual(0.9 * pauseUs);
    process.stderr.write(
      `coordinated omission: stall ${pauseUs} us; corrected p99 ${corrected.p99} us, max ${corrected.max} us; uncorrected p99 ${uncorrected.p99} us\n`,
    );
  } finally {
    await driver.close();
  }
});
