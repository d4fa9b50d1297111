/**
 * Odd values (issue 29, items 12 and 13), below the CLI: the one number parser of every option, the
 * bounds of every numeric option, the escaper of echoed input, the endpoint URL's named causes,
 * Kafka's message.max.bytes at plan time, and the last resort for a result --out cannot take.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allOptionRows } from '../../src/drivers/index.js';
import { runBenchmark } from '../../src/index.js';
import { parseOption, type OptionRow } from '../../src/options.js';
import { endpointUrlProblem } from '../../src/plan/endpoint-url.js';
import { planRun } from '../../src/plan/index.js';
import { writeResultOrLastResort } from '../../src/results/last-resort.js';
import type { RunResult } from '../../src/results/types.js';
import { decimalOf, decimalOnly, isOtherNotation, quantityOf } from '../../src/util/number.js';
import { printable, printableText } from '../../src/util/printable.js';
import { refusal } from '../refusal.js';

describe('the number parser: decimal only', () => {
  test.each([
    ['16', 16],
    [' 2.5 ', 2.5],
    ['.5', 0.5],
    ['007', 7],
    [12, 12],
  ])('%j -> %j', (raw, value) => {
    expect(decimalOf(raw)).toBe(value);
  });

  test.each(['0x10', '0b11', '0o7', '1e3', '1e-9', 'Infinity', '-Infinity', '1_000', '1,000', '', ' ', '-1', '+1', 'ten', '9'.repeat(400)])('%j is not a decimal number', (raw) => {
    expect(decimalOf(raw)).toBeUndefined();
  });

  test('a number that is not finite is none', () => {
    expect(decimalOf(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(decimalOf(Number.NaN)).toBeUndefined();
  });

  test('JavaScript notations other than decimal are told apart from words and signs', () => {
    for (const raw of ['0x10', '0X10', '0b11', '0o7', '1e3', '1E-9', 'Infinity', '-0x10', '1e999']) expect(isOtherNotation(raw), raw).toBe(true);
    for (const raw of ['16', '2.5', '-1', 'lots', '', '10 parsecs', '1_000']) expect(isOtherNotation(raw), raw).toBe(false);
  });

  test('a quantity: a decimal number and its unit as written', () => {
    expect(quantityOf('1.5MiB')).toEqual({ value: 1.5, unit: 'MiB' });
    expect(quantityOf(' 500 ms ')).toEqual({ value: 500, unit: 'ms' });
    expect(quantityOf('0x10s')).toBeUndefined();
    expect(quantityOf('1e3ms')).toBeUndefined();
  });
});

const numericRows = allOptionRows().filter((row) => ['duration', 'whole', 'size', 'rate'].includes(row.kind));

describe('every numeric option of the table', () => {
  test.each(numericRows.map((row) => [row.name, row] as const))('--%s refuses 0x10 with the one decimal-only line', (name, row) => {
    expect(refusal(() => parseOption(row, '0x10'))).toBe(`--${name}: ${decimalOnly}, got "0x10"`);
  });

  test.each(numericRows.map((row) => [row.name, row] as const))('--%s has an upper bound', (name, row) => {
    const huge = row.kind === 'duration' ? '99999999999999999999999h' : row.kind === 'size' ? '99999999999999999999999MiB' : '99999999999999999999999';
    expect(refusal(() => parseOption(row, huge))).toMatch(new RegExp(`^--${name}: must be .*(at most|from|to) `));
  });

  test.each([
    ['duration', '99999999999999999999999h', '--duration: must be at most 7 days, got "99999999999999999999999h"'],
    ['duration', '8d', '--duration: cannot parse duration "8d" (use e.g. 500ms, 5s, 2m)'],
    ['duration', '169h', '--duration: must be at most 7 days, got "169h"'],
    ['drain-timeout', '99999h', '--drain-timeout: must be at most 1 h, got "99999h"'],
    ['warmup', '2h', '--warmup: must be at most 1 h, got "2h"'],
    ['stall-timeout', '3601s', '--stall-timeout: must be at most 1 h, got "3601s"'],
    ['fault-for', '8000000s', '--fault-for: must be at most 7 days, got "8000000s"'],
    ['rate', '1e-9', `--rate: ${decimalOnly}, got "1e-9"`],
    ['rate', '0.5', '--rate: must be from 1 to 10,000,000 messages per second, or "max", got "0.5"'],
    ['rate', '20000000', '--rate: must be from 1 to 10,000,000 messages per second, or "max", got "20000000"'],
    ['rate', '0', '--rate: must be a number of messages per second greater than zero or "max", got "0"'],
    ['size', '0x40', `--size: ${decimalOnly}, got "0x40"`],
    ['size', '5constructor', '--size: must be a size in bytes, e.g. 100, 1KB (1000), 1KiB or 1k (1024), 1MiB, got "5constructor"'],
    ['duration', '5constructor', '--duration: cannot parse duration "5constructor" (use e.g. 500ms, 5s, 2m)'],
    ['producers', '1e2', `--producers: ${decimalOnly}, got "1e2"`],
  ])('--%s %s: %s', (name, raw, message) => {
    const row = allOptionRows().find((r) => r.name === name) as OptionRow;
    expect(refusal(() => parseOption(row, raw))).toBe(message);
  });

  test.each([
    ['duration', '604800s', 7 * 24 * 3_600_000_000],
    ['duration', '168h', 168 * 3_600_000_000],
    ['rate', '2.5', 2.5],
    ['rate', '10000000', 10_000_000],
    ['rate', 'max', 'max'],
    ['size', '1.5KiB', 1536],
    ['drain-timeout', '1h', 3_600_000_000],
  ])('--%s %s is accepted', (name, raw, value) => {
    const row = allOptionRows().find((r) => r.name === name) as OptionRow;
    expect(parseOption(row, raw)).toBe(value);
  });

  test('a workload file number is a number: finite ones in range pass, others say their range', () => {
    const rate = allOptionRows().find((r) => r.name === 'rate') as OptionRow;
    expect(parseOption(rate, 300)).toBe(300);
    expect(refusal(() => parseOption(rate, 1e12))).toBe('--rate: must be from 1 to 10,000,000 messages per second, or "max", got "1000000000000"');
    expect(refusal(() => parseOption(rate, Number.POSITIVE_INFINITY))).toBe(`--rate: ${decimalOnly}, got "Infinity"`);
  });
});

describe('the plan refuses what would be ignored or misread', () => {
  test('--max-outstanding in closed loop is refused with one line', () => {
    expect(refusal(() => planRun({ broker: 'memory', scenario: 'noack', 'max-outstanding': '5' }))).toBe(
      '--max-outstanding caps the sends of an open loop (--rate N); in closed loop (--rate max) --inflight is the cap: use --inflight, or give a rate',
    );
    expect(planRun({ broker: 'memory', scenario: 'noack', rate: '100', 'max-outstanding': '5' }).workload.maxOutstanding).toBe(5);
  });

  test("a Kafka --size whose record batch is over message.max.bytes names the limit, before connecting", () => {
    expect(refusal(() => planRun({ broker: 'kafka', scenario: 'noack', size: '2MiB' }))).toBe(
      "--size: a message of 2,097,152 bytes makes a record batch of 2,097,236 bytes, over Kafka's message.max.bytes (1,048,588 bytes by default): the broker would refuse every message; lower --size, or, for a broker configured for more, give --batch-bytes of at least 2,097,236",
    );
    // a broker configured for more is declared with --batch-bytes; a message within the default limit passes
    expect(planRun({ broker: 'kafka', scenario: 'noack', size: '2MiB', 'batch-bytes': '3MiB' }).workload.messageSize).toBe(2 * 1024 * 1024);
    expect(planRun({ broker: 'kafka', scenario: 'noack', size: '1000000' }).workload.messageSize).toBe(1_000_000);
  });
});

describe('endpoint URLs: the cause named', () => {
  test.each([
    ['nats://', 'nats://127.0.0.1:4222', /^names no host/],
    ['nats://:4222', 'nats://127.0.0.1:4222', /^names no host/],
    ['mqtt://:@', 'mqtt://127.0.0.1:1883', /^names no host/],
    ['mqtt://:@127.0.0.1', 'mqtt://127.0.0.1:1883', /^has an empty user and password before '@'/],
    ['mqtt://@127.0.0.1', 'mqtt://127.0.0.1:1883', /^has an empty user and password before '@'/],
    ['amqp://guest:guest@127.0.0.1:5672/%zz', 'amqp://guest:guest@127.0.0.1:5672', /^holds a '%' that is not followed by two hex digits \(bad percent-encoding\)/],
    ['amqp://guest:guest@127.0.0.1:5672/vh?heartbeat=%', 'amqp://guest:guest@127.0.0.1:5672', /bad percent-encoding/],
    ['amqp://u:p@h1:5701/%zz,amqp://u:p@h2:5702', 'amqp://guest:guest@127.0.0.1:5672', /bad percent-encoding/],
  ])('%s', (url, defaultUrl, problem) => {
    expect(endpointUrlProblem(url, defaultUrl)).toMatch(problem);
  });

  test.each([
    ['redis://:secret@127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['nats://token@127.0.0.1:4222', 'nats://127.0.0.1:4222'],
    ['mqtt://user:@127.0.0.1', 'mqtt://127.0.0.1:1883'],
    ['amqp://u:p%2Fq@h1:5701,amqp://u:p%2Fq@h2:5702', 'amqp://guest:guest@127.0.0.1:5672'],
    ['amqp://[::1]:5672/%2F', 'amqp://guest:guest@127.0.0.1:5672'],
    ['faulty://?brokerAcks=1', 'faulty://'],
    // in a user or password a stray '%' is the character itself (util/url-credentials.ts)
    ['amqp://guest:50%off@127.0.0.1:5672', 'amqp://guest:guest@127.0.0.1:5672'],
    ['amqp://u:p@h1:5701,amqp://u:100%@h2:5702', 'amqp://guest:guest@127.0.0.1:5672'],
    ['127.0.0.1:9092', '127.0.0.1:9092'],
  ])('%s is left to the plug-in', (url, defaultUrl) => {
    expect(endpointUrlProblem(url, defaultUrl)).toBeUndefined();
  });

  test('the refusal never echoes the password', () => {
    const message = refusal(() => planRun({ broker: 'rabbit', scenario: 'noack', 'rabbit-url': 'amqp://guest:s3cret@127.0.0.1:5672/%zz' }));
    expect(message).toMatch(/^--rabbit-url: amqp:\/\/127\.0\.0\.1:5672\/%zz: holds a '%'/);
    expect(message).not.toContain('s3cr');
  });
});

describe('control characters in echoed input are escaped', () => {
  test.each([
    ['\u001b[2J', '\\u001b[2J'],
    ['a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['\u007f\u0085\u009b', '\\u007f\\u0085\\u009b'],
    ['abc\u202edcba', 'abc\\u202edcba'],
    ['zero\u200bwidth\ufeff', 'zero\\u200bwidth\\ufeff'],
    ['plain ASCII, ümlauts, 日本', 'plain ASCII, ümlauts, 日本'],
  ])('%j -> %s', (raw, shown) => {
    expect(printable(raw)).toBe(shown);
  });

  test('a multi-line text keeps its line feeds and tabs; an escaped JSON document stays the same JSON', () => {
    expect(printableText('a\tb\nc\u001b[31m\r\n')).toBe('a\tb\nc\\u001b[31m\\r\n');
    const document = JSON.stringify({ out: 'res\u007f\u0085\u202e', n: 1 }, null, 2);
    expect(JSON.parse(printableText(document))).toEqual(JSON.parse(document));
  });

  test('an option value echoed in a refusal is escaped', () => {
    const row = allOptionRows().find((r) => r.name === 'producers') as OptionRow;
    expect(refusal(() => parseOption(row, '\u001b[31m3'))).toBe('--producers: must be a whole number from 1 to 1,000, got "\\u001b[31m3"');
  });
});

describe('the last resort for a result --out cannot take', () => {
  let result: RunResult;
  let dir: string;
  const savedTmp = process.env.TMPDIR;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqbench-last-resort-'));
    result = await runBenchmark({ broker: 'memory', scenario: 'noack', options: { duration: '300ms', warmup: '0s' } });
  });
  afterAll(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await rm(dir, { recursive: true, force: true });
  });

  test('a writable --out: the result is there, nothing said', async () => {
    const lines: string[] = [];
    const kept = await writeResultOrLastResort(join(dir, 'ok'), result, { log: (l) => lines.push(l) });
    expect(kept.elsewhere).toBe(false);
    expect(kept.path?.startsWith(join(dir, 'ok'))).toBe(true);
    expect(lines).toEqual([]);
  });

  test('--out unwritable: a private temp folder (0700, a fresh name), said in one line', async () => {
    const blocked = join(dir, 'a-file');
    await writeFile(blocked, 'x');
    process.env.TMPDIR = dir;
    const lines: string[] = [];
    const kept = await writeResultOrLastResort(blocked, result, { log: (l) => lines.push(l) });
    expect(kept.elsewhere).toBe(true);
    const folder = kept.path?.split('/').slice(0, -1).join('/') ?? '';
    expect(folder.startsWith(join(dir, 'mqbench-result-'))).toBe(true);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^bench: could not write the result into ${blocked} \\(E[A-Z]+\\); it was kept in ${kept.path} \\(a private folder`));
  });

  test('--out and the temp folder both unwritable: the result on stdout as JSON, said in one line', async () => {
    process.env.TMPDIR = join(dir, 'a-file'); // a file: mkdtemp under it fails
    const lines: string[] = [];
    let printed = '';
    const kept = await writeResultOrLastResort(join(dir, 'a-file'), result, { log: (l) => lines.push(l), stdout: (text) => (printed += text) });
    expect(kept).toEqual({ path: undefined, elsewhere: true });
    expect(lines).toEqual([expect.stringMatching(/^bench: could not write the result into .*a-file \(E[A-Z]+\) nor into a private temp folder \(E[A-Z]+\); the result is on stdout as JSON$/)]);
    expect(JSON.parse(printed)).toEqual(JSON.parse(JSON.stringify(result)));
    expect((await readdir(dir)).filter((name) => name.startsWith('mqbench-result-'))).toHaveLength(1);
  });
});
