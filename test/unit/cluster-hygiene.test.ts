/**
 * The parts of issue 29's cluster hygiene that need no broker: a stopped process found and continued
 * (a real child process, SIGSTOPped as --fault stop does), and which rabbitmqctl calls `bench clean`
 * makes for a node mqbench started (its cookie; every node of a namespaced cluster with --local).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ctlTargetsOf, privateNodeAt } from '../../src/drivers/rabbit/clean.js';
import type { PrivateRabbitState } from '../../src/drivers/rabbit/local.js';
import { frozenNodeLines, frozenProcesses, resumeFrozen } from '../../src/provision/process-state.js';
import { sleepMs } from '../../src/util/clock.js';

const stateLetter = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '';

async function until(condition: () => boolean): Promise<void> {
  for (let k = 0; k < 100 && !condition(); k++) await sleepMs(20);
}

describe('a node left frozen', () => {
  test.concurrent('its stopped processes are found, continued, and then no longer found', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid as number;
    try {
      expect(await frozenProcesses(pid)).toEqual([]);
      expect(await resumeFrozen(pid)).toEqual([]);
      process.kill(pid, 'SIGSTOP');
      await until(() => stateLetter(pid) === 'T');
      expect(await frozenProcesses(pid)).toEqual([pid]);
      expect(await resumeFrozen(pid)).toEqual([pid]);
      await until(() => stateLetter(pid) !== 'T');
      expect(stateLetter(pid)).not.toBe('T');
      expect(await frozenProcesses(pid)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test.concurrent('a dry run names each frozen node, none other', () => {
    const nodes = [
      { index: 1, pid: 11, frozen: false },
      { index: 2, pid: 22, frozen: true },
    ];
    expect(frozenNodeLines('kafka-cluster', nodes)).toEqual(['kafka-cluster node 2: stopped (SIGSTOP, pid 22)  would continue (SIGCONT)']);
  });
});

const clusterHome = '/state/rabbit-cluster';
const loopbackNode = (i: number): PrivateRabbitState => ({ name: `mqbench-c${i}`, port: 5700 + i, distPort: 25700 + i, environment: { HOME: clusterHome }, pid: 100 + i, node: `mqbench-c${i}@localhost`, url: '', startedAt: '' });
const namespaceNode = (i: number): PrivateRabbitState => ({
  ...loopbackNode(i),
  port: 5672,
  distPort: 25672,
  network: { namespace: `mqbench-rabbit-cluster-n${i}`, address: `10.213.7.${10 + i}` },
  node: `mqbench-c${i}@10.213.7.${10 + i}`,
});
const privateCtl = process.env.MQBENCH_RABBITMQCTL ?? '/usr/lib/rabbitmq/bin/rabbitmqctl';

describe('bench clean on a node mqbench started', () => {
  test.concurrent('a loopback cluster node is found by its port and asked alone, with the cluster\'s HOME (its cookie)', () => {
    const nodes = [1, 2, 3].map(loopbackNode);
    const node = privateNodeAt('127.0.0.1', 5702, nodes);
    expect(node?.name).toBe('mqbench-c2');
    expect(privateNodeAt('127.0.0.1', 5672, nodes)).toBeUndefined();
    expect(ctlTargetsOf(node as PrivateRabbitState, nodes)).toEqual([{ command: privateCtl, nodeArgs: ['-n', 'mqbench-c2@localhost'], env: { HOME: clusterHome } }]);
  });

  test.concurrent('a namespaced node is found by its address (not taken for the default node on 5672), and every node of its cluster is asked with --local', () => {
    const nodes = [...[1, 2, 3].map(namespaceNode), { ...loopbackNode(9), environment: { HOME: '/state/other' } }];
    expect(privateNodeAt('127.0.0.1', 5672, nodes)).toBeUndefined();
    const node = privateNodeAt('10.213.7.12', 5672, nodes) as PrivateRabbitState;
    expect(node.name).toBe('mqbench-c2');
    const targets = ctlTargetsOf(node, nodes);
    expect(targets.map((t) => t.nodeArgs)).toEqual([2, 1, 3].map((i) => ['--longnames', '-n', `mqbench-c${i}@10.213.7.${10 + i}`]));
    expect(targets.every((t) => t.local === true && t.env?.HOME === clusterHome)).toBe(true);
  });
});
