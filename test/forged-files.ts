/**
 * What the untrusted-file tests forge. Pods' result lines as `bench worker` prints them, and HdrHistogram
 * encodings in the compressed V2 format mqbench stores (hdr-histogram-js's encoding.js), written byte
 * by byte so a test can put in them what mqbench never would: a value of 2^52 us, a bucket counting
 * 2^32 - 1, a payload that inflates to gigabytes.
 */
import { deflateSync } from 'node:zlib';
import type { PartialMeasurement } from '../src/engine/participant.js';
import type { PodPartial } from '../src/k8s/partial.js';
import { createHistogram, encodeHistogram, latenciesOf } from '../src/metrics/histogram.js';
import { describeEnvironment } from '../src/results/environment.js';
import type { Workload } from '../src/results/types.js';

/** Two pods, two producers, closed loop, 100 B messages. */
export const podWorkload: Workload = {
  broker: 'memory', scenario: 'noack', stream: 'noack', durationUs: 2_000_000, warmupUs: 1_000_000, drainTimeoutUs: 5_000_000,
  stallTimeoutUs: 10_000_000, messageSize: 100, rate: 'max', inflight: 100, maxOutstanding: 100, producers: 2, consumers: 2,
  partitions: 2, subscriptions: 1, messages: null, keyed: true, driver: { delivery: 'noack' },
};

/** A histogram of these values, encoded as mqbench stores it. */
export function encoded(values: readonly number[]): string {
  const h = createHistogram();
  for (const v of values) h.recordValue(v);
  const text = encodeHistogram(h);
  h.destroy();
  return text;
}

/**
 * Pod `index`'s line (of 2): its producer sent `latencies.length` messages, the first `received` of
 * them arrived, with these latencies.
 */
export function podLine(index: number, latencies: readonly number[], received = latencies.length): PodPartial {
  const n = latencies.length;
  const timed = encoded(latencies.slice(0, received));
  const measurement: PartialMeasurement = {
    producers: [{ id: index, sent: n, acked: n, errors: 0, failedSeqs: [] }],
    consumers: [{ subscription: 0, consumer: index, received }],
    streams: [{ subscription: 0, producer: index, counts: { received, duplicated: 0, reordered: 0, receivedDespiteSendError: 0 } }],
    histograms: latenciesOf((name) => (name === 'endToEnd' || name === 'endToEndUncorrected' ? timed : encoded([]))),
    timeline: { points: [{ second: 0, sent: n, acked: n, received, bytes: received * 100, p99Us: 0, coveredUs: 0 }], latency: { 0: timed } },
    receivedBytes: received * 100, foreignMessages: 0, arrivedAfterClose: 0, lateness: { lateSends: 0, heldByCap: 0 },
    lastReceiptUs: 2_900_000, clientCost: { cpuUs: 1000, windowUs: 2_000_000, eventLoopDelayP99Us: 100, eventLoopDelayMaxUs: 200 },
    startUs: 0, warmupEndUs: 1_000_000, endUs: 3_000_000, producersDoneUs: 3_000_000, finishedUs: 3_100_000,
  };
  return {
    kind: 'mqbench-pod-partial', version: 1, runId: 'abcd1234', index, pods: 2, host: `node-${index}`, workload: podWorkload, status: 'ok',
    readyOffsetUs: -1_500_000, startedAt: '2026-11-25T10:00:00.000Z', finishedAt: '2026-11-25T10:00:05.000Z', producers: [index],
    environment: describeEnvironment(), measurement,
  };
}

export interface ForgedHeader {
  /** highest trackable value in the header (us) */
  highest: number;
  digits?: number;
  lowest?: number;
}

/** The 40-byte uncompressed header: cookie, payload length, offset, digits, lowest, highest, ratio. */
export function histogramHeader(payloadBytes: number, { highest, digits = 3, lowest = 1 }: ForgedHeader): Buffer {
  const h = Buffer.alloc(40);
  h.writeInt32BE(0x1c849313, 0);
  h.writeInt32BE(payloadBytes, 4);
  h.writeInt32BE(0, 8);
  h.writeInt32BE(digits, 12);
  h.writeBigInt64BE(BigInt(lowest), 16);
  h.writeBigInt64BE(BigInt(highest), 24);
  h.writeBigInt64BE(1n, 32);
  return h;
}

/** ZigZag LEB128-64b9B, as hdr-histogram-js writes a count (negative: a run of empty buckets). */
export function zigZag(value: number): number[] {
  let z = value >= 0 ? BigInt(value) * 2n : BigInt(-value) * 2n - 1n;
  const bytes: number[] = [];
  for (let i = 0; i < 8; i++) {
    if (z < 128n) return [...bytes, Number(z)];
    bytes.push(Number(z & 127n) | 128);
    z >>= 7n;
  }
  return [...bytes, Number(z)];
}

/** Compressed and base64'd as a result's `hdr` field holds it: a cookie, the deflated length, the deflated bytes. */
export function compressedHistogram(inflated: Buffer): string {
  const deflated = deflateSync(inflated);
  const out = Buffer.alloc(8 + deflated.length);
  out.writeInt32BE(0x1c849314, 0);
  out.writeInt32BE(deflated.length, 4);
  deflated.copy(out, 8);
  return out.toString('base64');
}

/** Counts-array index of `value` for 3 significant digits from 1 us (sub-buckets of 2,048, halves of 1,024). */
export function indexOf(value: number): number {
  const bucket = Math.max(0, Math.floor(Math.log2(value)) - 10);
  const subBucket = Math.floor(value / 2 ** bucket);
  return bucket === 0 ? subBucket : (bucket + 1) * 1024 + (subBucket - 1024);
}

/** A histogram holding `count` values of `value`, with the header's highest trackable value given. */
export function forgedHistogram(value: number, count: number, head: ForgedHeader = { highest: 2 * value }): string {
  const at = indexOf(value);
  const payload = Buffer.from([...(at > 0 ? zigZag(-at) : []), ...zigZag(count)]);
  return compressedHistogram(Buffer.concat([histogramHeader(payload.length, head), payload]));
}

/** A histogram whose counts inflate to `bytes` bytes (empty buckets, one byte each): a few kB compressed. */
export function inflatingHistogram(bytes: number): string {
  return compressedHistogram(Buffer.concat([histogramHeader(bytes, { highest: 2 ** 20 }), Buffer.alloc(bytes)]));
}
