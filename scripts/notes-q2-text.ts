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
  message stream cost six times the fetch itself), acks=1, offsets committed periodically; a single KRaft node
  started by mqbench (so its JVM is measured).
- **RabbitMQ**: P classic transient queues bound to a direct exchange, the producer routing by key, one consumer
  per queue, no publisher confirms, automatic acks (amqplib 0.10.9); the machine's shared RabbitMQ 3.10.8 node,
  measured through its Erlang VM's pid (\`--broker-pid\`), so swept apart from the others: \`--broker-pid\`
  applies to every broker of a sweep.
  Kafka's and RabbitMQ's rows were re-measured on 2026-12-01, after the Kafka fetch loop and the engine's cheaper
  histograms (about 1 µs less client CPU per message for every broker; reports/calibration.md); the older sweep
  files beside them are the earlier clients, not used.
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
  partitions Kafka's broker CPU per message goes from 0.8 to 1.6 µs at max rate and from 26 to 62 µs at 5,000/s,
  and its disk writes from 119 to 135 B per 100 B message (at 5,000/s): the same load in more partitions means
  more, smaller batches, fetches and log appends. Throughput falls a little with them, 162,059 to 141,226 msg/s
  (0.87x), and the bottleneck is not the broker: Kafka used about an eighth of a core at 162 k msg/s, while the one
  Node process producing and consuming spent 6.3-7.1 µs per message and ran at a full core (in
  reports/calibration.md, at 100 B on one partition, mqbench reaches 0.65x of Kafka's Java tools run at once). RabbitMQ with P queues behind a direct exchange
  loses more (59,471 to 48,225 msg/s, 0.81x; broker 18 to 24 µs per message, client 11 to 13 µs). RabbitMQ streams
  (2026-11-25, the older engine) get much dearer per stream with this client (broker 9.8 to 83 µs per message,
  57,119 to 12,723 msg/s): the 1,000 messages in flight are spread over P publishers, so each publish frame and
  chunk carries fewer messages; the sweeps do not separate the client's part from the broker's.
- **Per message, Kafka's broker is the cheapest of the three at 100 B, and it pays in disk and memory.** Broker CPU
  per message at max rate: Kafka 0.8-1.6 µs, RabbitMQ 18-24 µs, streams 9.8-83 µs; at 5,000/s: Kafka 26-62 µs,
  RabbitMQ 89-102 µs, streams 133-209 µs (at a low rate fixed costs dominate: timers, heartbeats, small
  batches). Kafka and streams write every message to disk (about 111-165 B per 100 B message, log overhead
  included, about the message size from 4 KiB up); RabbitMQ's transient classic queues wrote nothing (0 B in every
  run: non-persistent messages stay in memory unless memory runs short). Kafka's broker held about 860 MiB
  resident (its heap and mapped log segments) against RabbitMQ's 120-460 MiB.
- **Latency is where RabbitMQ wins at a fixed rate.** At 5,000/s the corrected p50 is 416-449 µs for RabbitMQ
  against 3.5-4.2 ms for Kafka (the producer's 5 ms linger, the Java producer's default since Kafka 4.0, plus a fetch)
  and 2.5-5.9 ms for streams; p99 3.0-3.8 ms against 6.8-7.8 ms and 6.6-15 ms.
- **Bigger messages: the bytes, not the messages, set the pace.** At 4 partitions Kafka goes from 13.0 MB/s (100 B)
  to 245 MB/s (4 KiB) and 243 MB/s (16 KiB); RabbitMQ from 6.6 to 158 and 308 MB/s, and 361 MB/s at 64 KiB, where
  Kafka's 168 MB/s is the least steady figure here (the same run measured 2,456-4,059 msg/s side by side, with the
  previous consumer and this one alike); streams reach 84 MB/s at 64 KiB, limited by this client (814 µs of client
  CPU per 64 KiB message). Broker CPU per 64 KiB message: 265-362 µs for Kafka, which also writes it to disk, and
  101 µs for RabbitMQ, which keeps it in memory. The closed loop keeps 1,000 messages in flight, so at 64 KiB that
  is 64 MiB queued end to end: latency there (p99 of 0.4-0.7 s) is queueing, not broker speed.

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
