/** The consumer's committer (src/drivers/kafka/shared.ts): commits on a timer, and at once before a rebalance. */
import { describe, expect, it } from 'vitest';
import { PeriodicCommitter, type OffsetsToCommit } from '../../src/drivers/kafka/shared.js';

describe('PeriodicCommitter', () => {
  it("commitNow sends what was processed at once, beside a commit under way, so a revoked partition's offsets are not dropped by retain()", async () => {
    const sent: [number, bigint][][] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const committer = new PeriodicCommitter(
      (offsets: OffsetsToCommit) => {
        sent.push([...offsets]);
        return sent.length === 1 ? slow : Promise.resolve();
      },
      60_000,
      () => undefined,
    );
    committer.processed(0, 10n);
    void committer.flush(); // under way, not answered yet
    committer.processed(1, 20n);
    const now = committer.commitNow();
    committer.retain([0]); // the rebalance took partition 1 away
    expect(sent).toEqual([[[0, 10n]], [[1, 20n]]]);
    release();
    await now;
    await committer.stop();
    expect(sent).toHaveLength(2);
  });

  it('a failed commit goes to onError; the next one is sent', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const committer = new PeriodicCommitter(
      async () => {
        if (++calls === 1) throw new Error('coordinator gone');
      },
      60_000,
      (error) => errors.push(error),
    );
    committer.processed(0, 1n);
    await committer.commitNow();
    committer.processed(0, 2n);
    await committer.stop();
    expect(errors.map((e) => (e as Error).message)).toEqual(['coordinator gone']);
    expect(calls).toBe(2);
  });
});
