/**
 * What reports/notes.md says around the sweep tables of question 2 (scripts/notes-q2.sh). The tables are
 * regenerated from the raw results; this reading was written from the Kafka and RabbitMQ sweeps of
 * 2026-12-01 17:09-17:33 UTC (streams: 2026-11-25) and names their figures, so re-read it when the tables change.
 */

export const q2Intro = `The seed's claim is that Kafka's partitions let it spread one topic's load and so do more with the same
machine. Efficiency is a cost per message, so the sweeps below measure it: throughput and latency as the
number of partitions and the message size grow, with the broker's own CPU time and disk writes per message
(read from /proc for the broker processes, over the measured window) beside the client's CPU per message.

The scenario is \`partitioned\`, at-most-once, one producer, one consumer per partition:

- **Kafka**: one topic with P partitions, P consumers in one group, keyed producer (@platformatic/kafka 1.35.0,
  on the client's group membership, connections and request encoders: mqbench's own fetch loop and Fetch
  response reader, with no object per record, and its own encoding of the produce requests, the client's bytes
  without its per-field buffers), acks=1, offsets committed periodically; a single KRaft node
  started by mqbench (so its JVM is measured).
- **RabbitMQ**: P classic transient queues bound to a direct exchange, the producer routing by key, one consumer
  per queue, no publisher confirms, automatic acks (amqplib 0.10.9); the machine's shared RabbitMQ 3.10.8 node,
  measured through its Erlang VM's pid (\`--broker-pid\`), so swept apart from the others: \`--broker-pid\`
  applies to every broker of a sweep.
  Kafka's and RabbitMQ's rows were re-measured on 2026-12-01 (Kafka 17:09-17:21, RabbitMQ 17:21-17:33 UTC) on
  a 2-core Intel Xeon machine, after mqbench's own Kafka Fetch reader and encoder (reports/calibration.md, which
  was measured on the same machine the same hour); the older sweep files beside them are earlier clients and
  another machine (a 2-core AMD EPYC), not used.
- **RabbitMQ streams**, for comparison: P streams (3.10 has no super streams), the producer routing by key, one
  consumer per stream, publish confirms not awaited, no offset tracking (rabbitmq-stream-js-client 1.0.0), on the
  private node with the stream plugin that mqbench starts. Its rows are from 2026-11-25, on another machine and
  before those changes: compare them with each other, not with the rows above.

Every point is three runs of 10 s measured after 5 s of warm-up, interleaved (each repeat goes through every
value, brokers rotating), made by
\`RABBIT_PID=$(pgrep -u rabbitmq -f beam.smp) REPEAT=3 DURATION=10s scripts/notes-q2.sh\` with Kafka and the
stream node started by \`bench brokers up\`. Cells give the median of the runs and, in brackets, their range
(MB/s, disk and memory: the median only).
"broker disk written/msg" is the broker processes' /proc/<pid>/io write_bytes over the window divided by the
messages sent in it; "client CPU/msg" is the load generator's own CPU time per message.`;

export const q2Reading = `What the sweeps show (medians of 3; "max" = closed loop, "5,000/s" = the fixed rate):

- **On this host, partitions do not make Kafka more efficient: they make each message cost more.** From 1 to 8
  partitions Kafka's broker CPU per message goes from 0.4 to 0.9 µs at max rate and from 17 to 38 µs at 5,000/s,
  and its disk writes from 119 to 135 B per 100 B message (at 5,000/s): the same load in more partitions means
  more, smaller batches, fetches and log appends. Throughput falls with them, 518,009 to 392,941 msg/s (0.76x),
  and the bottleneck is not the broker: Kafka used about a fifth of a core at 518 k msg/s, while the one Node
  process producing and consuming spent 1.6-2.2 µs per message and ran at 83-88% of a core, with 1,000 messages
  in flight (reports/calibration.md: with the Java producer's 32 MiB in flight, unkeyed, mqbench reaches 1.56x
  of Kafka's Java tools run at once on one partition and 1.00-1.19x on four). RabbitMQ with P queues behind a
  direct exchange stays nearly level (90,017 to 81,421 msg/s; broker 11 to 13 µs per message, client 7.5-8.0
  µs). RabbitMQ streams (2026-11-25, another machine, the older engine) get much dearer per stream with this
  client (broker 9.8 to 83 µs per message, 57,119 to 12,723 msg/s): the 1,000 messages in flight are spread over
  P publishers, so each publish frame and chunk carries fewer messages; the sweeps do not separate the client's
  part from the broker's.
- **Per message, Kafka's broker is the cheapest of the three at 100 B, and it pays in disk and memory.** Broker CPU
  per message at max rate: Kafka 0.4-0.9 µs, RabbitMQ 11-13 µs (streams, 2026-11-25: 9.8-83 µs); at 5,000/s:
  Kafka 17-38 µs, RabbitMQ 57-66 µs (streams 133-209 µs; at a low rate fixed costs dominate: timers,
  heartbeats, small batches). Kafka and streams write every message to disk (about 115-165 B per 100 B message,
  log overhead included, about the message size from 4 KiB up); RabbitMQ's transient classic queues wrote
  nothing (0 B in every run: non-persistent messages stay in memory unless memory runs short). Kafka's broker
  held 505-973 MiB resident (its heap and mapped log segments, growing over the sweeps) against RabbitMQ's
  124-394 MiB.
- **Latency is where RabbitMQ wins at a fixed rate.** At 5,000/s the corrected p50 is 265-275 µs for RabbitMQ
  against 3.1-3.5 ms for Kafka (the producer's 5 ms linger, the Java producer's default since Kafka 4.0, plus a
  fetch) and 2.5-5.9 ms for streams; p99 1.6-1.9 ms against 5.9-7.2 ms and 6.6-15 ms.
- **Bigger messages: the bytes, not the messages, set the pace, and past 4 KiB RabbitMQ moves more of them.** At 4
  partitions Kafka goes from 44.5 MB/s (100 B) to 232 MB/s (1 KiB) and 285 MB/s (4 KiB), then 239 MB/s (16 KiB)
  and 180 MB/s (64 KiB); RabbitMQ from 8.6 to 72, 195, 409 and 321 MB/s; streams reach 84 MB/s at 64 KiB
  (2026-11-25), limited by this client (814 µs of client CPU per 64 KiB message). Broker CPU per 64 KiB message:
  217-271 µs for Kafka, which also writes it to disk, and 95-104 µs for RabbitMQ, which keeps it in memory.
  Kafka's 4-16 KiB rows are its least steady (one run in three at 4 KiB: 43,705 msg/s against 69,539-71,238).
  The closed loop keeps 1,000 messages in flight, so at 64 KiB that is 64 MiB queued end to end: latency there
  (p99 of 0.35-0.5 s) is queueing, not broker speed.

What a 2-core host cannot show: Kafka's partitions are a unit of parallelism across brokers, disks and consumer
machines. Here the brokers, the load generator and the consumers share two cores, so more partitions can only
add per-message cost, never spread load onto hardware that was idle. The question "do partitions scale Kafka
out?" needs brokers and clients on separate machines; this sweep answers it there (3-node clusters, the load
generator on its own host, several producer and consumer processes):

\`\`\`bash
npx bench sweep --broker kafka,rabbit,rabbit-stream --scenario partitioned --vary partitions=1,2,4,8,16,32 \\
  --producers 4 --workers 4 --repeat 3 --duration 30s --warmup 10s \\
  --kafka-url broker1:9092,broker2:9092,broker3:9092 --rabbit-url amqp://user:pass@rabbit1:5672 \\
  --rabbit-stream-url rabbitmq-stream://user:pass@rabbit1:5552/%2f --out results/q2-cluster
\`\`\`

with \`--broker-pid\` (or mqbench's own local brokers) where the broker runs on the load generator's host, so
that broker CPU and disk per message are measured; for remote brokers the result says they were not.`;
