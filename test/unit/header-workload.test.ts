import { describe, expect, test } from 'vitest';
import { headerSize, readHeader, stampSentTime, writeHeader } from '../../src/engine/header.js';
import { resolveWorkload } from '../../src/engine/workload.js';
import { UsageError } from '../../src/errors.js';
import { findScenario } from '../../src/scenarios/index.js';
import { parseDurationUs } from '../../src/util/duration.js';
import { redactSecretsIn, redactUrl } from '../../src/util/redact.js';

describe('message header', () => {
  test('round-trips every field, including 48-bit times', () => {
    const buf = Buffer.alloc(100);
    writeHeader(buf, { producerId: 7, seq: 123_456_789_012, measured: true, intendedUs: 2 ** 47 + 5 });
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
    const ack = resolveWorkload('rabbit', findScenario('ack'), {});
    expect(ack.driver).toMatchObject({ delivery: 'ack', confirm: true, kafkaAcks: -1 });
    const noack = resolveWorkload('rabbit', findScenario('noack'), {});
    expect(noack.driver).toMatchObject({ delivery: 'noack', confirm: false, kafkaAcks: 1 });
    expect(noack.rate).toBe('max');
  });

  test('partitioned: one consumer per partition unless told otherwise', () => {
    expect(resolveWorkload('kafka', findScenario('partitioned'), { partitions: 8 }).consumers).toBe(8);
    expect(resolveWorkload('kafka', findScenario('partitioned'), { partitions: 8, consumers: 2 }).consumers).toBe(2);
  });

  test('hello-world sends one message carrying the tutorial text', () => {
    const w = resolveWorkload('rabbit', findScenario('hello-world'), {});
    expect(w.messages).toBe(1);
    expect(w.messageSize).toBe(headerSize + 'Hello World!'.length);
  });

  test.each([
    [{ size: 10 }, /at least 32 bytes/],
    [{ rate: '-5' }, /--rate/],
    [{ rate: 'fast' }, /--rate/],
    [{ producers: 0 }, /--producers/],
    [{ kafkaAcks: '2' }, /--kafka-acks/],
    [{ multiAck: 500, prefetch: 100, delivery: 'ack' }, /--multi-ack/],
  ])('bad override %o -> usage error', (overrides, message) => {
    expect(() => resolveWorkload('rabbit', findScenario('noack'), overrides)).toThrow(message);
  });
});

describe('redaction', () => {
  test('credentials leave URLs and free text', () => {
    expect(redactUrl('amqp://user:s3cret@host:5672/vh')).toBe('amqp://host:5672/vh');
    expect(redactSecretsIn('login failed for s3cret', ['amqp://user:s3cret@host'])).toBe('login failed for ***');
  });
});
