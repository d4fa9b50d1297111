/**
 * The engine's accounting, stall detection, aborts and open-loop outcome, proved exactly against
 * the in-process `faulty` broker (deterministic faults: every N-th message), through the library API.
 */
import { describe, expect, test } from 'vitest';
import { runBenchmark } from '../../src/run/benchmark.js';
import { renderMarkdownReport } from '../../src/report/document.js';
import { renderSummary } from '../../src/report/summary.js';
import { Recorder } from '../../src/engine/recorder.js';
import { writeHeader } from '../../src/engine/header.js';
import type { RunResult } from '../../src/results/types.js';

type Options = Record<string, string | number | boolean>;

const quick: Options = { warmup: '0s', 'drain-timeout': '2s' };

/** A run on the faulty broker; `scenario` picks the delivery (noack unless given). */
function faulty(url: string, options: Options = {}, signal?: AbortSignal): Promise<RunResult> {
  const { scenario = 'noack', ...rest } = options;
  return runBenchmark({ broker: 'faulty', scenario: String(scenario), options: { 'faulty-url': url, ...quick, ...rest }, ...(signal ? { signal } : {}) });
}

function expectEveryMessageAccounted(r: RunResult): void {
  const c = r.counts;
  expect(c.expected).toBe(c.sent - c.sendErrors);
  expect(c.lost).toBe(c.expected - (c.received - c.receivedDespiteSendError));
}

describe('accounting is exact under injected faults', () => {
  test('every 100th message dropped: lost = floor(sent / 100), nothing else', async () => {
    const r = await faulty('faulty://?drop=100', { rate: 2000, duration: '1s' });
    expect(r.status).toBe('completed');
    expect(r.counts.sent).toBeGreaterThan(1000);
    expect(r.counts.lost).toBe(Math.floor(r.counts.sent / 100));
    expect([r.counts.duplicated, r.counts.reordered, r.counts.sendErrors]).toEqual([0, 0, 0]);
    expectEveryMessageAccounted(r);
  });

  test('every 50th message duplicated: counted once as received, once as duplicated', async () => {
    const r = await faulty('faulty://?duplicate=50', { rate: 2000, duration: '1s' });
    expect(r.counts.duplicated).toBe(Math.floor(r.counts.sent / 50));
    expect(r.counts.received).toBe(r.counts.sent);
    expect(r.counts.lost).toBe(0);
    expect(r.latencyUs.endToEnd.count).toBe(r.counts.sent);
  });

  test('every 10th message held behind the next: reordered, not lost', async () => {
    const r = await faulty('faulty://?reorder=10', { rate: 2000, duration: '1s' });
    // the last held message may have had no successor: delivered late, not reordered
    expect(r.counts.reordered).toBeGreaterThanOrEqual(Math.floor(r.counts.sent / 10) - 1);
    expect(r.counts.reordered).toBeLessThanOrEqual(Math.floor(r.counts.sent / 10));
    expect(r.counts.lost).toBe(0);
  });

  test('every 100th send rejected by the broker: send errors, completed-with-errors, never lost', async () => {
    const r = await faulty('faulty://?rejectEvery=100&brokerAcks=1', { rate: 2000, duration: '1s', scenario: 'ack' });
    expect(r.status).toBe('completed-with-errors');
    expect(r.counts.sendErrors).toBe(Math.floor(r.counts.sent / 100));
    expect(r.counts.lost).toBe(0);
    if (r.status !== 'completed') expect(r.error).toMatch(/^\d+ measured sends? failed or (was|were) never confirmed; first error: rejected by faulty broker \(message 100\)/);
    expectEveryMessageAccounted(r);
  });
});

describe('stalls and broker loss end the run as aborted, with exact counts', () => {
  test('a broker frozen after 300 messages: aborted within the stall timeout, what was in doubt is a send error', async () => {
    const started = Date.now();
    const r = await faulty('faulty://?stallAfter=300&brokerAcks=1', { rate: 1000, duration: '30s', 'stall-timeout': '1s', scenario: 'ack' });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.status).toBe('aborted');
    if (r.status !== 'completed') expect(r.error).toBe('no progress for 1s (broker frozen or unreachable?)');
    expect(r.counts.received).toBe(300);
    expect(r.counts.acked).toBe(300);
    expect(r.counts.sendErrors).toBe(r.counts.sent - 300);
    expect(r.counts.lost).toBe(0);
    expectEveryMessageAccounted(r);
  });

  test('a closed loop whose window is full of lost messages stalls instead of hanging', async () => {
    const r = await faulty('faulty://?drop=1', { rate: 'max', inflight: 50, duration: '30s', 'stall-timeout': '1s' });
    expect(r.status).toBe('aborted');
    expect(r.counts.sent).toBe(50);
    expect(r.counts.lost).toBe(50);
  });

  test('connection lost after 200 messages: aborted with the reason', async () => {
    const r = await faulty('faulty://?fatalAfter=200', { rate: 1000, duration: '30s' });
    expect(r.status).toBe('aborted');
    if (r.status !== 'completed') expect(r.error).toMatch(/^broker connection lost/);
    expect(r.counts.received).toBe(200);
    expectEveryMessageAccounted(r);
  });

  test('an interrupt (AbortSignal) ends the run as aborted "interrupted"', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const r = await faulty('faulty://', { rate: 1000, duration: '30s' }, controller.signal);
    expect(r.status).toBe('aborted');
    if (r.status !== 'completed') expect(r.error).toBe('interrupted');
    expect(r.counts.lost).toBe(0);
  });
});

describe('open loop: numbers are what happened', () => {
  test('--rate 1 for 3 s: about 1 msg/s sent, every scheduled message sent', async () => {
    const r = await faulty('faulty://', { rate: 1, duration: '3s' });
    expect(r.throughput.sentPerSec).toBeGreaterThanOrEqual(0.9);
    expect(r.throughput.sentPerSec).toBeLessThanOrEqual(1.1);
    expect(r.openLoop).toMatchObject({ askedPerSec: 1, scheduled: 3, unsent: 0, targetReached: true });
  });

  test('an impossible rate: bounded outstanding sends, target not reached, the shortfall counted', async () => {
    const started = Date.now();
    const r = await faulty('faulty://?brokerAcks=1&delayMs=1', { rate: 10_000_000, duration: '1s', 'max-outstanding': 1000, scenario: 'ack' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe('completed');
    const o = r.openLoop;
    expect(o?.targetReached).toBe(false);
    expect(o?.scheduled).toBe(10_000_000);
    expect(o?.unsent).toBe((o?.scheduled ?? 0) - r.counts.sent);
    expect(o?.achievedSendPerSec).toBe(r.throughput.sentPerSec);
    expect(r.throughput.sentPerSec).toBeCloseTo(r.counts.sent / (r.throughput.sendWindowUs / 1e6), 6);
    expect(r.throughput.receivedPerSec).toBeCloseTo(r.counts.received / (r.throughput.receiveWindowUs / 1e6), 6);
    expect(r.counts.lost).toBe(0);
  });

  test('a broker that pauses: the cap holds sends back, they go out late, both are counted', async () => {
    const r = await faulty('faulty://?brokerAcks=1&stallAfter=500&stallForMs=300', { rate: 5000, duration: '1s', 'max-outstanding': 50, scenario: 'ack' });
    expect(r.openLoop?.heldByCap).toBeGreaterThan(0);
    // held back for ~300 ms at 5,000 msg/s: over a thousand sends leave late
    expect(r.openLoop?.lateSends).toBeGreaterThan(1000);
    expect(r.latencyUs.sendDelay.max).toBeGreaterThan(250_000);
    expect(r.counts.lost).toBe(0);
    expect(r.executor).toBe('open loop at 5,000 msg/s, at most 50 sends outstanding');
  });
});

describe('the recorder after close', () => {
  test('a receipt or acknowledgement after close is counted, never recorded into a released histogram', () => {
    const recorder = new Recorder(1, 1000);
    recorder.addProducer(0);
    const receipts = recorder.addConsumer(0, 0);
    recorder.startMeasuring(0);
    const payload = Buffer.alloc(64);
    writeHeader(payload, 0, 0, true, 1);
    recorder.sent(0, 0, true, 1, 2);
    const recording = recorder.close({});
    expect(recording.producers[0]?.errors).toBe(1); // unsettled at close: given up on
    expect(() => recorder.received(receipts, payload, 10)).not.toThrow();
    expect(() => recorder.acked(0, 0, true, 2, 10, true)).not.toThrow();
    expect(recorder.afterClose).toBe(2);
  });
});

describe('driver events and path counts reach every result, not only failover runs', () => {
  test.each([1, 2])('every 100th message takes a fallback path: one event each, counted per path (%i worker process(es))', async (workers) => {
    const r = await faulty('faulty://?fallbackEvery=100', { rate: 2000, duration: '1s', workers });
    expect(r.status).toBe('completed');
    const fallbackEvents = (r.events ?? []).filter((e) => e.kind === 'faulty-fallback');
    expect(fallbackEvents.length).toBeGreaterThanOrEqual(Math.floor(r.counts.sent / 100) - workers);
    expect(r.clientPaths?.fallbacks).toEqual([{ reason: 'faulty fallback', count: fallbackEvents.length }]);
    const records = (r.clientPaths?.paths ?? []).reduce((n, p) => n + p.records, 0);
    expect(records).toBe(r.counts.sent);
    expect(r.clientPaths?.paths.find((p) => p.path === 'send: fallback')?.records).toBe(fallbackEvents.length);
    // stamped on the run's clock, relative to the measured window, in time order
    const times = fallbackEvents.map((e) => e.atUs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(-100_000);
    expect(times.at(-1)).toBeLessThanOrEqual(1_500_000);
    // a fallback is never silent: its own line in the summary, a cell in the report's accounting table
    expect(renderSummary(r)).toMatch(new RegExp(`^  FALLBACK: faulty fallback \\(${fallbackEvents.length} times\\)$`, 'm'));
    expect(renderMarkdownReport([r], 'paths')).toContain(`FALLBACK faulty fallback x${fallbackEvents.length}`);
  });

  test('a driver without two paths keeps no path counts', async () => {
    const r = await faulty('faulty://?drop=1000', { rate: 1000, duration: '1s' });
    expect(r.clientPaths).toBeUndefined();
  });
});

describe('driver events are bounded', () => {
  test('a driver that reports every message: the first 100 of the kind kept, one more event counts the rest', async () => {
    const r = await faulty('faulty://?fallbackEvery=1', { rate: 1000, duration: '1s' });
    const events = (r.events ?? []).filter((e) => e.kind === 'faulty-fallback');
    expect(events).toHaveLength(101);
    expect(events.at(-1)?.detail).toMatch(new RegExp(`^${r.counts.sent - 100} more faulty-fallback events? not kept, the last at its time: message ${r.counts.sent}$`));
    expect(r.clientPaths?.fallbacks).toEqual([{ reason: 'faulty fallback', count: r.counts.sent }]);
  });
});
