import { describe, expect, test } from 'vitest';
import { rabbitReportOf } from '../../src/drivers/rabbit/reports.js';

// RabbitMQ 3.10.8's log format; the messages as its nodes logged them in the partition runs (events of results/baselines/q3-partitions)
const at = '2026-12-07 11:34:58.123456+00:00 [info] <0.1234.0> ';
const queue = 'mqbench-23959a4b.failover.ha';

describe('what a RabbitMQ node reports about the cluster (rabbit-cluster watchReports)', () => {
  test.each([
    "rabbit on node 'mqbench-c2@10.213.237.12' down",
    "node 'mqbench-c3@10.213.237.13' down: net_tick_timeout",
    "node 'mqbench-c1@10.213.237.11' up",
    "Mnesia('mqbench-c1@10.213.237.11'): ** ERROR ** mnesia_event got {inconsistent_database, running_partitioned_network, 'mqbench-c3@10.213.237.13'}",
    "Autoheal: I am the winner, waiting for ['mqbench-c3@10.213.237.13'] to stop",
    'Cluster minority/secondary status detected - awaiting recovery',
    `Mirrored queue '${queue}' in vhost '/': Promoting mirror <mqbench-c3@10.213.237.13.1796641897.1410.0> to leader`,
  ])('reported, without its timestamp: %s', (message) => {
    expect(rabbitReportOf(`${at}${message}`, [queue])).toBe(message);
  });

  test('everyday lines, and another queue\'s election, are not reports', () => {
    expect(rabbitReportOf(`${at}accepting AMQP connection <0.999.0> (10.213.237.1:50412 -> 10.213.237.11:5672)`, [queue])).toBeUndefined();
    expect(rabbitReportOf(`${at}Mirrored queue 'someone-else' in vhost '/': Promoting mirror <x> to leader`, [queue])).toBeUndefined();
    expect(rabbitReportOf('', [queue])).toBeUndefined();
  });

  test('a long report is cut to one line of 200 characters', () => {
    const long = rabbitReportOf(`${at}Partial partition detected: ${'x'.repeat(400)}`, []);
    expect(long).toHaveLength(200);
    expect(long?.endsWith('…')).toBe(true);
  });
});
