/**
 * The open loop's producer that runs alone in its process (a --workers worker dealt one producer and
 * no consumer) sleeps its thread itself between sends, and only while nothing awaits the broker:
 * an acknowledgement must be timed when it arrives, never after a sleep.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { OpenLoop } from '../../src/engine/executors/open-loop.js';
import type { ExecutionContext } from '../../src/engine/executors/index.js';
import { ProducerSlot } from '../../src/engine/producer-slot.js';
import { Recorder } from '../../src/engine/recorder.js';
import { SelfSleeper } from '../../src/engine/self-sleep.js';
import type { Producer } from '../../src/drivers/types.js';
import { nowUs } from '../../src/util/clock.js';
import { loopMetered } from '../../src/engine/merge.js';

/** A producer whose sends settle `settleMs` after they are made (0: at once, as without broker acks). */
function fakeProducer(settleMs: number, settleDelaysUs: number[]): Producer {
  return {
    brokerAcks: settleMs > 0,
    send(): Promise<void> {
      if (settleMs === 0) return Promise.resolve();
      const sentUs = nowUs();
      return new Promise((resolve) =>
        setTimeout(() => {
          settleDelaysUs.push(nowUs() - sentUs);
          resolve();
        }, settleMs),
      );
    },
    close: () => Promise.resolve(),
  };
}

async function driveAlone(ratePerSec: number, settleMs: number, seconds: number): Promise<{ sent: number; settleDelaysUs: number[]; sendDelaysUs: number[] }> {
  const recorder = new Recorder(1, 1000);
  recorder.addProducer(0);
  const settleDelaysUs: number[] = [];
  const slot = new ProducerSlot(0, fakeProducer(settleMs, settleDelaysUs), recorder, { messageSize: 100, body: Buffer.alloc(100), keyed: false, producers: 1 }, undefined);
  const sendDelaysUs: number[] = [];
  const send = slot.send.bind(slot);
  slot.send = (intendedUs, seq, measured) => {
    sendDelaysUs.push(nowUs() - intendedUs);
    send(intendedUs, seq, measured);
  };
  const startUs = nowUs() + 20_000;
  recorder.startMeasuring(startUs);
  const context: ExecutionContext = {
    startUs,
    warmupEndUs: startUs,
    endUs: startUs + seconds * 1_000_000,
    shouldStop: () => false,
    recorder,
    inFlight: () => 0,
    waitForArrival: () => Promise.resolve(),
    producerAlone: true,
  };
  await new OpenLoop({ ratePerSec, producers: 1, maxOutstanding: 1000 }).drive(slot, context);
  await new Promise((resolve) => setTimeout(resolve, settleMs + 20));
  recorder.dispose();
  return { sent: sendDelaysUs.length, settleDelaysUs, sendDelaysUs };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

describe('an open-loop producer alone in its process', () => {
  afterEach(() => vi.restoreAllMocks());

  test('sleeps its thread itself when nothing awaits the broker, and stays on schedule', async () => {
    const sleep = vi.spyOn(SelfSleeper.prototype, 'sleepUntil');
    const { sent, sendDelaysUs } = await driveAlone(1000, 0, 0.5);
    // on a loaded machine the last few may fall due after the window closed behind schedule
    expect(sent).toBeGreaterThan(475);
    // every wait but the first (before the loop's start, beyond one self-sleep) sleeps the thread
    expect(sleep.mock.calls.length).toBeGreaterThan(450);
    expect(median(sendDelaysUs)).toBeLessThan(500);
  });

  test('does not sleep itself while a send awaits its acknowledgement, so the ack is timed when it comes', async () => {
    const sleep = vi.spyOn(SelfSleeper.prototype, 'sleepUntil');
    // a send every 20 ms, each acknowledged 2 ms later: sleeping itself would hold the ack for 18 ms
    const { sent, settleDelaysUs } = await driveAlone(50, 2, 0.5);
    expect(sent).toBe(25);
    expect(settleDelaysUs).toHaveLength(25);
    expect(median(settleDelaysUs)).toBeLessThan(8_000);
    // every wait began with the last send unacknowledged
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe("the client's event-loop delay beside a producer that sleeps itself", () => {
  const sample = (eventLoopDelayP99Us: number, loopSleepsItself?: boolean) => ({ cpuUs: 1, windowUs: 1, eventLoopDelayP99Us, eventLoopDelayMaxUs: eventLoopDelayP99Us, ...(loopSleepsItself ? { loopSleepsItself } : {}) });

  test("a loop that slept itself between sends does not count as a busy loop when another process's loop was metered", () => {
    expect(loopMetered([sample(480, true), sample(35)]).map((c) => c.eventLoopDelayP99Us)).toEqual([35]);
  });

  test('when every process slept itself, their readings are what there is', () => {
    expect(loopMetered([sample(480, true), sample(510, true)]).map((c) => c.eventLoopDelayP99Us)).toEqual([480, 510]);
  });
});
