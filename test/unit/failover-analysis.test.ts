import { describe, expect, test } from 'vitest';
import { analyseFailover, faultInjected, faultTimes, outageOf, rateBefore, recoveryOf, type FailoverRecording } from '../../src/metrics/failover.js';
import { bucketUs, buckets, encoded } from './failover-buckets.js';
import type { Counts, FaultRecord } from '../../src/results/types.js';

const fault: FaultRecord = { kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: 15_000_000 };
const counts: Counts = { sent: 40_000, acked: 39_990, received: 39_995, expected: 39_990, lost: 0, duplicated: 12, reordered: 3, sendErrors: 10, receivedDespiteSendError: 5, arrivedAfterClose: 0 };

describe('outageOf', () => {
  test('the longest stretch ending after the fault, and the first success after it', () => {
    // idle before the fault (ordinary), a 3.2 s outage starting 0.5 s after the fault at 10 s
    const b = buckets(40_000, 10, [[2_000, 2_500], [10_500, 13_700]]);
    expect(outageOf(b, bucketUs, 10_000_000, 40_000_000)).toEqual({ unavailableUs: 3_200_000, unavailableFromUs: 10_500_000, firstSuccessAfterFaultUs: 3_700_000 });
  });

  test('a stretch that started before the fault counts from its start', () => {
    const b = buckets(40_000, 10, [[9_900, 12_000]]);
    expect(outageOf(b, bucketUs, 10_000_000, 40_000_000)).toEqual({ unavailableUs: 2_100_000, unavailableFromUs: 9_900_000, firstSuccessAfterFaultUs: 2_000_000 });
  });

  test('never back: the stretch runs to the end of the data, no first success', () => {
    const b = buckets(40_000, 10, [[10_000, 40_000]]);
    expect(outageOf(b, bucketUs, 10_000_000, 40_000_000)).toEqual({ unavailableUs: 30_000_000, unavailableFromUs: 10_000_000, firstSuccessAfterFaultUs: null });
  });

  test('no gap at all: zero, and the first success right at the fault', () => {
    const b = buckets(40_000, 10, []);
    expect(outageOf(b, bucketUs, 10_000_000, 40_000_000)).toEqual({ unavailableUs: 0, unavailableFromUs: 10_000_000, firstSuccessAfterFaultUs: 0 });
  });

  test('an empty array (nothing ever succeeded) is unavailable over the whole data', () => {
    expect(outageOf([], bucketUs, 10_000_000, 20_000_000)).toEqual({ unavailableUs: 20_000_000, unavailableFromUs: 0, firstSuccessAfterFaultUs: null });
  });
});

describe('throughput recovery', () => {
  test('rate before the fault, from the buckets', () => {
    expect(rateBefore(buckets(40_000, 10, []), bucketUs, 10_000_000)).toBe(1000);
  });

  test('back to 90% in the first whole second after the outage (backlog or not)', () => {
    const b = buckets(40_000, 10, [[10_000, 13_000]]);
    const outage = outageOf(b, bucketUs, 10_000_000, 40_000_000);
    expect(recoveryOf(b, bucketUs, 10_000_000, outage, 40_000_000, 1000)).toBe(4_000_000);
  });

  test('a slow return: 50% for 5 s after the outage, then full rate', () => {
    const b = buckets(40_000, 10, [[10_000, 13_000]]).map((n, i) => (i >= 1300 && i < 1800 ? 5 : n));
    const outage = outageOf(b, bucketUs, 10_000_000, 40_000_000);
    const recovery = recoveryOf(b, bucketUs, 10_000_000, outage, 40_000_000, 1000);
    // the first second reaching 900 receipts ends 0.8 s into the full-rate part: (1800 + 80) buckets
    expect(recovery).toBe(18_800_000 - 10_000_000);
  });

  test('a backlog delivered in a burst just before the data ends still counts', () => {
    // outage 10..24.8 s, then 4,000 receipts within 0.3 s and nothing more (producers had stopped)
    const b = buckets(25_100, 0, []).map((_, i) => (i < 1000 ? 10 : i >= 2480 ? 134 : 0));
    const outage = outageOf(b, bucketUs, 10_000_000, 25_100_000);
    expect(recoveryOf(b, bucketUs, 10_000_000, outage, 25_100_000, 1000)).toBe(25_800_000 - 10_000_000);
  });

  test('never back: null', () => {
    const b = buckets(40_000, 10, [[10_000, 40_000]]);
    const outage = outageOf(b, bucketUs, 10_000_000, 40_000_000);
    expect(recoveryOf(b, bucketUs, 10_000_000, outage, 40_000_000, 1000)).toBeNull();
  });
});

describe('analyseFailover', () => {
  const recording: FailoverRecording = {
    bucketUs,
    acks: buckets(40_000, 10, [[10_000, 12_000]]),
    receipts: buckets(40_000, 10, [[10_000, 12_500]]),
    phases: { before: encoded([1000, 2000, 3000]), during: encoded([2_000_000, 5_000_000]), after: encoded([1500]) },
    resends: 7,
    resendReasons: [{ reason: 'channel closed', count: 7 }],
  };

  test('the block: fault from its event, outage per direction, phases, the message account', () => {
    const events = [
      { atUs: 10_050_000, kind: 'fault-injected', detail: 'kill node 1' },
      { atUs: 25_100_000, kind: 'fault-restored', detail: 'node 1 is back' },
    ];
    const f = analyseFailover({ recording, fault, events, sendEndUs: 40_000_000, receiveEndUs: 40_000_000, counts, brokerAcks: true });
    expect(f.faultAtUs).toBe(10_050_000);
    expect(f.restoredAtUs).toBe(25_100_000);
    expect(f.publish).toEqual({ unavailableUs: 2_000_000, unavailableFromUs: 10_000_000, firstSuccessAfterFaultUs: 1_950_000 });
    expect(f.consume.unavailableUs).toBe(2_500_000);
    expect(f.latency.before.count).toBe(3);
    expect(f.latency.during.p99Us).toBeGreaterThanOrEqual(4_990_000);
    expect(f.latency.after).toMatchObject({ count: 1 });
    expect(f).toMatchObject({ ackedThenLost: 0, neverAckedLost: 5, neverAckedDelivered: 5, resends: 7, duplicated: 12, reordered: 3 });
  });

  test('acknowledged-then-lost is the accounting loss, never hidden', () => {
    const f = analyseFailover({ recording, fault, events: [], sendEndUs: 40_000_000, receiveEndUs: 40_000_000, counts: { ...counts, lost: 42 }, brokerAcks: true });
    expect(f.ackedThenLost).toBe(42);
    // no event: the planned time
    expect(f.faultAtUs).toBe(10_000_000);
    expect(f.restoredAtUs).toBeNull();
  });

  test('no broker acknowledgements: the publish direction says nothing', () => {
    const f = analyseFailover({ recording, fault, events: [], sendEndUs: 40_000_000, receiveEndUs: 40_000_000, counts, brokerAcks: false });
    expect(f.publish).toEqual({ unavailableUs: 0, unavailableFromUs: 10_000_000, firstSuccessAfterFaultUs: null });
  });

  test('a fault the injector could not inject is flagged, not taken as done', () => {
    expect(faultInjected([{ atUs: 5, kind: 'fault-failed', detail: 'node 1 is not running' }])).toBe(false);
    expect(faultInjected([{ atUs: 5, kind: 'fault-injected', detail: 'x' }, { atUs: 9, kind: 'fault-failed', detail: 'restore' }])).toBe(true);
    expect(faultInjected([])).toBe(true);
  });

  test('fault times: the injector event wins over the plan', () => {
    expect(faultTimes(fault, [{ atUs: 11_000_000, kind: 'fault-injected', detail: 'x' }])).toEqual({ atUs: 11_000_000, restoringAtUs: null, restoredAtUs: null });
  });

  test('the fault\'s gap and the restore\'s gap are told apart: a longer one when the node rejoins does not hide the kill\'s', () => {
    // a 0.3 s gap at the kill (10 s), the restore begins at 18 s, and a 0.7 s gap when the node rejoins at 23 s
    const acks = buckets(40_000, 3, [[10_000, 10_300], [23_000, 23_700]]);
    const receipts = buckets(40_000, 3, [[10_000, 10_400], [23_000, 23_700]]);
    const recording: FailoverRecording = { bucketUs, acks, receipts, phases: { before: encoded([]), during: encoded([]), after: encoded([]) }, resends: 0, resendReasons: [] };
    const events = [{ atUs: 10_000_000, kind: 'fault-injected', detail: 'x' }, { atUs: 18_000_000, kind: 'fault-restoring', detail: 'y' }, { atUs: 24_000_000, kind: 'fault-restored', detail: 'z' }];
    const f = analyseFailover({ recording, fault, events, sendEndUs: 40_000_000, receiveEndUs: 40_000_000, counts, brokerAcks: true });
    expect(f.publish).toEqual({ unavailableUs: 300_000, unavailableFromUs: 10_000_000, firstSuccessAfterFaultUs: 300_000 });
    expect(f.consume.unavailableUs).toBe(400_000);
    expect(f.restoreGaps).toEqual({
      publish: { unavailableUs: 700_000, unavailableFromUs: 23_000_000, firstSuccessAfterFaultUs: 13_700_000 },
      consume: { unavailableUs: 700_000, unavailableFromUs: 23_000_000, firstSuccessAfterFaultUs: 13_700_000 },
    });
    // a gap that began in the fault and lasted past the restore's start is the fault's, in full, not the restore's
    const nacked = buckets(40_000, 3, [[10_000, 24_000]]);
    const long = analyseFailover({ recording: { ...recording, acks: nacked }, fault, events, sendEndUs: 40_000_000, receiveEndUs: 40_000_000, counts, brokerAcks: true });
    expect(long.publish.unavailableUs).toBe(14_000_000);
    expect(long.restoreGaps?.publish?.unavailableUs).toBe(0);
    // never restored within the data (--fault-for never: the restore begins after the run): no restore gaps
    const never = analyseFailover({ recording, fault, events: [events[0] as (typeof events)[0], { atUs: 41_000_000, kind: 'fault-restoring', detail: 'y' }], sendEndUs: 40_000_000, receiveEndUs: 40_000_000, counts, brokerAcks: true });
    expect(never.restoreGaps).toBeUndefined();
  });
});
