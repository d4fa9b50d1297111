/** The fault plan's pure parts (timing, target choice, process tree) and the user-command plan. */
import { describe, expect, test } from 'vitest';
import type { ClusterNode } from '../../src/drivers/plugin.js';
import { runFaultPlan } from '../../src/faults/index.js';
import { connectedNodeIndex, delayUntilMs, restoreAtUs, targetNodeIndex } from '../../src/faults/plan.js';
import { parseStat, treeOf, type ProcessEntry } from '../../src/provision/processes.js';
import type { RunEvent } from '../../src/results/types.js';

const node = (index: number, url: string): ClusterNode => ({ index, name: `n${index}`, pid: 100 + index, url, running: true });
const rabbitNodes = [1, 2, 3].map((i) => node(i, `amqp://guest:guest@127.0.0.1:${5700 + i}`));
const rabbitUrl = rabbitNodes.map((n) => n.url).join(',');
const topology = { prefix: 'mqbench-unit', stream: 'failover', partitions: 1, subscriptions: 1 };

describe('fault timing', () => {
  test('waits until atUs, never a negative time', () => {
    expect(delayUntilMs(10_000_000, 2_500_000)).toBe(7500);
    expect(delayUntilMs(1_000_000, 3_000_000)).toBe(0);
  });
  test('the restore is due forUs after the fault really happened', () => {
    expect(restoreAtUs(10_200_000, 15_000_000)).toBe(25_200_000);
    expect(restoreAtUs(10_200_000, null)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('fault target', () => {
  test('connected is the node of the first URL, whatever the credentials and order of the nodes', () => {
    const shuffled = [rabbitNodes[2], rabbitNodes[0], rabbitNodes[1]] as ClusterNode[];
    expect(connectedNodeIndex('amqp://u:p@127.0.0.1:5702,amqp://u:p@127.0.0.1:5701', shuffled)).toBe(2);
    expect(connectedNodeIndex('127.0.0.1:9193,127.0.0.1:9192', [node(1, '127.0.0.1:9192'), node(2, '127.0.0.1:9193')])).toBe(2);
  });
  test('leader is what the broker said; node:N must be a node', () => {
    expect(targetNodeIndex('leader', rabbitUrl, rabbitNodes, 3)).toBe(3);
    expect(targetNodeIndex({ node: 2 }, rabbitUrl, rabbitNodes, undefined)).toBe(2);
    expect(() => targetNodeIndex({ node: 4 }, rabbitUrl, rabbitNodes, undefined)).toThrow('node:4 is not a node of the cluster (it has 1, 2, 3)');
    expect(() => targetNodeIndex('leader', rabbitUrl, rabbitNodes, undefined)).toThrow('the leader is not known');
  });
});

describe("a node's processes", () => {
  test('parses /proc/<pid>/stat, a command name with spaces and parentheses included', () => {
    expect(parseStat('4242 (beam.smp) S 4200 4200 4200 0 -1')).toEqual({ pid: 4242, state: 'S', ppid: 4200, pgid: 4200 });
    expect(parseStat('77 (a (b) c) Z 1 77 77')).toEqual({ pid: 77, state: 'Z', ppid: 1, pgid: 77 });
  });
  test('the group and every descendant, also one that left the group; zombies and strangers left out', () => {
    const table: ProcessEntry[] = [
      { pid: 10, ppid: 1, pgid: 10, state: 'S' }, // the start script, group leader
      { pid: 11, ppid: 10, pgid: 10, state: 'S' }, // the VM
      { pid: 12, ppid: 11, pgid: 12, state: 'S' }, // its helper, in a session of its own
      { pid: 13, ppid: 12, pgid: 12, state: 'Z' }, // dead, not reaped
      { pid: 20, ppid: 1, pgid: 20, state: 'S' }, // another node
    ];
    expect(treeOf(10, table).sort()).toEqual([10, 11, 12]);
  });
});

describe('a plan of user commands (--fault-cmd / --restore-cmd)', () => {
  test('runs both through the shell and reports exit codes, not the command text', async () => {
    const events: RunEvent[] = [];
    const plan = { kind: 'command', faultCmd: 'exit 3 # secret-token', restoreCmd: 'true', atUs: 50_000, forUs: 100_000 } as const;
    const began = Date.now();
    await runFaultPlan(plan, undefined, topology, (e) => events.push(e), new AbortController().signal);
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect(events.map((e) => e.kind)).toEqual(['fault-failed', 'fault-restoring', 'fault-restored']);
    expect(events[0]?.detail).toMatch(/^--fault-cmd exited 3 after \d+\.\d s$/);
    expect(events[0]?.atUs).toBeGreaterThanOrEqual(50_000);
    expect(JSON.stringify(events)).not.toContain('secret-token');
  });
  test('canceled before its time: nothing runs', async () => {
    const events: RunEvent[] = [];
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    await runFaultPlan({ kind: 'command', faultCmd: 'true', atUs: 10_000_000, forUs: 1 }, undefined, topology, (e) => events.push(e), stop.signal);
    expect(events).toEqual([]);
  });
  test('canceled during the fault: the restore runs at once', async () => {
    const events: RunEvent[] = [];
    const stop = new AbortController();
    const began = Date.now();
    const run = runFaultPlan({ kind: 'command', faultCmd: 'true', restoreCmd: 'true', atUs: 0, forUs: 60_000_000 }, undefined, topology, (e) => events.push(e), stop.signal);
    setTimeout(() => stop.abort(), 200);
    await run;
    expect(Date.now() - began).toBeLessThan(5000);
    expect(events.map((e) => e.kind)).toEqual(['fault-injected', 'fault-restoring', 'fault-restored']);
  });
  test('never restored (--fault-for never): the restore waits for the end of the run, then runs', async () => {
    const events: RunEvent[] = [];
    const stop = new AbortController();
    const began = Date.now();
    const run = runFaultPlan({ kind: 'command', faultCmd: 'true', restoreCmd: 'true', atUs: 0, forUs: null }, undefined, topology, (e) => events.push(e), stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.map((e) => e.kind)).toEqual(['fault-injected']);
    stop.abort();
    await run;
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(events.map((e) => e.kind)).toEqual(['fault-injected', 'fault-restoring', 'fault-restored']);
  });
  test('a node fault without a cluster mqbench started is refused as an event', async () => {
    const events: RunEvent[] = [];
    await runFaultPlan({ kind: 'kill', target: 'leader', atUs: 0, forUs: 1 }, undefined, topology, (e) => events.push(e), new AbortController().signal);
    expect(events.map((e) => e.detail)).toEqual(['--fault kill needs a cluster mqbench started; for another cluster use --fault-cmd']);
  });
});
