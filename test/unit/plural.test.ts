/** The plural helper (issue 31, item 9): "1 run", "3 runs", never "run(s)". */
import { describe, expect, test } from 'vitest';
import { nounFor, plural } from '../../src/util/plural.js';

describe('plural', () => {
  test.concurrent('one is singular; zero, fractions and many are plural; counts formatted', () => {
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(0, 'run')).toBe('0 runs');
    expect(plural(2, 'process', 'processes')).toBe('2 processes');
    expect(plural(1_200, 'message')).toBe('1,200 messages');
    expect(nounFor(1, 'is', 'are')).toBe('is');
    expect(nounFor(3, 'is', 'are')).toBe('are');
  });
});
