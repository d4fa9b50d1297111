/** What the terminal shows: the progress line and its phases, the non-TTY lines, the summary's wording. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatClock, progressDisplay, progressText } from '../../src/commands/progress-display.js';
import { phaseAt, type Progress } from '../../src/engine/progress.js';
import { renderSummary } from '../../src/report/summary.js';
import { migrateV1, type ResultV1 } from '../../src/results/migrate.js';

const fixture = migrateV1(JSON.parse(readFileSync(new URL('../fixtures/result-v1.json', import.meta.url), 'utf8')) as ResultV1);
const timed = fixture.workload; // 2 s warmup, 5 s measured

describe('progress phases', () => {
  test('connect before sending, then warmup, measure with a countdown, drain without one', () => {
    expect(phaseAt(timed, 10_000_000, 9_000_000)).toEqual({ phase: 'connect', plannedUs: 7_000_000, etaUs: null });
    expect(phaseAt(timed, 10_000_000, 11_000_000)).toEqual({ phase: 'warmup', plannedUs: 7_000_000, etaUs: 6_000_000 });
    expect(phaseAt(timed, 10_000_000, 13_000_000)).toEqual({ phase: 'measure', plannedUs: 7_000_000, etaUs: 4_000_000 });
    expect(phaseAt(timed, 10_000_000, 17_000_000)).toEqual({ phase: 'drain', plannedUs: 7_000_000, etaUs: null });
    expect(phaseAt({ ...timed, messages: 1 }, 10_000_000, 11_000_000)).toEqual({ phase: 'measure', plannedUs: null, etaUs: null });
  });

  test('the line: phase, elapsed, ETA, live rates and p99', () => {
    const p: Progress = { phase: 'measure', elapsedUs: 65_000_000, sentPerSec: 12_345, receivedPerSec: 12_000, plannedUs: 90_000_000, etaUs: 25_000_000, p99Us: null };
    expect(progressText(p)).toBe('measure  1m05s elapsed  ETA 25s  sent 12,345/s  received 12,000/s');
    expect(progressText({ ...p, p99Us: 4_250 })).toBe('measure  1m05s elapsed  ETA 25s  sent 12,345/s  received 12,000/s  p99 4.25 ms');
    expect(progressText({ ...p, phase: 'drain', etaUs: null })).toMatch(/drain .* waiting for in-flight messages/);
    expect(formatClock(0)).toBe('0s');
  });

  test('not a terminal: a line at each phase change and every 10 s, nothing in between', () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (line: string) => written.push(line) } as unknown as NodeJS.WriteStream;
    const display = progressDisplay('[x]', stream);
    const at = (phase: Progress['phase'], s: number) => display.update({ phase, elapsedUs: s * 1_000_000, sentPerSec: 1, receivedPerSec: 1, plannedUs: 30_000_000, etaUs: null, p99Us: null });
    at('warmup', 1);
    at('warmup', 2);
    at('measure', 3);
    for (let s = 4; s <= 14; s++) at('measure', s);
    at('drain', 15);
    display.stop();
    expect(written.map((l) => l.split(/\s+/)[1])).toEqual(['warmup', 'measure', 'measure', 'drain']);
    expect(written[2]).toMatch(/13s elapsed/);
  });
});

describe('summary', () => {
  test('hello-world: a round trip, not a rate (no msg/s, MB/s or closed-loop table)', () => {
    const hello = structuredClone(fixture);
    hello.workload = { ...hello.workload, scenario: 'hello-world', messages: 1 };
    hello.executor = '1 message(s), then stop';
    hello.loop = 'closed-loop';
    delete hello.openLoop;
    hello.counts = { ...hello.counts, sent: 1, received: 1, expected: 1 };
    hello.latencyUs.endToEnd = { ...hello.latencyUs.endToEnd, count: 1, min: 5720, max: 5720 };
    const text = renderSummary(hello);
    expect(text).toMatch(/round trip: 1 message of 100 B sent, 1 received, end-to-end 5\.72 ms/);
    expect(text).not.toMatch(/MB\/s|closed loop|msg\/s/);
  });

  test('k6-style checks close the summary, passed and failed marked', () => {
    const lossy = structuredClone(fixture);
    lossy.counts = { ...lossy.counts, lost: 2 };
    const text = renderSummary(lossy);
    expect(text).toMatch(/checks:\n {2}✓ run completed\n {2}✗ nothing lost \(lost 2, duplicated 0; duplicates are allowed at least once\)\n {2}✓ no send failed/);
  });

  test('duplicates fail the accounting check at most once (noack), not at least once (ack)', () => {
    const duplicated = structuredClone(fixture);
    duplicated.counts = { ...duplicated.counts, lost: 0, duplicated: 3 };
    expect(renderSummary(duplicated)).toMatch(/✓ nothing lost \(lost 0, duplicated 3; duplicates are allowed at least once\)/);
    duplicated.workload.driver = { ...duplicated.workload.driver, delivery: 'noack' };
    expect(renderSummary(duplicated)).toMatch(/✗ every message accounted for \(lost 0, duplicated 3\)/);
  });
});
