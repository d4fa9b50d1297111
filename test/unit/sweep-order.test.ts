import { describe, expect, test } from 'vitest';
import { searchRulesOf } from '../../src/commands/find-rate.js';
import { allOptionRows } from '../../src/drivers/index.js';
import { refusal } from '../refusal.js';
import { parseVary, runOrder } from '../../src/sweep/order.js';


describe('--vary', () => {
  const rows = allOptionRows();

  test('values are parsed by the options table', () => {
    expect(parseVary('size=100,1KiB,64KiB', rows, ['kafka'])).toEqual({
      option: 'size',
      values: [
        { raw: '100', parsed: 100 },
        { raw: '1KiB', parsed: 1024 },
        { raw: '64KiB', parsed: 65536 },
      ],
    });
    expect(parseVary('rate=1000,max', rows, ['rabbit']).values.map((v) => v.parsed)).toEqual([1000, null]);
    expect(parseVary('duration=1s,500ms', rows, ['memory']).values.map((v) => v.parsed)).toEqual([1_000_000, 500_000]);
  });

  test.each([
    ['partitions', /^--vary: must be option=value,value,\.\.\. e\.g\. partitions=1,2,4,8, got "partitions"$/],
    ['colour=1,2', /^--vary: unknown option "colour"; numeric options: duration, warmup, /],
    ['delivery=ack,noack', /^--vary: --delivery is not numeric/],
    ['partitions=1,0', /^--partitions: must be a whole number from 1 to 10,000, got "0"$/],
    ['partitions=1,,2', /^--vary: an empty value/],
    ['size=1024,1KiB', /^--vary: the value "1KiB" is given twice$/],
    ['linger=0,5', /^--linger is a kafka option; it has no meaning for rabbit/],
  ])('refuses %s in one line', (text, message) => {
    const line = refusal(() => parseVary(text, rows, ['rabbit']));
    expect(line).toMatch(message);
    expect(line).not.toContain('\n');
  });

  test('a plug-in\'s option is varied on its own broker only (elsewhere the curve would be flat)', () => {
    expect(parseVary('linger=0,5', rows, ['kafka']).values).toHaveLength(2);
    expect(refusal(() => parseVary('linger=0,5', rows, ['rabbit', 'kafka']))).toBe('--vary: --linger is a kafka option; it has no meaning for rabbit: sweep it with --broker kafka');
  });

  test('interleaved order: each repeat visits every value on every broker, the first broker rotating', () => {
    const order = runOrder(['rabbit', 'kafka'], [{ raw: '1', parsed: 1 }, { raw: '2', parsed: 2 }], 2).map((r) => `${r.repeat}:${r.value.raw}:${r.broker}`);
    expect(order).toEqual(['1:1:rabbit', '1:1:kafka', '1:2:kafka', '1:2:rabbit', '2:1:rabbit', '2:1:kafka', '2:2:kafka', '2:2:rabbit']);
  });
});

describe('find-rate rules', () => {
  test('defaults and bounds, one line each', () => {
    expect(searchRulesOf({ startRate: undefined, maxSteps: undefined, resolution: undefined })).toEqual({ startRate: 1000, maxSteps: 16, resolution: 0.05, minRate: 10, confirmations: 2 });
    expect(refusal(() => searchRulesOf({ startRate: '0', maxSteps: undefined, resolution: undefined }))).toMatch(/^--start-rate: must be a rate from 10/);
    expect(refusal(() => searchRulesOf({ startRate: undefined, maxSteps: '1', resolution: undefined }))).toBe('--max-steps: must be a whole number from 2 to 50, got "1"');
    expect(refusal(() => searchRulesOf({ startRate: undefined, maxSteps: undefined, resolution: 'x' }))).toMatch(/^--resolution: must be a percentage/);
    expect(refusal(() => searchRulesOf({ startRate: undefined, maxSteps: undefined, resolution: undefined, confirmRuns: '-1' }))).toBe('--confirm-runs: must be a whole number from 0 to 10, got "-1"');
  });
});
