/**
 * What reports/notes.md says around the sweep tables of question 2 (scripts/notes-q2.sh). The tables are
 * regenerated from the raw results; this reading was written from the Kafka and RabbitMQ sweeps of
 * 2026-12-01 (streams: 2026-11-25) and names their figures, so re-read it when the tables change.
 */

export const q2Intro = `The seed's claim is that Kafka's partitions let it spread one topic's load and so do more with the same
machine. Efficiency is a cost per message, so the sweeps below measure it: throughput and latency as the
number of partitions and the message size grow, with the broker's own CPU time and disk writes per message
(read from /proc for the broker processes, over the measured window) beside the client's CPU per message.

The scenario is \`partitioned\`, at-most-once, one producer, one consumer per partition:

- **Kafka**: one topic with P partitions, P consumers in one group, keyed producer (@platformatic/kafka 1.35.0,
  its records read by mqbench's own fetch loop on the client's group membership and fetch request: the client's
  message stream cost six times the fetch itself; its produce requests encoded by mqbench, the client's bytes
  without its per-field buffers), acks=1, offsets committed periodically; a single KRaft node
  started by mqbench (so its JVM is measured).
- **RabbitMQ**: P classic transient queues bound to a direct exchange, the producer routing by key, one consumer
  per queue, no publisher confirms, automatic acks (amqplib 0.10.9); the machine's shared RabbitMQ 3.10.8 node,
  measured through its Erlang VM's pid (\`--broker-pid\`), so swept apart from the others: \`--broker-pid\`
  applies to every broker of a sweep.
  Kafka's and RabbitMQ's rows were re-measured on 2026-12-01 (Kafka 14:51-15:04, RabbitMQ 15:04-15:14 UTC),
  after the Kafka fetch loop, mqbench's own encoding of Kafka's produce requests and the engine's cheaper
  histograms, clock and header (reports/calibration.md); the older sweep files beside them are the earlier
  clients, not used.
- **RabbitMQ streams**, for comparison: P streams (3.10 has no super streams), the producer routing by key, one
  consumer per stream, publish confirms not awaited, no offset tracking (rabbitmq-stream-js-client 1.0.0), on the
  private node with the stream plugin that mqbench starts. Its rows are from 2026-11-25, before those changes.

Every point is three runs of 10 s measured after 5 s of warm-up, interleaved (each repeat goes through every
value, brokers rotating), made by
\`RABBIT_PID=$(pgrep -u rabbitmq -f beam.smp) REPEAT=3 DURATION=10s scripts/notes-q2.sh\` with Kafka and the
stream node started by \`bench brokers up\`. Cells give the median of the runs and, in brackets, their range
(MB/s, disk and memory: the median only).
"broker disk written/msg" is the broker processes' /proc/<pid>/io write_bytes over the window divided by the
messages sent in it; "client CPU/msg" is the load generator's own CPU time per message.`;

export const q2Reading = `What the sweeps show (medians of 3; "max" = closed loop, "5,000/s" = the fixed rate):

- **On this host, partitions do not make Kafka more efficient: they make each message cost more.** From 1 to 8
  partitions Kafka's broker CPU per message goes from 0.9 to 2.2 µs at max rate and from 27 to 73 µs at 5,000/s,
  and its disk writes from 120 to 135 B per 100 B message (at 5,000/s): the same load in more partitions means
  more, smaller batches, fetches and log appends. Throughput falls with them, 225,855 to 169,692 msg/s (0.75x),
  and the bottleneck is not the broker: Kafka used about a fifth of a core at 226 k msg/s, while the one Node
  process producing and consuming spent 4.0-5.2 µs per message and ran at a full core (in reports/calibration.md,
  at 100 B mqbench reaches 1.36x of Kafka's Java tools run at once on one partition, 0.67x on four). RabbitMQ
  with P queues behind a direct exchange stays level (46,557 to 46,768 msg/s; broker 23 to 26 µs per message,
  client 13 µs). RabbitMQ streams (2026-11-25, the older engine) get much dearer per stream with this client
  (broker 9.8 to 83 µs per message, 57,119 to 12,723 msg/s): the 1,000 messages in flight are spread over P
  publishers, so each publish frame and chunk carries fewer messages; the sweeps do not separate the client's
  part from the broker's.
- **Per message, Kafka's broker is the cheapest of the three at 100 B, and it pays in disk and memory.** Broker CPU
  per message at max rate: Kafka 0.9-2.2 µs, RabbitMQ 23-26 µs, streams 9.8-83 µs; at 5,000/s: Kafka 27-73 µs,
  RabbitMQ 96-110 µs, streams 133-209 µs (at a low rate fixed costs dominate: timers, heartbeats, small
  batches). Kafka and streams write every message to disk (about 115-165 B per 100 B message, log overhead
  included, about the message size from 4 KiB up); RabbitMQ's transient classic queues wrote nothing (0 B in every
  run: non-persistent messages stay in memory unless memory runs short). Kafka's broker held 0.9-1.2 GiB resident
  (its heap and mapped log segments; it had run for an hour of benchmarks) against RabbitMQ's 121-366 MiB.
- **Latency is where RabbitMQ wins at a fixed rate.** At 5,000/s the corrected p50 is 492-582 µs for RabbitMQ
  against 3.5-5.4 ms for Kafka (the producer's 5 ms linger, the Java producer's default since Kafka 4.0, plus a fetch)
  and 2.5-5.9 ms for streams; p99 3.1-4.9 ms against 7.9-28 ms and 6.6-15 ms.
- **Bigger messages: the bytes, not the messages, set the pace.** At 4 partitions Kafka goes from 20.6 MB/s (100 B)
  to 198 MB/s (4 KiB) and 180 MB/s (16 KiB); RabbitMQ from 5.1 to 122 and 255 MB/s, and 227 MB/s at 64 KiB, where
  Kafka's 128 MB/s is among the least steady figures here (side by side with the previous Kafka client, the same
  run measured 1,930-3,487 msg/s: either client, 1.8x apart); streams reach 84 MB/s at 64 KiB, limited by this
  client (814 µs of client CPU per 64 KiB message). Broker CPU per 64 KiB message: 353-439 µs for Kafka, which also
  writes it to disk, and 131 µs for RabbitMQ, which keeps it in memory. The closed loop keeps 1,000 messages in
  flight, so at 64 KiB that is 64 MiB queued end to end: latency there (p99 of 0.5-0.8 s) is queueing, not broker
  speed.

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
