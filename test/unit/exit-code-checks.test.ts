/**
 * Issue 29 item 4: the summary's ✗ checks decide the exit code (exit 1 unless the status is worse);
 * the advisory lines (target rate, CPU saturation) are ⚠, never ✗. And an interrupted find-rate step
 * is no verdict on its rate: it is never stored as the lowest failing rate.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { exitCodeOfResult, renderSummary } from '../../src/report/summary.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';
import type { RunResult } from '../../src/results/types.js';
import { searchRate, type SearchRules } from '../../src/search/rate-search.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);

function variant(change: (result: RunResult) => void): RunResult {
  const result = structuredClone(fixture);
  change(result);
  return result;
}

describe('the summary checks decide the exit code', () => {
  test.concurrent('a completed ack run that lost messages: ✗ nothing lost, exit 1 (was 0)', () => {
    const lossy = variant((r) => {
      r.workload.driver = { ...r.workload.driver, delivery: 'ack' };
      r.counts = { ...r.counts, lost: 68 };
    });
    expect(renderSummary(lossy)).toMatch(/✗ nothing lost \(lost 68/);
    expect(exitCodeOfResult(lossy)).toBe(1);
  });

  test.concurrent('noack duplicates fail the accounting check: exit 1', () => {
    const duplicated = variant((r) => {
      r.workload.driver = { ...r.workload.driver, delivery: 'noack' };
      r.counts = { ...r.counts, lost: 0, duplicated: 3 };
    });
    expect(renderSummary(duplicated)).toMatch(/✗ every message accounted for/);
    expect(exitCodeOfResult(duplicated)).toBe(1);
  });

  test.concurrent('every ✓: exit 0; an aborted run stays 4 whatever else failed', () => {
    const clean = variant((r) => (r.counts = { ...r.counts, lost: 0, duplicated: 0, sendErrors: 0 }));
    expect(renderSummary(clean)).not.toMatch(/✗/);
    expect(exitCodeOfResult(clean)).toBe(0);
    const aborted = variant((r) => Object.assign(r, { status: 'aborted', error: 'interrupted', counts: { ...r.counts, lost: 5 } }));
    expect(exitCodeOfResult(aborted)).toBe(4);
  });

  test.concurrent('a missed target rate is ⚠, not ✗, and does not fail the run', () => {
    const missed = variant((r) => {
      r.counts = { ...r.counts, lost: 0, duplicated: 0, sendErrors: 0 };
      r.openLoop = { askedPerSec: 1000, achievedSendPerSec: 500, receivedPerSec: 500, scheduled: 1000, unsent: 500, lateSends: 0, lateThresholdUs: 1000, heldByCap: 0, targetReached: false };
    });
    expect(renderSummary(missed)).toMatch(/⚠ target rate reached \(asked/);
    expect(renderSummary(missed)).not.toMatch(/✗/);
    expect(exitCodeOfResult(missed)).toBe(0);
  });
});

describe('find-rate: an interrupted step', () => {
  const rules: SearchRules = { startRate: 1000, resolution: 0.05, maxSteps: 12, minRate: 10, confirmations: 0 };

  test.concurrent('is kept as a step, but never as the lowest failing rate (was: stored as failing)', async () => {
    let stop: string | undefined;
    const outcome = await searchRate(
      rules,
      async (rate) => {
        if (rate === 2000) {
          stop = 'interrupted';
          return { verdict: { pass: false, reasons: ['the run was aborted'] }, detail: rate, interrupted: true };
        }
        return { verdict: { pass: true, reasons: [] }, detail: rate };
      },
      () => stop,
    );
    expect(outcome.failedRate).toBeUndefined();
    // interrupted before any confirmation: 1000 passed, but it is not the answer
    expect(outcome.foundRate).toBeUndefined();
    expect(outcome.highestPassedRate).toBe(1000);
    expect(outcome.stoppedBecause).toBe('interrupted');
    expect(outcome.steps.map((s) => [s.rate, s.verdict.pass, s.interrupted ?? false])).toEqual([
      [1000, true, false],
      [2000, false, true],
    ]);
  });
});
