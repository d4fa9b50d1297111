/**
 * What reports/notes.md says around the failover table of question 3 (scripts/notes-q3.sh). The table is
 * regenerated from the raw results; this reading was written from the runs of 2026-11-25 and names their
 * figures, so re-read it when the table changes.
 */

export const clusterIntro = `### On 3-node clusters: what happens to messages when a node dies

\`bench run --scenario failover\` on mqbench's local clusters (\`bench brokers up rabbit-cluster|kafka-cluster\`: three
RabbitMQ 3.10.8 nodes, three Kafka 4.1.1 KRaft nodes with replication factor 3 and min.insync.replicas 2, all on this
2-core host): at-least-once (publisher confirms / acks, manual ack / commits after processing), open loop at
500 msg/s, 25 s measured; 5 s in, the node leading the run's queue or partition is killed (SIGKILL, restarted 8 s
later) or frozen (SIGSTOP, continued 8 s later). The client reconnects to a surviving node and resends what the
broker did not acknowledge. Three repeats of each, made by
\`REPEAT=3 DURATION=25s FAULT_AT=5s FAULT_FOR=8s RATE=500 scripts/notes-q3.sh\` (raw results:
\`results/baselines/q3/\`). "Unavailable" is the longest stretch with no broker acknowledgement (publish) or no
delivery (consume) after the fault; "acked then lost" are messages the broker confirmed that no consumer ever
received: real data loss.`;

export const clusterReading = `What the runs show (medians of 3, ranges in brackets):

- **The exchange is not the single point; the queue is.** Exchanges and bindings are cluster metadata, on every
  node: in every RabbitMQ run the client reconnected to a surviving node within about 0.1 s and publishing through
  the exchange went on there. What fails is the node that holds the queue (a classic queue) or leads it (quorum,
  stream).
- **An unreplicated classic queue loses everything sent after its node dies, and the broker confirms it all.** The
  run's classic queue is transient (as the ack scenario declares it): it died with its node, the exchange then routed
  to nothing, and RabbitMQ confirmed each publish anyway (no \`mandatory\` flag): 9,994 (9,987..9,995) acknowledged then
  lost per run, publishing "unavailable" only 0.11 s, consumers never back. A durable classic queue
  (\`--persistent true\`) was not measured here.
- **Replicated RabbitMQ queues lose nothing.** Mirrored classic (ha-mode all): unavailable 0.30 s (publish) and
  0.18 s (consume), about 20 duplicates (redeliveries, as at-least-once allows). Stream: 0.75 / 0.82 s, 1 duplicate.
  Quorum: 0 lost too, but unavailable 9.8 s (9.6..10.6): in these runs publishes were refused (nacked) until the killed
  node was back (8 s + its restart), although the remaining two nodes are a majority. Not explained yet; RabbitMQ
  3.10's quorum-queue client takes the leader from the queue record, which can be stale right after a leader dies
  (rabbitmq-server pull request 9241, in 3.11 and 3.12), which fits, but is not proven here.
- **Kafka loses nothing with acks=all, and is unavailable for about the broker session timeout.** acks=all: 12.6 s
  (12.6..12.7) without acknowledgements, 0 lost, about 16 duplicates; acks=1: 10.3 s (10.3..14.9), 0 lost in these
  three kills (acks=1 can lose what the dead leader acknowledged and had not replicated; these runs did not catch
  it). The outage is bounded by \`broker.session.timeout.ms\` (9 s) before the controller moves leadership, plus the
  client's metadata refresh; the backlog then drains with p99 of 3 to 6 s.
- **A frozen leader is an outage for every one of them, and no failover.** SIGSTOP for 8 s: every queue type and
  Kafka were unavailable for the whole 8 s (7.97..8.07 s) and lost nothing. An 8 s freeze is shorter than failure
  detection (Kafka's 9 s session timeout; RabbitMQ's 60 s net tick time), so peers and clients simply wait. One of
  the Kafka acks=all freezes crashed inside @platformatic/kafka (a TypeError in its connection pool): that run
  left no result, and since then such a crash ends the run as \`aborted\` with a result.

- **A leader frozen longer than failure detection: Kafka acks=1 loses acknowledged messages.** With the scenario's
  defaults (1,000 msg/s, 40 s, the leader frozen 10 s in for 15 s; one run each, raw results in
  \`results/baselines/q3-freeze15/\`): Kafka acks=1 lost 300 messages the broker had acknowledged (REAL DATA LOSS,
  as acks=1 allows: most likely the frozen leader's unreplicated tail, truncated when it rejoined as a follower) and its consumer redelivered
  23,837 duplicates; Kafka acks=all lost nothing; the RabbitMQ quorum queue lost nothing. All three were
  unavailable for the whole 15 s (15.0 to 15.6 s).

What this host cannot show: three nodes on two cores share CPU and disk, so recovery times include the restart of a
JVM or an Erlang VM on a busy machine; network partitions (rather than dead or frozen processes) are not simulated.`;
