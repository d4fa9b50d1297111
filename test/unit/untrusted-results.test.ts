/**
 * Result files and pods' lines are input (issue 29, items 10 and 11): a forged or damaged one is refused
 * by field, in one line, before anything is allocated for it or merged; never an abort, a false
 * percentile or an "unexpected error".
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PartialMeasurement } from '../../src/engine/participant.js';
import { UsageError } from '../../src/errors.js';
import { HistogramRefusal, inspectEncodedHistogram, maxInflatedBytes } from '../../src/results/histogram-bounds.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { mergePods } from '../../src/k8s/merge.js';
import { partialsIn, type PodPartial } from '../../src/k8s/partial.js';
import { readResult } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { compressedHistogram, encoded, forgedHistogram, histogramHeader, inflatingHistogram, podLine, podWorkload, zigZag } from '../forged-files.js';
import { refusal } from '../refusal.js';


const latencies = Array.from({ length: 500 }, (_, i) => 40 + (i % 300));
const measurementOf = (p: PodPartial): PartialMeasurement => p.measurement as PartialMeasurement;
/** The pods' lines as `bench merge` reads them from a file, one line each, so they are named by file and line. */
const read = (...pods: PodPartial[]): PodPartial[] => partialsIn(pods.map((p) => JSON.stringify(p)).join('\n'), 'pods.log', () => undefined);

describe('an encoded histogram is read within bounds', () => {
  test.concurrent('what mqbench writes reads as the library reads it', () => {
    const facts = inspectEncodedHistogram(encoded(latencies));
    const decoded = decodeHistogram(encoded(latencies));
    expect(facts.totalCount).toBe(500);
    expect(decoded.totalCount).toBe(500);
    expect(facts.maxValue).toBe(339);
    decoded.destroy();
  });

  test.concurrent('a payload that inflates past what mqbench writes is refused before it is inflated (zlib maxOutputLength)', () => {
    const bomb = inflatingHistogram(20_000_000); // 20 MB of counts in ~30 kB of base64
    expect(bomb.length).toBeLessThan(40_000);
    const before = process.memoryUsage().rss;
    expect(() => decodeHistogram(bomb)).toThrow(new HistogramRefusal(`inflates to more than ${maxInflatedBytes} bytes, more than any histogram mqbench writes`));
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  test.concurrent('a value of 2^52 us, a bucket past 32 bits, a foreign header, counts past the end: each refused in words', () => {
    const refused = (encoded: string): string => {
      try {
        decodeHistogram(encoded).destroy();
      } catch (error) {
        expect(error).toBeInstanceOf(HistogramRefusal);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused(forgedHistogram(2 ** 52, 2 ** 32 - 1))).toBe('tracks values up to 9007199254740992 us, beyond the 8796093022208 us a result may hold');
    expect(refused(forgedHistogram(500, 2 ** 32))).toBe('has a bucket counting 4294967296 values, more than a 32-bit bucket holds');
    expect(refused(forgedHistogram(500, 1, { highest: 2 ** 20, digits: 5 }))).toBe('has 5 significant digits from 1 us, not the 3 from 1 us mqbench records');
    const past = Buffer.from([...zigZag(-40_000), ...zigZag(1)]);
    expect(refused(compressedHistogram(Buffer.concat([histogramHeader(past.length, { highest: 4096 }), past])))).toBe('has counts past its highest trackable value (bucket 40000 of 4096)');
    expect(refused('HISTFAKE')).toBe('is not a compressed HdrHistogram (V2) encoding');
  });
});

describe('a result file is checked before use (report, compare, check, trend)', () => {
  let dir: string;
  let real: RunResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqbench-untrusted-'));
    real = mergePods([podLine(0, latencies), podLine(1, latencies)]).result;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `text` written as a file, read as a result: the one line it is refused with, after the file's name. */
  async function refusedFile(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    const error = await readResult(path).then(() => undefined, (e: unknown) => e);
    expect(error, `${name} was accepted`).toBeInstanceOf(UsageError);
    return (error as Error).message.replace(`${path}: `, '');
  }
  const forged = (change: (r: RunResult) => void): string => {
    const copy = structuredClone(real);
    change(copy);
    return JSON.stringify(copy, null, 2);
  };

  test('the untouched result reads; the version 1 fixture too', async () => {
    await writeFile(join(dir, 'real.json'), JSON.stringify(real));
    expect((await readResult(join(dir, 'real.json'))).counts.received).toBe(1000);
    expect((await readResult(new URL('../fixtures/result-v1.json', import.meta.url).pathname)).schemaVersion).toBe(2);
  });

  test('"sent": 1e999 (Infinity once parsed) is refused by field, not shown as ∞', async () => {
    const text = forged(() => undefined).replace(/"sent": \d+/, '"sent": 1e999');
    expect(await refusedFile('infinite.json', text)).toBe('damaged result file: /counts/sent must be a finite number (it reads as Infinity)');
    const negative = forged(() => undefined).replace(/"cpuUs": [\d.]+/, '"cpuUs": -1e999');
    expect(await refusedFile('minus-infinite.json', negative)).toBe('damaged result file: /client/cpuUs must be a finite number (it reads as -Infinity)');
    expect(await refusedFile('huge.json', forged(() => undefined).replace(/"bytes": \d+/, '"bytes": 1e300'))).toBe('damaged result file: /timeline/0/bytes is 1e+300, beyond the numbers JSON can hold exactly (2^53)');
  });

  test('a file nested 100,000 levels deep is refused in one line, not with a stack overflow', async () => {
    const deep = `{"schemaVersion":2,"broker":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(await refusedFile('deep.json', deep)).toBe(`damaged result file: /broker${'/0'.repeat(31)} is nested more than 32 levels deep, deeper than anything mqbench writes`);
  });

  test('a histogram of 2^32 - 1 values of 2^52 us (every percentile 0 us before) is refused', async () => {
    const text = forged((r) => {
      r.latencyUs.endToEnd.hdr = forgedHistogram(2 ** 52, 2 ** 32 - 1);
    });
    expect(await refusedFile('big-value.json', text)).toBe('damaged result file: /latencyUs/endToEnd/hdr tracks values up to 9007199254740992 us, beyond the 8796093022208 us a result may hold');
  });

  test('a histogram that inflates without bound (2.3 GB RSS and an abort before) is refused', async () => {
    const text = forged((r) => {
      r.latencyUs.publish.hdr = inflatingHistogram(50_000_000);
    });
    expect(await refusedFile('bomb.json', text)).toBe(`damaged result file: /latencyUs/publish/hdr inflates to more than ${maxInflatedBytes} bytes, more than any histogram mqbench writes`);
  });

  test('a histogram must hold what its count says, and no more values than the messages it times', async () => {
    const mismatch = forged((r) => {
      r.latencyUs.endToEnd.count = 999;
    });
    expect(await refusedFile('count.json', mismatch)).toBe('damaged result file: /latencyUs/endToEnd/hdr holds 1000 values, but its count says 999');
    const more = forged((r) => {
      r.latencyUs.endToEnd.hdr = forgedHistogram(300, 5000);
      r.latencyUs.endToEnd.count = 5000;
    });
    expect(await refusedFile('more.json', more)).toBe('damaged result file: /latencyUs/endToEnd/count is 5000, more than the 1000 messages it times (/counts/received)');
    const order = forged((r) => {
      r.latencyUs.endToEnd.p99 = 1;
    });
    expect(await refusedFile('order.json', order)).toMatch(/^damaged result file: \/latencyUs\/endToEnd\/p99 is 1, below p90 \(\d+\)$/);
  });

  test('counts that contradict each other or the accounting they sum are refused', async () => {
    expect(await refusedFile('lost.json', forged((r) => void (r.counts.lost = r.counts.expected + 1)))).toBe('damaged result file: /counts/lost is 1001, more than the 1000 expected');
    expect(await refusedFile('sum.json', forged((r) => void (r.accounting[0] && (r.accounting[0].lost = 7))))).toBe('damaged result file: /counts/lost is 0, but the accounting\'s streams sum to 7');
  });

  test('a file far larger than any result is refused before it is read', async () => {
    const path = join(dir, 'large.json');
    await writeFile(path, '');
    await (await import('node:fs/promises')).truncate(path, 65 * 1024 * 1024);
    await expect(readResult(path)).rejects.toThrow(`${path}: 68157440 bytes, too large for a result file (at most 67108864)`);
  });

  test('what mqbench writes still reads back (its own histograms are within every bound)', async () => {
    const path = join(dir, 'again.json');
    await writeFile(path, JSON.stringify(real));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(await readResult(path));
  });
});

describe('bench merge refuses a bad or mismatched pod line by pod, line and field', () => {
  test.concurrent('negative counts', () => {
    const bad = podLine(1, latencies);
    (measurementOf(bad).producers[0] as { sent: number }).sent = -5;
    expect(refusal(() => mergePods(read(podLine(0, latencies), bad)))).toBe('pod 1 (pods.log:2): /measurement/producers/0/sent must be a count (a whole number >= 0), not -5; not merged');
    const stream = podLine(0, latencies);
    (measurementOf(stream).streams[0] as { counts: { duplicated: number } }).counts.duplicated = -1;
    expect(refusal(() => mergePods(read(stream, podLine(1, latencies))))).toBe('pod 0 (pods.log:1): /measurement/streams/0/counts/duplicated must be a count (a whole number >= 0), not -1; not merged');
  });

  test.concurrent('a bad histogram: not one, out of bounds, or more values than the pod received', () => {
    const garbage = podLine(1, latencies);
    measurementOf(garbage).histograms.endToEnd = 'HISTnonsense';
    expect(refusal(() => mergePods(read(podLine(0, latencies), garbage)))).toBe('pod 1 (pods.log:2): /measurement/histograms/endToEnd is not a compressed HdrHistogram (V2) encoding; not merged');
    const bomb = podLine(1, latencies);
    measurementOf(bomb).timeline.latency[0] = inflatingHistogram(10_000_000);
    expect(refusal(() => mergePods(read(podLine(0, latencies), bomb)))).toBe(`pod 1 (pods.log:2): /measurement/timeline/latency/0 inflates to more than ${maxInflatedBytes} bytes, more than any histogram mqbench writes; not merged`);
    const more = podLine(0, latencies);
    measurementOf(more).histograms.publish = forgedHistogram(300, 501);
    expect(refusal(() => mergePods(read(more, podLine(1, latencies))))).toBe('pod 0 (pods.log:1): /measurement/histograms/publish holds 501 values, more than the 500 messages this pod acked; not merged');
  });

  test.concurrent('pods that disagree on the message size (or anything else in the workload)', () => {
    const other = podLine(1, latencies);
    other.workload = { ...podWorkload, messageSize: 1024 };
    expect(refusal(() => mergePods(read(podLine(0, latencies), other)))).toBe('run abcd1234: pod 1 (pods.log:2) disagrees with pod 0 (pods.log:1) on /workload/messageSize (1024 vs 100): the pods of one run share one workload');
    const delivery = podLine(1, latencies);
    delivery.workload = { ...podWorkload, driver: { delivery: 'ack' } };
    expect(refusal(() => mergePods(read(podLine(0, latencies), delivery)))).toBe('run abcd1234: pod 1 (pods.log:2) disagrees with pod 0 (pods.log:1) on /workload/driver/delivery ("ack" vs "noack"): the pods of one run share one workload');
  });

  test.concurrent('what would have the merge build huge lists, or numbers that are not numbers', () => {
    const far = podLine(1, latencies);
    (measurementOf(far).timeline.points[0] as { second: number }).second = 1e9;
    expect(refusal(() => mergePods(read(podLine(0, latencies), far)))).toBe("pod 1 (pods.log:2): /measurement/timeline/points/0/second is past the pod's window (4 s at most); not merged");
    const many = podLine(0, latencies);
    many.workload = { ...podWorkload, producers: 1e9 };
    expect(refusal(() => mergePods([many]))).toBe('pod 0: /workload/producers is 1000000000, more than the 100000 a merge accepts; not merged');
    const infinite = partialsIn(JSON.stringify(podLine(0, latencies)).replace('"receivedBytes":50000', '"receivedBytes":1e999'), 'stdin', () => undefined);
    expect(refusal(() => mergePods(infinite))).toBe('pod 0 (stdin:1): /measurement/receivedBytes must be a finite number (it reads as Infinity); not merged');
    const size = podLine(0, latencies);
    size.workload = { ...podWorkload, messageSize: -1 };
    expect(refusal(() => mergePods([size]))).toBe('pod 0: /workload/messageSize must be >= 32; not merged');
  });

  test.concurrent('sound lines still merge', () => {
    const { result } = mergePods(read(podLine(0, latencies), podLine(1, latencies, 1)));
    expect(result.counts).toMatchObject({ sent: 1000, received: 501, lost: 499 });
  });
});
