import { describe, expect, it } from 'vitest';
import { median, ratio, relativeSpread, summarize } from '../../src/drivers/native-tool/stats.js';
import { inflightLikeJavaProducer, parseConsumerPerformance, parseConsumerProgress, parseEndToEndLatency, parseProducerPerformance, steadyConsumedRate } from '../../src/drivers/kafka/calibrate.js';
import { parsePerfTest } from '../../src/drivers/rabbit/calibrate.js';

describe('calibration statistics', () => {
  it('median: odd counts take the middle, even counts the mean of the middle two, order does not matter', () => {
    expect(median([3])).toBe(3);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
  });

  it('summarize: median with min-max spread and count', () => {
    expect(summarize([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
    expect(relativeSpread(summarize([90, 100, 110]))).toBeCloseTo(0.2);
    expect(relativeSpread(summarize([0, 0]))).toBeNull();
  });

  it('ratio is mqbench / native, null when there is nothing to divide by', () => {
    expect(ratio(90, 100)).toBeCloseTo(0.9);
    expect(ratio(100, 0)).toBeNull();
    expect(ratio(Number.NaN, 100)).toBeNull();
    expect(ratio(100, Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('native tool output', () => {
  const perfTest = [
    'id: x, time 1.007 s, sent: 10696 msg/s, received: 7313 msg/s, min/median/75th/95th/99th consumer latency: 77598/328374/353868/426325/448983 µs',
    'id: x, time 2.005 s, sent: 9774 msg/s, received: 10487 msg/s, min/median/75th/95th/99th consumer latency: 48598/119129/337965/414127/457086 µs',
    'id: x, time 3.001 s, sent: 10605 msg/s, received: 12042 msg/s, min/median/75th/95th/99th consumer latency: 94335/184298/296513/346839/365997 µs',
    'id: x, time 4.001 s, sent: 12165 msg/s, received: 9717 msg/s, min/median/75th/95th/99th consumer latency: 30788/170401/234061/308966/318698 µs',
    'test stopped (Reached time limit)',
    'id: x, sending rate avg: 10096 msg/s',
    'id: x, receiving rate avg: 9575 msg/s',
    'id: x, consumer latency min/median/75th/95th/99th 29378/216105/319554/414615/450047 µs',
  ].join('\n');

  it('PerfTest: rates and latency from the seconds after the warm-up; the whole-run summary kept apart', () => {
    const values = parsePerfTest(perfTest, 2);
    expect(values.sent).toBe((10605 + 12165) / 2);
    expect(values.received).toBe((12042 + 9717) / 2);
    expect(values.p50).toBe((184298 + 170401) / 2);
    expect(values.p99).toBe((365997 + 318698) / 2);
    expect(values).toMatchObject({ sentRun: 10096, receivedRun: 9575, p50Run: 216105, p99Run: 450047 });
  });

  it('PerfTest: milliseconds (--use-millis) become microseconds; no summary is an error', () => {
    const millis = 'sending rate avg: 5 msg/s\nreceiving rate avg: 5 msg/s\nconsumer latency min/median/75th/95th/99th 1/2/3/4/5 ms';
    expect(parsePerfTest(millis, 0)).toMatchObject({ sent: 5, received: 5, p50Run: 2000, p99Run: 5000 });
    expect(() => parsePerfTest('Connection refused', 0)).toThrow('PerfTest printed no summary: Connection refused');
  });

  it('Kafka tools: ProducerPerformance, ConsumerPerformance and EndToEndLatency summaries', () => {
    expect(parseProducerPerformance('105969 records sent, 21189.6 records/sec (2.02 MB/sec), 1455.3 ms avg latency, 2426.0 ms max latency.\n1000000 records sent, 66586.8 records/sec (6.35 MB/sec), 2737.42 ms avg latency, 4686.00 ms max latency, 2985 ms 50th, 4378 ms 95th, 4537 ms 99th, 4685 ms 99.9th.')).toBe(66586.8);
    const consumer = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n2026-11-25 12:40:52:380, 2026-11-25 12:40:59:665, 95.3674, 13.0909, 1000000, 137268.3596, 1057, 6228, 15.3127, 160565.1895';
    expect(parseConsumerPerformance(consumer)).toBeCloseTo(160565.1895);
    expect(parseEndToEndLatency('0\t139.48\nAvg latency: 2.9177 ms\nPercentiles: 50th = 1, 99th = 24, 99.9th = 96')).toEqual({ mean: 2917.7, p50: 1000, p99: 24000 });
    expect(() => parseConsumerPerformance('WARNING: Exiting before consuming the expected number of messages')).toThrow('ConsumerPerformance printed no summary');
  });

  it('Kafka tools at once: the consumer\'s progress after the warm-up and before the producer ended', () => {
    const lines = [
      'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
      'WARN  o.apache.kafka.clients.NetworkClient - a log line in between',
      '2026-12-01T11:18:39.888Z, 0, 0.0000, 0.0000, 0, 0.0000, 546, 497, 0.0000, 0.0000',
      '2026-12-01T11:18:40.890Z, 0, 6.7933, 6.6293, 71233, 69512.9741, 0, 1002, 6.6293, 69512.9741',
      '2026-12-01T11:18:41.899Z, 0, 21.1087, 14.1877, 221341, 148769.0783, 0, 1009, 14.1877, 148769.0783',
      '2026-12-01T11:18:42.899Z, 0, 47.6720, 26.5633, 499877, 278536.0000, 0, 1000, 26.5633, 278536.0000',
      '2026-12-01T11:18:43.899Z, 0, 75.9995, 28.3276, 796913, 297036.0000, 0, 1000, 28.3276, 297036.0000',
      '2026-12-01T11:18:44.899Z, 0, 103.8330, 27.8335, 1088768, 291855.0000, 0, 1000, 27.8335, 291855.0000',
      // the producer's last second and after: a consumer catching up on a backlog is not the sustained rate
      '2026-12-01T11:18:45.899Z, 0, 133.4732, 29.6402, 1999568, 910800.0000, 0, 1000, 29.6402, 910800.0000',
    ].join('\n');
    const progress = parseConsumerProgress(lines);
    expect(progress.map((p) => p.messages)).toEqual([0, 71233, 221341, 499877, 796913, 1088768, 1999568]);
    expect(parseConsumerProgress('2026-12-01T12:18:42.899+01:00, 0, 47.6720, 26.5633, 499877, 278536.0000, 0, 1000, 26.5633, 278536.0000')).toEqual([{ atMs: Date.parse('2026-12-01T11:18:42.899Z'), messages: 499877 }]);
    // first records at 40.890; warm-up 2 s -> from 42.899 to the last line a whole second before the producer's end (46.0)
    const producerEnd = Date.parse('2026-12-01T11:18:46.000Z');
    expect(steadyConsumedRate(progress, 2, producerEnd)).toBeCloseTo((1088768 - 499877) / 2, 3);
    expect(() => steadyConsumedRate(progress, 4, producerEnd)).toThrow('ConsumerPerformance reported under a second of progress after the warm-up while the producer ran (7 progress lines)');
    expect(() => steadyConsumedRate(parseConsumerProgress('no progress'), 2, producerEnd)).toThrow('(0 progress lines)');
  });
});

describe('Kafka throughput case: in flight like the Java producer', () => {
  it('as many messages as 32 MiB (buffer.memory) holds, within --inflight\'s limit', () => {
    expect(inflightLikeJavaProducer(100)).toBe(335_544);
    expect(inflightLikeJavaProducer(1024)).toBe(32_768);
    expect(inflightLikeJavaProducer(32)).toBe(1_000_000);
  });
});
