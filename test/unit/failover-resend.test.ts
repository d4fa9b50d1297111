/** At-least-once resend (pure engine logic, a scripted producer): same id and sequence until acknowledged or given up. */
import { describe, expect, test } from 'vitest';
import type { Producer, SendDone } from '../../src/drivers/types.js';
import { readHeader } from '../../src/engine/header.js';
import { ProducerSlot } from '../../src/engine/producer-slot.js';
import { Recorder } from '../../src/engine/recorder.js';
import { nowUs, sleepMs } from '../../src/util/clock.js';

/** A producer whose first `failures` sends fail; it keeps every payload it was handed. */
function scriptedProducer(failures: number): Producer & { payloads: Buffer[] } {
  const payloads: Buffer[] = [];
  let left = failures;
  return {
    brokerAcks: true,
    payloads,
    send(payload) {
      payloads.push(payload);
      return left-- > 0 ? Promise.reject(new Error('channel closed')) : Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/** The same, offering the contract's callback form (sendWith), settled a tick later as a batching driver would. */
function scriptedCallbackProducer(failures: number): Producer & { payloads: Buffer[]; promiseSends: number } {
  const scripted = scriptedProducer(failures);
  const producer = {
    ...scripted,
    promiseSends: 0,
    send(payload: Buffer) {
      producer.promiseSends++;
      return scripted.send(payload);
    },
    sendWith(payload: Buffer, key: string | undefined, done: SendDone) {
      scripted.send(payload, key).then(
        () => setImmediate(() => done.settled()),
        (error: Error) => setImmediate(() => done.settled(error)),
      );
    },
  };
  return producer;
}

async function settled(slot: ProducerSlot): Promise<void> {
  for (let i = 0; i < 200 && slot.outstanding > 0; i++) await sleepMs(10);
}

/** A recorder measuring from now, with no failover plan (every other scenario). */
function measuringRecorder(): Recorder {
  const recorder = new Recorder(1, 1000);
  recorder.addProducer(0);
  recorder.startMeasuring(nowUs());
  return recorder;
}

function recorderFor(): Recorder {
  const recorder = new Recorder(1, 1000);
  recorder.addProducer(0);
  const start = nowUs();
  recorder.startMeasuring(start);
  recorder.recordFailover({ windowStartUs: start, faultAtUs: start + 1_000_000, restoreAtUs: start + 2_000_000 });
  return recorder;
}

const shape = { messageSize: 64, body: Buffer.alloc(32, 'x'), keyed: false, producers: 1 };

describe('resend under a failover plan', () => {
  test('a failed send is sent again with the same producer and sequence until acknowledged', async () => {
    const producer = scriptedProducer(3);
    const recorder = recorderFor();
    const slot = new ProducerSlot(0, producer, recorder, shape, undefined, { givingUp: () => false });
    slot.send(nowUs(), 7, true);
    await settled(slot);
    expect(producer.payloads).toHaveLength(4);
    expect(new Set(producer.payloads.map((p) => `${readHeader(p)?.producerId}:${readHeader(p)?.seq}`))).toEqual(new Set(['0:7']));
    const recording = recorder.close({});
    expect(recording.producers[0]).toMatchObject({ sent: 1, acked: 1, errors: 0 });
    expect(recording.failover?.resends).toBe(3);
    expect(recording.failover?.acks.reduce((a, b) => a + b, 0)).toBe(1);
  });

  test('once the run gives up, a failed send is a send error (never acknowledged), not retried', async () => {
    const producer = scriptedProducer(100);
    const recorder = recorderFor();
    let givingUp = false;
    const slot = new ProducerSlot(0, producer, recorder, shape, undefined, { givingUp: () => givingUp });
    slot.send(nowUs(), 0, true);
    await sleepMs(120);
    givingUp = true;
    await settled(slot);
    expect(slot.outstanding).toBe(0);
    const tries = producer.payloads.length;
    await sleepMs(100);
    expect(producer.payloads.length).toBe(tries);
    expect(recorder.close({}).producers[0]).toMatchObject({ sent: 1, acked: 0, errors: 1, failedSeqs: [0] });
  });

  test('through a driver\'s sendWith: the same resends, the same accounting, no promise send', async () => {
    const producer = scriptedCallbackProducer(2);
    const recorder = recorderFor();
    const slot = new ProducerSlot(0, producer, recorder, shape, undefined, { givingUp: () => false });
    slot.send(nowUs(), 3, true);
    slot.send(nowUs(), 4, true);
    await settled(slot);
    expect(slot.outstanding).toBe(0);
    expect(producer.promiseSends).toBe(0);
    expect(producer.payloads.map((p) => readHeader(p)?.seq)).toEqual([3, 4, 3, 4]);
    const recording = recorder.close({});
    expect(recording.producers[0]).toMatchObject({ sent: 2, acked: 2, errors: 0 });
    expect(recording.failover?.resends).toBe(2);
  });

  test('through sendWith without a policy: a failure is a send error, settled once', async () => {
    const producer = scriptedCallbackProducer(1);
    const recorder = measuringRecorder();
    const slot = new ProducerSlot(0, producer, recorder, shape, undefined);
    slot.send(nowUs(), 0, true);
    slot.send(nowUs(), 1, true);
    await settled(slot);
    expect(slot.outstanding).toBe(0);
    expect(recorder.close({}).producers[0]).toMatchObject({ sent: 2, acked: 1, errors: 1, failedSeqs: [0] });
  });

  test('a driver whose sendWith settles and then throws: the message is settled once, acknowledged', async () => {
    const recorder = measuringRecorder();
    const producer: Producer = {
      brokerAcks: true,
      send: () => Promise.reject(new Error('not used')),
      sendWith(_payload, _key, done) {
        done.settled();
        throw new Error('driver bug after settling');
      },
      close: () => Promise.resolve(),
    };
    const slot = new ProducerSlot(0, producer, recorder, shape, undefined);
    slot.send(nowUs(), 0, true);
    expect(slot.outstanding).toBe(0);
    expect(recorder.close({}).producers[0]).toMatchObject({ sent: 1, acked: 1, errors: 0 });
  });

  test('without a policy (every other scenario) a failure settles at once', async () => {
    const producer = scriptedProducer(1);
    const recorder = measuringRecorder();
    const slot = new ProducerSlot(0, producer, recorder, shape, undefined);
    slot.send(nowUs(), 0, true);
    await settled(slot);
    expect(producer.payloads).toHaveLength(1);
    expect(recorder.close({}).producers[0]).toMatchObject({ errors: 1 });
  });
});
