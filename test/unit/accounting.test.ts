import { describe, expect, test } from 'vitest';
import { Accounting, SequenceTracker, settleAccounts, totals } from '../../src/metrics/accounting.js';

describe('SequenceTracker', () => {
  test('in-order stream: everything received, nothing else', () => {
    const t = new SequenceTracker(0);
    for (let i = 0; i < 100; i++) expect(t.record(i)).toBe(true);
    expect(t.counts()).toEqual({ received: 100, duplicated: 0, reordered: 0, receivedDespiteSendError: 0 });
  });

  test('duplicates are counted once each and not received twice', () => {
    const t = new SequenceTracker(0);
    [0, 1, 1, 2, 0, 2, 2].forEach((s) => t.record(s));
    expect(t.counts()).toEqual({ received: 3, duplicated: 4, reordered: 0, receivedDespiteSendError: 0 });
  });

  test('a message behind a later one is reordered; a gap alone is not', () => {
    const t = new SequenceTracker(0);
    [0, 2, 1, 3, 5, 4].forEach((s) => t.record(s));
    expect(t.counts()).toEqual({ received: 6, duplicated: 0, reordered: 2, receivedDespiteSendError: 0 });
  });

  test('order is judged per order group (consumer): groups interleaving is not reordering, one group out of order is', () => {
    // even and odd messages go to two consumers (two partitions): 1 overtakes 0, 3 overtakes 2
    const interleaved = new SequenceTracker(0);
    [1, 0, 3, 2, 5, 4].forEach((s) => interleaved.record(s, s % 2));
    expect(interleaved.counts().reordered).toBe(0);
    const broken = new SequenceTracker(0);
    [0, 4, 2, 1].forEach((s) => broken.record(s, s % 2));
    expect(broken.counts()).toEqual({ received: 4, duplicated: 0, reordered: 1, receivedDespiteSendError: 0 });
    // the same arrivals at one consumer: every overtaken message counts
    const oneConsumer = new SequenceTracker(0);
    [1, 0, 3, 2, 5, 4].forEach((s) => oneConsumer.record(s));
    expect(oneConsumer.counts().reordered).toBe(3);
  });

  test('Accounting: per consumer order within one (subscription, producer) stream; duplicates across consumers still caught', () => {
    const a = new Accounting();
    a.record(0, 0, 1, 0);
    a.record(0, 0, 0, 1);
    a.record(0, 0, 2, 0);
    expect(a.record(0, 0, 2, 1)).toBe(false);
    expect(a.snapshot()[0]?.counts).toEqual({ received: 3, duplicated: 1, reordered: 0, receivedDespiteSendError: 0 });
  });

  test('a duplicate of an out-of-order message is still a duplicate', () => {
    const t = new SequenceTracker(0);
    [0, 3, 3, 1, 2, 3].forEach((s) => t.record(s));
    expect(t.counts()).toEqual({ received: 4, duplicated: 2, reordered: 2, receivedDespiteSendError: 0 });
  });

  test('memory stays bounded past a permanent gap', () => {
    const t = new SequenceTracker(0, 10);
    // seq 0 never arrives
    for (let i = 1; i <= 1000; i++) t.record(i);
    expect(t.counts().received).toBe(1000);
    expect((t as unknown as { above: Set<number> }).above.size).toBeLessThanOrEqual(10);
  });
});

describe('settleAccounts', () => {
  test('lost = expected - received per (subscription, producer); streams nobody received from are all lost', () => {
    const accounting = new Accounting();
    for (let seq = 0; seq < 10; seq++) accounting.record(0, 0, seq);
    for (let seq = 0; seq < 7; seq++) accounting.record(0, 1, seq);
    accounting.record(0, 1, 3); // duplicate
    const accounts = settleAccounts(new Map([[0, 10], [1, 8]]), 2, accounting.snapshot());
    expect(accounts).toEqual([
      { subscription: 0, producer: 0, expected: 10, received: 10, duplicated: 0, reordered: 0, receivedDespiteSendError: 0, lost: 0 },
      { subscription: 0, producer: 1, expected: 8, received: 7, duplicated: 1, reordered: 0, receivedDespiteSendError: 0, lost: 1 },
      { subscription: 1, producer: 0, expected: 10, received: 0, duplicated: 0, reordered: 0, receivedDespiteSendError: 0, lost: 10 },
      { subscription: 1, producer: 1, expected: 8, received: 0, duplicated: 0, reordered: 0, receivedDespiteSendError: 0, lost: 8 },
    ]);
    expect(totals(accounts)).toEqual({ expected: 36, received: 17, lost: 19, duplicated: 1, reordered: 0, receivedDespiteSendError: 0 });
  });
});

describe('sends that failed but arrived', () => {
  test('cannot hide a confirmed message that was lost', () => {
    // producer 0 sent seqs 0..9; the sends of 8 and 9 failed (no confirm), yet both arrived;
    // seq 3, confirmed, never arrived
    const accounting = new Accounting();
    for (const seq of [0, 1, 2, 4, 5, 6, 7, 8, 9]) accounting.record(0, 0, seq);
    const [account] = settleAccounts(new Map([[0, 8]]), 1, accounting.snapshot(new Map([[0, [8, 9]]])));
    expect(account).toEqual({ subscription: 0, producer: 0, expected: 8, received: 9, duplicated: 0, reordered: 0, receivedDespiteSendError: 2, lost: 1 });
  });

  test('a failed send that did not arrive is neither expected nor lost', () => {
    const accounting = new Accounting();
    for (const seq of [0, 1, 2]) accounting.record(0, 0, seq);
    const [account] = settleAccounts(new Map([[0, 3]]), 1, accounting.snapshot(new Map([[0, [3]]])));
    expect(account).toMatchObject({ expected: 3, received: 3, receivedDespiteSendError: 0, lost: 0 });
  });
});
