import { describe, expect, test } from 'vitest';
import { headerSize, readHeader, stampSentTime, writeHeader } from '../../src/engine/header.js';
import { planRun } from '../../src/plan/index.js';
import { runBenchmark } from '../../src/run/benchmark.js';
import { UsageError } from '../../src/errors.js';
import { parseDurationUs } from '../../src/util/duration.js';
import { redactSecretsIn, redactUrl } from '../../src/util/redact.js';

describe('message header', () => {
  test('round-trips every field, including 48-bit times', () => {
    const buf = Buffer.alloc(100);
    writeHeader(buf, 7, 123_456_789_012, true, 2 ** 47 + 5);
    stampSentTime(buf, 2 ** 47 + 9);
    expect(readHeader(buf)).toEqual({ producerId: 7, seq: 123_456_789_012, measured: true, intendedUs: 2 ** 47 + 5, sentUs: 2 ** 47 + 9 });
  });

  test('foreign payloads are not mistaken for ours', () => {
    expect(readHeader(Buffer.from('Hello World!'))).toBeUndefined();
    expect(readHeader(Buffer.alloc(headerSize, 0xff))).toBeUndefined();
  });
});

describe('durations', () => {
  test.each([
    ['5s', 5_000_000],
    ['500ms', 500_000],
    ['2m', 120_000_000],
    ['1.5s', 1_500_000],
    ['7', 7_000_000],
  ])('%s -> %i us', (text, us) => expect(parseDurationUs(text, '--duration')).toBe(us));

  test.each(['0s', '-1s', 'abc', '5 parsecs', ''])('"%s" is rejected with a usage error', (text) => {
    expect(() => parseDurationUs(text, '--duration')).toThrow(UsageError);
  });

  test('a zero warmup is allowed', () => expect(parseDurationUs('0s', '--warmup', true)).toBe(0));
});

describe('workload resolution', () => {
  test('scenario defaults: ack uses confirms and acks=all; noack neither', () => {
    const ack = planRun({ broker: 'rabbit', scenario: 'ack' }).workload;
    expect(ack.driver).toEqual({ delivery: 'ack', confirm: true, persistent: false, prefetch: 1000, multiAck: 100 });
    const noack = planRun({ broker: 'rabbit', scenario: 'noack' }).workload;
    expect(noack.driver).toMatchObject({ delivery: 'noack', confirm: false });
    expect(planRun({ broker: 'kafka', scenario: 'ack' }).workload.driver).toEqual({ delivery: 'ack', client: 'platformatic', kafkaAcks: -1, lingerMs: 5, batchSize: 1000, batchBytes: 524288 });
    expect(planRun({ broker: 'kafka', scenario: 'noack' }).workload.driver).toMatchObject({ kafkaAcks: 1 });
    expect(noack.rate).toBe('max');
  });

  test('partitioned: one consumer per partition unless told otherwise', () => {
    expect(planRun({ partitions: 8, broker: 'kafka', scenario: 'partitioned' }).workload.consumers).toBe(8);
    expect(planRun({ partitions: 8, consumers: 2, broker: 'kafka', scenario: 'partitioned' }).workload.consumers).toBe(2);
  });

  test('keys: on for a keyed scenario or several partitions, unless --keys says otherwise', () => {
    const keyed = (scenario: string, options: Record<string, string | number>) => planRun({ ...options, broker: 'kafka', scenario }).workload.keyed;
    expect(keyed('noack', {})).toBe(false);
    expect(keyed('noack', { partitions: 4 })).toBe(true);
    expect(keyed('noack', { partitions: 4, keys: 'off' })).toBe(false);
    expect(keyed('partitioned', { keys: 'off' })).toBe(false);
    expect(keyed('noack', { keys: 'on' })).toBe(true);
    expect(() => keyed('noack', { keys: 'sometimes' })).toThrow('--keys: must be on or off, got "sometimes"');
  });

  test('hello-world sends one message carrying the tutorial text', () => {
    const w = planRun({ broker: 'rabbit', scenario: 'hello-world' }).workload;
    expect(w.messages).toBe(1);
    expect(w.messageSize).toBe(headerSize + 'Hello World!'.length);
  });

  test.each([
    [{ size: 10 }, /at least 32 bytes/],
    [{ rate: '-5' }, /--rate/],
    [{ rate: 'fast' }, /--rate/],
    [{ producers: 0 }, /--producers/],
    [{ 'multi-ack': 500, prefetch: 100, delivery: 'ack' }, /--multi-ack/],
    [{ 'kafka-acks': 'all' }, /^--kafka-acks is a kafka option; it has no meaning for rabbit$/],
    [{ size: '1KB', prefetch: 70000 }, /^--prefetch: must be a whole number from 1 to 65,535, got "70000"$/],
  ])('bad option %o -> usage error', (options, message) => {
    expect(() => planRun({ ...options, broker: 'rabbit', scenario: 'noack' })).toThrow(message);
  });

  test('sizes with units: 1KB is 1000 bytes, 1KiB and 1k are 1024', () => {
    const size = (value: string) => planRun({ size: value, broker: 'memory', scenario: 'noack' }).workload.messageSize;
    expect([size('1KB'), size('1KiB'), size('1k'), size('64k')]).toEqual([1000, 1024, 1024, 65_536]);
    expect(() => size('1 parsec')).toThrow(/^--size: must be a size in bytes, e\.g\. 100, 1KB \(1000\), 1KiB or 1k \(1024\), 1MiB, got "1 parsec"$/);
  });

  test('a huge value is never echoed back in full', () => {
    expect(() => planRun({ producers: '9'.repeat(100_000), broker: 'memory', scenario: 'noack' })).toThrow(
      /^--producers: must be a whole number from 1 to 1,000, got "9{40}…" \(100,000 characters\)$/,
    );
  });

  test('a Kafka acks=0 contradicts ack delivery', () => {
    expect(() => planRun({ 'kafka-acks': '0', broker: 'kafka', scenario: 'ack' })).toThrow('--kafka-acks 0 contradicts the ack (at-least-once) delivery mode');
  });
});

describe('redaction', () => {
  test('credentials leave URLs and free text', () => {
    expect(redactUrl('amqp://user:s3cret@host:5672/vh')).toBe('amqp://host:5672/vh');
    expect(redactSecretsIn('login failed for s3cret', ['amqp://user:s3cret@host'])).toBe('login failed for ***');
  });

  test.each([
    ['amqp://user:s3cret@host:5672/vh', 'amqp://host:5672/vh', 's3cret'],
    ['AMQPS://user:s3cret@host', 'amqps://host', 's3cret'],
    ['amqp://user:s3/cr?et#x@host:5672', 'amqp://host:5672', 's3/cr?et#x'],
    ['amqp://user:p%40ss@host', 'amqp://host', 'p@ss'],
    ['amqp://us@er:p@ss@host', 'amqp://host', 'p@ss'],
    ['user:s3cret@h1:9092,h2:9092', 'h1:9092,h2:9092', 's3cret'],
    ['h1:9092,user:s3cret@h2:9092', 'h1:9092,h2:9092', 's3cret'],
    ['kafka://user:s3cret@h1:9092,h2:9092', 'kafka://h1:9092,h2:9092', 's3cret'],
  ])('%s: stored as %s, its password never in free text', (url, stored, password) => {
    expect(redactUrl(url)).toBe(stored);
    expect(redactUrl(url)).not.toContain(password);
    const message = `connect failed for ${url}: bad password ${password} (${encodeURIComponent(password)})`;
    const redacted = redactSecretsIn(message, [url]);
    expect(redacted).not.toContain(password);
  });

  test.each([
    ['rabbit', 'rabbit-url', 'http://host', "--rabbit-url: http://host: must be an amqp:// or amqps:// URL, e.g. amqp://user:password@host:5672/vhost"],
    ['rabbit', 'rabbit-url', 'amqp://u:se/cret@h', "--rabbit-url: amqp://h: the user or password holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)"],
    ['rabbit', 'rabbit-url', '', '--rabbit-url: must not be empty, got ""'],
    ['kafka', 'kafka-url', 'u:s3cret@h:9092', '--kafka-url: h:9092: user:password in a Kafka address is not supported (mqbench connects without SASL); remove it'],
    ['kafka', 'kafka-url', 'h', '--kafka-url: h: must be host:port[,host:port...], e.g. 127.0.0.1:9092'],
  ])('%s %s %j is refused before connecting, password never echoed', async (broker, option, url, message) => {
    await expect(runBenchmark({ broker, scenario: 'noack', options: { [option]: url } })).rejects.toThrow(message);
  });
});
