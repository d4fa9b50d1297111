import { describe, expect, test } from 'vitest';
import type { FailoverRecording, GroupRecording } from '../../src/metrics/failover.js';
import { bucketUs, buckets, encoded } from './failover-buckets.js';
import { outageSince } from '../../src/metrics/failover.js';
import { divergenceOf } from '../../src/metrics/divergence.js';
import { analysePopulations, type PlacedClients } from '../../src/metrics/populations.js';
import type { StreamAccount } from '../../src/results/types.js';

function group(key: string, acks: number[], receipts: number[], during: number[] = []): GroupRecording {
  return { key, acks, receipts, phases: { before: encoded([1000]), during: encoded(during), after: encoded([2000]) } };
}

const account = (producer: number, lost: number, duplicated: number): StreamAccount => ({ subscription: 0, producer, expected: 100, received: 100 - lost, lost, duplicated, reordered: 0, receivedDespiteSendError: 0 });

// node 1 (position 0) killed at 10 s: its producer and consumer out for 9.8 s; survivors' producers out 0.3 s; late joiners opened at 10.05 s, first ack at 19.9 s
const recording: FailoverRecording = {
  bucketUs,
  acks: [],
  receipts: [],
  phases: { before: '', during: '', after: '' },
  resends: 0,
  resendReasons: [],
  groups: [
    group('node:0', buckets(40_000, 2, [[10_000, 19_800]]), buckets(40_000, 5, [[10_000, 10_320]]), [7_000_000]),
    group('node:1', buckets(40_000, 2, [[10_000, 10_300]]), [], [250_000]),
    group('node:2', buckets(40_000, 2, [[10_000, 10_310]]), [], [260_000]),
    group('late', buckets(40_000, 2, [], 19_900), [], [9_000_000]),
  ],
};

const placed: PlacedClients = {
  nodeNumbers: [1, 2, 3],
  failedPosition: 0,
  producers: [{ id: 0, position: 0 }, { id: 1, position: 1 }, { id: 2, position: 2 }],
  consumers: [0],
  lateJoiners: { ids: [3, 4], joinedAtUs: 10_050_000, positions: [1, 2] },
};

describe('client populations of a failover run', () => {
  const populations = analysePopulations({
    recording,
    placed,
    accounting: [account(0, 0, 5), account(1, 0, 3), account(2, 0, 4), account(3, 1, 0)],
    faultUs: 10_000_000,
    restoringUs: null,
    sendEndUs: 40_000_000,
    receiveEndUs: 40_000_000,
    brokerAcks: true,
  });

  test('survivors: the producers on nodes that lived, their own short gap and their own duplicates', () => {
    const survivors = populations.find((p) => p.population === 'survivors');
    expect(survivors).toMatchObject({ producers: 2, consumers: 0, nodes: [2, 3], consume: null, ackedThenLost: 0, duplicated: 7 });
    // the longest of the two groups' stretches, summed bucket by bucket: both empty only while both are
    expect(survivors?.publish).toEqual({ unavailableUs: 300_000, unavailableFromUs: 10_000_000, firstSuccessAfterFaultUs: 300_000 });
    expect(survivors?.latency.during).toMatchObject({ count: 2 });
  });

  test('failed node: its producer out 9.8 s, its consumer 0.32 s', () => {
    const failed = populations.find((p) => p.population === 'failed-node');
    expect(failed).toMatchObject({ producers: 1, consumers: 1, nodes: [1], duplicated: 5 });
    expect(failed?.publish?.unavailableUs).toBe(9_800_000);
    expect(failed?.consume?.unavailableUs).toBe(320_000);
    expect(failed?.latency.during.p50Us).toBeGreaterThan(6_900_000);
  });

  test('late joiners: the gap counts from when they opened, not from the window start; their loss is theirs', () => {
    const late = populations.find((p) => p.population === 'late-joiners');
    expect(late).toMatchObject({ producers: 2, consumers: 0, nodes: [2, 3], joinedAtUs: 10_050_000, consume: null, ackedThenLost: 1 });
    expect(late?.publish).toEqual({ unavailableUs: 9_850_000, unavailableFromUs: 10_050_000, firstSuccessAfterFaultUs: 9_900_000 });
  });

  test('a population with no client is left out; sends without broker acks give no publish figure', () => {
    const noLate = analysePopulations({ recording, placed: { ...placed, lateJoiners: undefined, producers: placed.producers.slice(1), consumers: [1] }, accounting: [], faultUs: 10_000_000, restoringUs: null, sendEndUs: 40_000_000, receiveEndUs: 40_000_000, brokerAcks: false });
    expect(noLate.map((p) => p.population)).toEqual(['survivors']);
    expect(noLate[0]?.publish).toBeNull();
  });
});

describe('divergence of a partition', () => {
  // the fault at 10 s, the heal (restore) begun at 20 s: acks in [10 s, 20 s) count as taken while apart
  const populations = analysePopulations({ recording, placed, accounting: [account(0, 7, 0), account(1, 0, 0), account(2, 0, 0), account(3, 1, 0)], faultUs: 10_000_000, restoringUs: 20_000_000, sendEndUs: 40_000_000, receiveEndUs: 40_000_000, brokerAcks: true });

  test('each population counts the acks its producers got between the fault and the restore', () => {
    const during = Object.fromEntries(populations.map((p) => [p.population, p.ackedDuringFault]));
    // failed node: only 19.8-20 s (20 buckets of 2); survivors: 1 s less 0.30 and 0.31 s of gap, 2 per bucket each; late: 19.9-20 s
    expect(during).toEqual({ 'failed-node': 40, survivors: 1940 + 1938, 'late-joiners': 20 });
  });

  test('both sides took writes: a split brain, with what each side lost', () => {
    expect(divergenceOf(populations)).toEqual({
      bothSidesAccepted: true,
      cutSide: { producers: 1, ackedDuringPartition: 40, ackedThenLost: 7 },
      majoritySide: { producers: 4, ackedDuringPartition: 1940 + 1938 + 20, ackedThenLost: 1 },
    });
  });

  test('the failed node\'s clients count only until a client lost its connection: later acks came from a survivor', () => {
    const reconnected = analysePopulations({ recording, placed, accounting: [], faultUs: 10_000_000, restoringUs: 20_000_000, firstConnectionLostUs: 15_000_000, sendEndUs: 40_000_000, receiveEndUs: 40_000_000, brokerAcks: true });
    const during = Object.fromEntries(reconnected.map((p) => [p.population, p.ackedDuringFault]));
    // the failed node's producer got its acks at 19.8-20 s, after the loss: none while on the cut node; the others are unchanged
    expect(during).toEqual({ 'failed-node': 0, survivors: 1940 + 1938, 'late-joiners': 20 });
    expect(divergenceOf(reconnected)?.bothSidesAccepted).toBe(false);
  });

  test('a cut side that took nothing is no split brain; no producer on one side, or no broker acks: no divergence at all', () => {
    const silent = populations.map((p) => (p.population === 'failed-node' ? { ...p, ackedDuringFault: 0 } : p));
    expect(divergenceOf(silent)?.bothSidesAccepted).toBe(false);
    expect(divergenceOf(populations.filter((p) => p.population !== 'failed-node'))).toBeUndefined();
    expect(divergenceOf(populations.map((p) => ({ ...p, ackedDuringFault: null })))).toBeUndefined();
  });
});

describe('outageSince', () => {
  test('clients that never got an answer: unavailable from when they opened to the end, never back', () => {
    const none = buckets(40_000, 0, []);
    expect(outageSince(none, bucketUs, 12_000_000, 10_000_000, 40_000_000)).toEqual({ unavailableUs: 28_000_000, unavailableFromUs: 12_000_000, firstSuccessAfterFaultUs: null });
  });

  test('answered at once: no gap, first success right after they opened', () => {
    const at = buckets(40_000, 1, [], 12_000);
    expect(outageSince(at, bucketUs, 12_000_000, 10_000_000, 40_000_000)).toEqual({ unavailableUs: 0, unavailableFromUs: 12_000_000, firstSuccessAfterFaultUs: 2_000_000 });
  });
});
