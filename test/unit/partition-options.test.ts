/**
 * --fault partition and --partition as the run plan takes them: the plan and the record, and every
 * refusal (one line, exit 2) before anything connects. Whether the cluster is up on per-node networks
 * is the cluster's own answer (partitionable), replaced here so that no cluster has to be up.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { findPlugin } from '../../src/drivers/index.js';
import type { LocalCluster } from '../../src/drivers/plugin.js';
import { planRun } from '../../src/plan/index.js';
import { refusal } from '../refusal.js';

const plan = (broker: string, options: Record<string, string | number | boolean> = {}) => planRun({ ...options, broker, scenario: 'failover' });
const rabbitCluster = findPlugin('rabbit').cluster as LocalCluster & { partitionable: () => boolean };
const upOnNetworks = (netns: boolean) => vi.spyOn(rabbitCluster, 'partitionable').mockReturnValue(netns);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('--fault partition', () => {
  test('default mode isolate, the target and timing as for the other faults; the record names the mode', () => {
    upOnNetworks(true);
    const { fault, workload } = plan('rabbit', { fault: 'partition', 'fault-target': 'node:2', 'fault-at': '5s', 'fault-for': '8s', duration: '20s' });
    expect(fault).toEqual({ kind: 'partition', mode: 'isolate', target: { node: 2 }, atUs: 5_000_000, forUs: 8_000_000 });
    expect(workload.fault).toMatchObject({ kind: 'partition', partition: 'isolate', target: 'node:2', atUs: 5_000_000, forUs: 8_000_000 });
  });

  test('--partition peers|clients, --fault-for never', () => {
    upOnNetworks(true);
    expect(plan('rabbit', { fault: 'partition', partition: 'peers' }).fault).toMatchObject({ kind: 'partition', mode: 'peers', target: 'leader' });
    expect(plan('rabbit', { fault: 'partition', partition: 'clients', 'fault-for': 'never' }).fault).toMatchObject({ mode: 'clients', forUs: null });
  });

  test('refused on a cluster that is not up on per-node networks: says to bring it up with --netns', () => {
    upOnNetworks(false);
    expect(refusal(() => plan('rabbit', { fault: 'partition' }))).toBe(
      '--fault partition: rabbit-cluster is not up on per-node networks; bring it up with `npx bench brokers up rabbit-cluster --netns` (after `npx bench brokers down rabbit-cluster` if it runs on loopback)',
    );
  });

  test('kafka-cluster as well: refused when it is not up on per-node networks', () => {
    const kafkaCluster = findPlugin('kafka').cluster as LocalCluster & { partitionable: () => boolean };
    vi.spyOn(kafkaCluster, 'partitionable').mockReturnValue(false);
    expect(refusal(() => plan('kafka', { fault: 'partition' }))).toBe(
      '--fault partition: kafka-cluster is not up on per-node networks; bring it up with `npx bench brokers up kafka-cluster --netns` (after `npx bench brokers down kafka-cluster` if it runs on loopback)',
    );
  });

  test('refused on a cluster mqbench did not start', () => {
    upOnNetworks(true);
    expect(refusal(() => plan('rabbit', { fault: 'partition', 'rabbit-url': 'amqp://u:p@h1:5672,h2:5672' }))).toMatch(/^--fault partition: mqbench never partitions what it did not start; .*--fault-cmd/);
  });
});

describe('--partition refused where it means nothing', () => {
  test('with another fault (the default kill included)', () => {
    upOnNetworks(true);
    expect(refusal(() => plan('rabbit', { partition: 'peers' }))).toBe('--partition says how a node is cut off: it needs --fault partition (the fault here is kill)');
    expect(refusal(() => plan('rabbit', { fault: 'stop', partition: 'isolate' }))).toBe('--partition says how a node is cut off: it needs --fault partition (the fault here is stop)');
  });

  test('with --fault-cmd, outside the failover scenario, and with a mode that does not exist', () => {
    expect(refusal(() => plan('rabbit', { 'rabbit-url': 'amqp://u:p@h1:5672,h2:5672', 'fault-cmd': 'true', partition: 'peers' }))).toBe(
      '--partition cannot be combined with --fault-cmd: the command is the fault (mqbench kills only nodes it started)',
    );
    expect(refusal(() => planRun({ broker: 'rabbit', scenario: 'ack', partition: 'peers' }))).toBe('--partition is a failover option; it has no meaning in the ack scenario (use --scenario failover)');
    expect(refusal(() => plan('rabbit', { fault: 'partition', partition: 'half' }))).toMatch(/^--partition: .*isolate.*peers.*clients/);
  });
});
