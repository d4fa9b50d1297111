/**
 * What reports/notes.md says around the failover tables of question 3 (scripts/notes-q3.sh). The tables
 * are regenerated from the raw results; this reading was written from the sitting of 2026-12-07 and names
 * its figures, so re-read it when the tables change.
 */

export const clusterIntro = `### On 3-node clusters: what happens to messages, and to each client, when a node dies

\`bench run --scenario failover\` on mqbench's local clusters (\`bench brokers up rabbit-cluster|kafka-cluster\`: three
RabbitMQ nodes, three Kafka KRaft nodes with replication factor 3 and min.insync.replicas 2, all on this 2-core host):
at-least-once (publisher confirms / acks, manual ack / commits after processing), open loop at 500 msg/s from three
producers, 25 s measured; 5 s in, the node leading the run's queue or partition is killed (SIGKILL) and restarted 8 s
later (\`kill\`), killed for the rest of the run (\`kill-never\`: \`--fault-for never\`, restarted only after the run), or
frozen (SIGSTOP) and continued 8 s later (\`stop\`). Clients reconnect to a surviving node and resend what the broker did
not acknowledge. On RabbitMQ each producer and the consumer have a connection of their own, dealt over the three nodes
(\`--clients spread\`: one producer and the consumer on the node that dies, two producers on survivors), and four
**late joiners**, fresh producers at one producer's rate each, open on survivors 50 ms after the fault
(\`--late-joiners 4\`): what a newly started application instance sees. Kafka's clients talk to each partition's
leader wherever they first connected, so they are not placed. Three repeats of each, the cases interleaved round by
round, made by \`REPEAT=3 DURATION=25s FAULT_AT=5s FAULT_FOR=8s RATE=500 scripts/notes-q3.sh\` (raw results:
\`results/baselines/q3-populations/\`; the line above the tables says where and when; the Kafka rows
were run after the Kafka fixes, at the end of the same session). "Unavailable" is the longest
stretch with no broker acknowledgement (publish) or no delivery (consume) that began after the fault and before the
restore began; what the restore itself caused (a node rejoining, a mirror syncing) is the "once restored" column;
"never back" counts runs where the stretch lasted to the end of the window. "Acked then lost" are messages the broker
confirmed that no consumer ever received: real data loss.`;

export const clusterReading = `What the runs show (medians of 3, ranges in brackets; "s" is seconds):

- **The exchange is not the single point; the queue is.** Exchanges and bindings are cluster metadata, on every
  node: in every RabbitMQ run the clients of the killed node reconnected to a survivor within 0.2 s (the events)
  and published through the exchange there. What fails is the node that holds the queue (a classic queue) or leads it
  (quorum, stream), and what a client sees depends on where it is: the run-wide column counts any acknowledgement, so
  while the survivors publish the run looks available; the population table shows who waited.
- **Quorum queues: a fault of 0.3 s for clients that were already publishing, of the whole outage for clients that
  start during the election.** Producers on survivors: publish gap 0.33 s (0.18..0.72) after a kill, 0.30 s
  (0.26..0.35) when the node never came back, 0 lost. The producer that was on the killed node reconnected within
  0.2 s, but its new channel was nacked until the killed node returned: 11.93 s (0.28..14.24) with the node restarted
  after 8 s, and never back in 2 of 3 runs when it stayed down (in the third its first publish came after the
  election). The four late joiners (opened 50 ms after the kill on survivors) were nacked for 11.50 s (0.17..13.89)
  and, with the node gone for good, for the rest of the run in 3 of 3: their sends were never acknowledged (88..110
  given up per run, so those runs end \`completed-with-errors\`), and nothing acknowledged was lost. This is RabbitMQ
  3.10.8's behaviour reproduced with a plain amqplib client ([rabbit-new-channel-after-kill.md](rabbit-new-channel-after-kill.md):
  a channel whose first publish to the queue comes before the new leader is elected stays nacked until the dead
  node's VM is back), and the test suite checks mqbench's survivors figure against an independent amqplib
  publisher on the same cluster (within 0.5 s). The old "quorum: unavailable 9.8 s" was the figure of the client on
  the killed node only. Newer RabbitMQ releases cannot be tried here (only 3.10.8 is installed).
- **Streams and mirrored classic queues: every population back within about a second.** Stream: 0.38 s (survivors),
  0.99 s (0.38..0.99, the reconnecting producer), 0.38 s (late joiners), consumers 0.68 s, 0 lost, 0 duplicates; the
  same when the node stays down. Mirrored classic (ha-mode all): 0.19 / 0.24 / 0.18 s, consumer 0.20 s, 0 lost,
  16 duplicates among the survivors' messages and 12 among the reconnecting producer's (redeliveries to the consumer,
  which was on the killed node, and resends: at-least-once allows both); the node's return cost another
  0.32 s gap (the mirror syncing), kept apart in the "once restored" column.
- **An unreplicated classic queue loses everything sent after its node dies, and the broker confirms it all.** The
  run's classic queue is transient: it died with its node, the exchange then routed to nothing, and RabbitMQ
  confirmed every publish anyway (no \`mandatory\` flag): 23,032 (7,070..23,227) acknowledged then lost per run,
  from every population (late joiners 13,139: they never published to a live queue), publishing "unavailable" only
  0.07 s, the consumer never back.
- **A frozen leader is an outage for every population, and no failover.** SIGSTOP for 8 s: every queue type, every
  population, about 8 s without acknowledgements (medians 7.96..8.08 s; one quorum run's survivors 6.14 s), nothing
  lost. An 8 s freeze is shorter than RabbitMQ's failure
  detection (60 s net tick time), so peers and clients wait for it.
- **Kafka acks=all: nothing lost, unavailable for about the broker session timeout, and mqbench now sees what the Java
  client sees.** In this sitting (09:58-10:07, after the Kafka fixes below): acks=all, leader killed: publish 10.00 s
  (9.58..12.31), consume 9.86 s, 0 acknowledged lost; killed for good: 8.51 s (7.67..10.32), 0 lost: the partition
  moves to a survivor whether or not the node returns. acks=1 lost what it had acknowledged: 2 (0..2) messages per
  kill and 5 (0..6) per permanent kill, REAL DATA LOSS as acks=1 allows (the dead leader's unreplicated tail), with
  gaps of 11.17 s (8.19..12.39) and 9.47 s. Kafka's clients are not placed: every producer of a partition talks to its
  leader, so all of them wait for the election. Seven leader kills the same morning, each with Kafka's own Java
  client (kafka-clients 4.1.1, acks=all, linger 0, 200 msg/s on the same partition) publishing beside mqbench: its
  longest acknowledgement gap 7.71 to 12.44 s, mqbench's publish gap 7.63 to 12.42 s, never more than 0.08 s apart.
  Before mqbench's producer followed a partition to its new leader by itself (it waited for the client's 5 s
  metadata refresh, then the engine's resend back-off) it was 0.9 to 3.7 s longer than the Java producer in 6 of 7
  such pairs: the old table's "12.6 s" was partly mqbench. The spread (7.6 to 12.4 s) is the broker's: the
  controller waits for the dead broker's session (9 s) to time out, less what of it had already passed, on a machine
  whose load average reached 11 during these runs.

What this host cannot show: three nodes on two cores share CPU and disk, so recovery times include the restart of a
JVM or an Erlang VM on a busy machine (two other engineers' work ran on it during this sitting). Network partitions,
rather than dead or frozen processes, are below.`;

/** The partition sitting's settings, each a folder under results/baselines/q3-partitions. */
export const partitionGroups = [
  { folder: 'ignore', title: 'RabbitMQ, cluster_partition_handling = ignore (RabbitMQ\'s default)' },
  { folder: 'pause_minority', title: 'RabbitMQ, cluster_partition_handling = pause_minority' },
  { folder: 'autoheal', title: 'RabbitMQ, cluster_partition_handling = autoheal' },
  { folder: 'kafka', title: 'Kafka (KRaft, RF 3, min.insync.replicas 2)' },
] as const;

export const partitionIntro = `### Partitions on 3-node clusters: a leader cut off, not killed

The same failover scenario on clusters whose nodes each run in a network namespace of their own
(\`bench brokers up rabbit-cluster|kafka-cluster --netns\`), the leader of the run's queue or partition cut off with
nftables rules in its namespace (packets dropped both ways, so both sides see silence, as in a real partition) 5 s
into a 30 s window and healed 15 s later: \`--partition peers\` cuts it from the other nodes only (its own clients
still reach it: the split-brain case), \`--partition isolate\` from the other nodes and from every client. RabbitMQ's
nodes notice a silent peer after 0.75-1.25 of their net_ticktime (10 s on these clusters, instead of 60 s, so that the
partition is noticed inside the window); Kafka's controller fences a broker whose heartbeats stop after
\`broker.session.timeout.ms\` (3 s on these clusters, instead of 9 s, for the same reason). RabbitMQ runs place their
clients as above (\`--clients spread --late-joiners 4\`); "divergence" reads the failed-node population as the cut
side (until one of its clients lost its connection: then they were on a survivor) and the others as the
majority: whether both sides acknowledged sends while apart, and what each side's producers lost. With \`ignore\` RabbitMQ does not merge the two sides when the network heals; as its documentation
tells an operator, mqbench then restarts the cut node's RabbitMQ application (\`rabbitmqctl stop_app\`, \`start_app\`),
which is where that side's changes are thrown away, and the run's events say so. What the brokers themselves logged
(a peer down, Mnesia's \`inconsistent_database\`, a mirror promoted, an ISR shrinking) is in each result's events
(\`broker-reported\`). Made by \`scripts/notes-q3-partitions.sh\` (3 repeats of each case, interleaved; raw results:
\`results/baselines/q3-partitions/\`).`;

export const partitionReading = `What the partition runs show (medians of 3, ranges in brackets; one sitting, 2026-12-07 11:28-11:52,
with a second engineer's profiling runs on the same machine part of the time):

- **A partition is slower to fail over than a kill, because silence has to be noticed.** Quorum queue, leader
  isolated: producers on survivors waited 6.46 s (6.20..8.89) with \`ignore\` and 8.21 s (7.46..9.02) with
  \`pause_minority\` against 0.33 s when the leader's node was killed (a dead VM closes its connections at once;
  an isolated one goes quiet). The cut node's own clients waited 12.95 s and 12.92 s: their connections went
  silent and only the 5 s heartbeat (two missed) told them to reconnect to a survivor. Late joiners, opened on
  survivors 50 ms after the cut, were nacked for 16.00 s and 15.33 s, until about the heal, as after a kill
  (the RabbitMQ 3.10.8 behaviour described above). Nothing acknowledged was lost in any quorum run.
- **Quorum, leader cut from its peers only: its own clients are stuck, and nobody diverges.** With
  \`--partition peers\` the leader's node is still reachable: its producer stayed connected, and a Raft leader
  without a majority acknowledges nothing, so that producer had no acknowledgement for the rest of the window
  (29.53 s, 29.25..29.80); its consumer got nothing for 15.54 s; survivors 7.65 s. The minority took no writes
  (both sides accepted writes in 0 of 3 runs), and 0 acknowledged messages were lost. The 1,000 duplicates per
  run are the consumer's 1,000 prefetched, unacknowledged deliveries, redelivered once it reconnected
  (at-least-once allows them).
- **Mirrored classic queue, leader cut from its peers: a split brain every time, and what it costs depends on
  the partition handling.** Both sides promoted or kept a master and acknowledged writes while apart in 3 of 3
  runs with \`ignore\` and \`autoheal\`, in 0 of 3 with \`pause_minority\` (the cut node paused itself: its producer
  waited 20.93 s, 15.27..21.19, and reconnected to the majority). The cut side acknowledged only 22 messages while
  apart: its producer's sends waited for mirror confirms until its node declared the peers down (about 11 s after
  the cut: net_ticktime 10 s) and the open loop's cap held the rest; the majority acknowledged 8,828
  (7,410..11,271) with \`ignore\`. With \`ignore\`, mqbench restarted the cut node after the heal (as RabbitMQ's
  documentation tells an operator to): its side was thrown away, but its 22 messages had already reached the
  consumer on that node and its unacknowledged sends were resent, so **0 acknowledged messages were lost**. The
  loss RabbitMQ documents for this mode needs messages acknowledged on the losing side and not yet consumed when
  it restarts: a backlog on the cut side, which these runs (one consumer keeping up, on the cut node) do not
  build. **With \`autoheal\` the majority was the side thrown away in 2 of 3 runs: 24,134 and 23,438 acknowledged
  messages lost (REAL DATA LOSS), 0 in the third.** Autoheal's own log lines (in the events) show why: node 1,
  the cut node, decided; it named node 2 the winner and restarted node 3, where the majority's promoted master
  held everything acknowledged since the cut (and after the heal, until the restart at about 30 s), so the loss
  is larger than what was acknowledged while apart. In the third run autoheal restarted the cut node instead.
- **Kafka, leader isolated: Kafka moved the partition within seconds; its clients, Kafka's own Java client
  included, waited for the heal.** The cut leader's peers fenced it and logged the ISR shrinking and the new
  leader 5.1 s after the cut (the events; session timeout 3 s on this cluster). Acks=all: 0 acknowledged lost,
  but publish unavailable 16.63 s (15.02..27.45) and consume 27.43 s; acks=1: 2 (0..16) acknowledged messages
  lost, publish 26.68 s. A produce request sent to the isolated leader gets no answer and no error: the producer
  learns of the new leader only when the old one answers NOT_LEADER_OR_FOLLOWER after the heal (or when its
  request times out). Kafka's own Java client does the same: run beside one more such partition
  (\`results/baselines/q3-partitions/kafka-witness/\`: kafka-clients 4.1.1, acks=all, 200 msg/s on the run's
  partition, request.timeout.ms at its default of 30 s), its longest gap between acknowledgements was 15.98 s
  where mqbench's publish gap was 16.11 s, and its longest gap between its own receipts 26.68 s where mqbench's
  consume gap was 26.63 s; the leader had moved 3.4 s after the cut. So this is what a Kafka client with default
  settings sees when its partition leader goes silent: an outage as long as the partition (up to
  request.timeout.ms), whatever the cluster did. In one acks=all run of the three the old leader answered only
  12.8 s after the heal (gap 27.45 s); that run had no Java witness beside it.`;
