/**
 * Kafka's own reports (src/drivers/kafka/broker-reports.ts) from lines copied from the broker.log of
 * kafka-cluster --netns nodes (Kafka 4.1.1): a run whose partition leader (node 1) was isolated, a run
 * whose follower (node 3) was isolated, and a follower frozen longer than replica.lag.time.max.ms.
 */
import { describe, expect, test } from 'vitest';
import { brokerReporter, parseBrokerLogLine } from '../../src/drivers/kafka/broker-reports.js';

/** Leader of mqbench-e65ac702.failover-0 (node 1) isolated for 8 s; node 2 is the active controller. */
const leaderIsolated = {
  topic: 'mqbench-e65ac702.failover',
  created: "[2026-12-07 10:41:56,794] INFO [Broker id=1] Leader mqbench-e65ac702.failover-0 with topic id Some(fJjN0gChSvuE0HcS_gcacQ) starts at leader epoch 0 from offset 0 with partition epoch 0, high watermark 0, ISR [1,2,3], adding replicas [] and removing replicas [] . Previous leader None and previous leader epoch was -1. (state.change.logger)",
  fenced: '[2026-12-07 10:42:08,208] INFO [QuorumController id=2] Fencing broker 1 at epoch 13 because its session has timed out. (org.apache.kafka.controller.ReplicationControlManager)',
  replayedOnEveryController: '[2026-12-07 10:42:13,890] INFO [QuorumController id=1] Replayed BrokerRegistrationChangeRecord modifying the registration for broker 1: BrokerRegistrationChangeRecord(brokerId=1, brokerEpoch=13, fenced=1, inControlledShutdown=0, logDirs=[]) (org.apache.kafka.controller.ClusterControlManager)',
  newLeader: "[2026-12-07 10:42:08,306] INFO [Broker id=2] Leader mqbench-e65ac702.failover-0 with topic id Some(fJjN0gChSvuE0HcS_gcacQ) starts at leader epoch 1 from offset 3113 with partition epoch 1, high watermark 3111, ISR [2,3], adding replicas [] and removing replicas [] . Previous leader Some(1) and previous leader epoch was 0. (state.change.logger)",
  follower: '[2026-12-07 10:42:13,890] INFO [Broker id=1] Follower mqbench-e65ac702.failover-0 starts at leader epoch 1 from offset 3116 with partition epoch 1 and high watermark 3113. Current leader is 2. Previous leader Some(2) and previous leader epoch was 1. (state.change.logger)',
  unfenced: '[2026-12-07 10:42:15,216] INFO [QuorumController id=2] The request from broker 1 to unfence has been granted because it has caught up with the offset of its register broker record 13. (org.apache.kafka.controller.BrokerHeartbeatManager)',
  otherTopic: '[2026-12-07 10:42:19,020] INFO [Partition __consumer_offsets-7 broker=2] ISR updated to 2,3,1  and version updated to 2 (kafka.cluster.Partition)',
  expanded: '[2026-12-07 10:42:19,126] INFO [Partition mqbench-e65ac702.failover-0 broker=2] ISR updated to 2,3,1  and version updated to 2 (kafka.cluster.Partition)',
  followerState: "[2026-12-07 10:42:19,108] INFO [Broker id=1] Skipped the become-follower state change for mqbench-e65ac702.failover-0 with topic id Some(fJjN0gChSvuE0HcS_gcacQ) and partition state LeaderAndIsrPartitionState(topicName='mqbench-e65ac702.failover', partitionIndex=0, controllerEpoch=-1, leader=2, leaderEpoch=1, isr=[2, 3, 1], partitionEpoch=2, replicas=[1, 2, 3], addingReplicas=[], removingReplicas=[], isNew=false, leaderRecoveryState=0) since it is already a follower with leader epoch 1. (state.change.logger)",
  leaderState: "[2026-12-07 10:42:19,136] INFO [Broker id=2] Skipped the become-leader state change for mqbench-e65ac702.failover-0 with topic id Some(fJjN0gChSvuE0HcS_gcacQ) and partition state LeaderAndIsrPartitionState(topicName='mqbench-e65ac702.failover', partitionIndex=0, controllerEpoch=-1, leader=2, leaderEpoch=1, isr=[2, 3, 1], partitionEpoch=2, replicas=[1, 2, 3], addingReplicas=[], removingReplicas=[], isNew=false, leaderRecoveryState=0) since it is already the leader with leader epoch 1. Current high watermark 3951, ISR [2,3,1], adding replicas [] and removing replicas []. (state.change.logger)",
};

/** Follower node 3 isolated: the controller fences it and the leader (node 1) is told the smaller ISR. */
const followerIsolated = {
  topic: 'mqbench-52f1bfc2.failover',
  created: "[2026-12-07 10:43:18,682] INFO [Broker id=1] Leader mqbench-52f1bfc2.failover-0 with topic id Some(avh4--5mQlCbBP54NM3Tng) starts at leader epoch 0 from offset 0 with partition epoch 0, high watermark 0, ISR [1,2,3], adding replicas [] and removing replicas [] . Previous leader None and previous leader epoch was -1. (state.change.logger)",
  shrunk: "[2026-12-07 10:43:28,954] INFO [Broker id=1] Skipped the become-leader state change for mqbench-52f1bfc2.failover-0 with topic id Some(avh4--5mQlCbBP54NM3Tng) and partition state LeaderAndIsrPartitionState(topicName='mqbench-52f1bfc2.failover', partitionIndex=0, controllerEpoch=-1, leader=1, leaderEpoch=0, isr=[1, 2], partitionEpoch=1, replicas=[1, 2, 3], addingReplicas=[], removingReplicas=[], isNew=false, leaderRecoveryState=0) since it is already the leader with leader epoch 0. Current high watermark 3040, ISR [1,2], adding replicas [] and removing replicas []. (state.change.logger)",
};

/** Follower node 1 frozen (SIGSTOP) for 3 s with replica.lag.time.max.ms=1500: the leader (node 2) shrinks the ISR itself. */
const followerLagging = {
  topic: 'mqbench-expshrink.failover',
  shrinking: '[2026-12-07 10:44:56,789] INFO [Partition mqbench-expshrink.failover-0 broker=2] Shrinking ISR from 2,3,1 to 2,3. Leader: (highWatermark: 45, endOffset: 95). Out of sync replicas: (brokerId: 1, endOffset: 45, lastCaughtUpTimeMs: 1796640295166). (kafka.cluster.Partition)',
  shrunk: "[2026-12-07 10:44:58,582] INFO [Broker id=2] Skipped the become-leader state change for mqbench-expshrink.failover-0 with topic id Some(BMCinl3nSL6dN3I2NB42CA) and partition state LeaderAndIsrPartitionState(topicName='mqbench-expshrink.failover', partitionIndex=0, controllerEpoch=-1, leader=2, leaderEpoch=0, isr=[2, 3], partitionEpoch=1, replicas=[2, 3, 1], addingReplicas=[], removingReplicas=[], isNew=false, leaderRecoveryState=0) since it is already the leader with leader epoch 0. Current high watermark 141, ISR [2,3], adding replicas [] and removing replicas []. (state.change.logger)",
  expanded: "[2026-12-07 10:44:58,820] INFO [Broker id=2] Skipped the become-leader state change for mqbench-expshrink.failover-0 with topic id Some(BMCinl3nSL6dN3I2NB42CA) and partition state LeaderAndIsrPartitionState(topicName='mqbench-expshrink.failover', partitionIndex=0, controllerEpoch=-1, leader=2, leaderEpoch=0, isr=[2, 3, 1], partitionEpoch=2, replicas=[2, 3, 1], addingReplicas=[], removingReplicas=[], isNew=false, leaderRecoveryState=0) since it is already the leader with leader epoch 0. Current high watermark 146, ISR [2,3,1], adding replicas [] and removing replicas []. (state.change.logger)",
};

describe('parseBrokerLogLine', () => {
  test('each kind of line Kafka 4.1.1 logs about ISRs and fencing', () => {
    expect(parseBrokerLogLine(followerLagging.shrinking)).toEqual({ kind: 'isr-shrinking', partition: 'mqbench-expshrink.failover-0', from: ['2', '3', '1'], to: ['2', '3'] });
    expect(parseBrokerLogLine(leaderIsolated.expanded)).toEqual({ kind: 'isr', partition: 'mqbench-e65ac702.failover-0', isr: ['2', '3', '1'], underMinIsr: false });
    expect(parseBrokerLogLine(leaderIsolated.newLeader)).toEqual({ kind: 'isr', partition: 'mqbench-e65ac702.failover-0', isr: ['2', '3'], underMinIsr: false, leader: { id: 2, epoch: 1, previous: '1' } });
    expect(parseBrokerLogLine(leaderIsolated.created)).toMatchObject({ leader: { id: 1, epoch: 0, previous: 'none' } });
    expect(parseBrokerLogLine(followerIsolated.shrunk)).toEqual({ kind: 'isr', partition: 'mqbench-52f1bfc2.failover-0', isr: ['1', '2'], underMinIsr: false });
    expect(parseBrokerLogLine(leaderIsolated.fenced)).toEqual({ kind: 'fenced', broker: 1 });
    expect(parseBrokerLogLine(leaderIsolated.unfenced)).toEqual({ kind: 'unfenced', broker: 1 });
  });

  test('lines that are not reports: every controller replaying the fence, a follower starting, a follower told the ISR', () => {
    for (const line of [leaderIsolated.replayedOnEveryController, leaderIsolated.follower, leaderIsolated.followerState, '']) expect(parseBrokerLogLine(line)).toBeUndefined();
  });
});

describe('brokerReporter', () => {
  test('leader isolated: fenced, a new leader with the smaller ISR, unfenced, the ISR grown back; repeats and other topics are quiet', () => {
    const reporter = brokerReporter(leaderIsolated.topic);
    reporter.seed(leaderIsolated.created);
    const lines = [leaderIsolated.fenced, leaderIsolated.replayedOnEveryController, leaderIsolated.newLeader, leaderIsolated.follower, leaderIsolated.unfenced, leaderIsolated.otherTopic, leaderIsolated.expanded, leaderIsolated.followerState, leaderIsolated.leaderState];
    expect(lines.map((line) => reporter.report(line)).filter((r) => r !== undefined)).toEqual([
      'as controller, fencing broker 1 (its session timed out)',
      'ISR of mqbench-e65ac702.failover-0 shrank from 1,2,3 to 2,3; leader 1 -> 2 (leader epoch 1)',
      'as controller, unfencing broker 1 (it caught up)',
      'ISR of mqbench-e65ac702.failover-0 expanded from 2,3 to 2,3,1',
    ]);
  });

  test('follower isolated: the leader is told the ISR without it', () => {
    const reporter = brokerReporter(followerIsolated.topic);
    reporter.seed(followerIsolated.created);
    expect(reporter.report(followerIsolated.shrunk)).toBe('ISR of mqbench-52f1bfc2.failover-0 shrank from 1,2,3 to 1,2');
  });

  test('follower lagging: the leader shrinks the ISR itself; its commit is not reported twice; the ISR grows back', () => {
    const reporter = brokerReporter(followerLagging.topic);
    expect([followerLagging.shrinking, followerLagging.shrunk, followerLagging.expanded].map((line) => reporter.report(line))).toEqual([
      "ISR of mqbench-expshrink.failover-0 shrinking from 2,3,1 to 2,3 (the leader's request)",
      undefined,
      'ISR of mqbench-expshrink.failover-0 expanded from 2,3 to 2,3,1',
    ]);
  });

  test('without a seed: a new topic\'s first leader is quiet, a later ISR is told as it is; another run\'s topic is ignored', () => {
    const reporter = brokerReporter(leaderIsolated.topic);
    expect(reporter.report(leaderIsolated.created)).toBeUndefined();
    expect(reporter.report(followerIsolated.shrunk)).toBeUndefined();
    expect(brokerReporter(leaderIsolated.topic).report(leaderIsolated.newLeader)).toBe('ISR of mqbench-e65ac702.failover-0 is 2,3; leader 1 -> 2 (leader epoch 1)');
  });

  test('a seed read after a report does not put the older ISR back', () => {
    const reporter = brokerReporter(leaderIsolated.topic);
    reporter.seed(leaderIsolated.created);
    reporter.report(leaderIsolated.newLeader);
    reporter.seed(leaderIsolated.created);
    expect(reporter.report(leaderIsolated.expanded)).toBe('ISR of mqbench-e65ac702.failover-0 expanded from 2,3 to 2,3,1');
  });
});
