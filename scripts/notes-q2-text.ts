/**
 * What reports/notes.md says around the sweep tables of question 2 (scripts/notes-q2.sh). The tables are
 * regenerated from the raw results; this reading was written from the sweeps of 2026-11-25 and names
 * their figures, so re-read it when the tables change.
 */

export const q2Intro = `The seed's claim is that Kafka's partitions let it spread one topic's load and so do more with the same
machine. Efficiency is a cost per message, so the sweeps below measure it: throughput and latency as the
number of partitions and the message size grow, with the broker's own CPU time and disk writes per message
(read from /proc for the broker processes, over the measured window) beside the client's CPU per message.

The scenario is \`partitioned\`, at-most-once, one producer, one consumer per partition:

- **Kafka**: one topic with P partitions, P consumers in one group, keyed producer (@platformatic/kafka 1.35.0),
  acks=1, offsets committed periodically; a single KRaft node started by mqbench (so its JVM is measured).
- **RabbitMQ**: P classic transient queues bound to a direct exchange, the producer routing by key, one consumer
  per queue, no publisher confirms, automatic acks (amqplib 0.10.9); the machine's shared RabbitMQ 3.10.8 node,
  measured through its Erlang VM's pid (\`--broker-pid\`), so swept apart from the others: \`--broker-pid\`
  applies to every broker of a sweep.
- **RabbitMQ streams**, for comparison: P streams (3.10 has no super streams), the producer routing by key, one
  consumer per stream, publish confirms not awaited, no offset tracking (rabbitmq-stream-js-client 1.0.0), on the
  private node with the stream plugin that mqbench starts.

Every point is three runs of 10 s measured after 5 s of warm-up, interleaved (each repeat goes through every
value, brokers rotating), made by
\`RABBIT_PID=$(pgrep -u rabbitmq -f beam.smp) REPEAT=3 DURATION=10s scripts/notes-q2.sh\` with Kafka and the
stream node started by \`bench brokers up\`. Cells give the median of the runs and, in brackets, their range
(MB/s, disk and memory: the median only).
"broker disk written/msg" is the broker processes' /proc/<pid>/io write_bytes over the window divided by the
messages sent in it; "client CPU/msg" is the load generator's own CPU time per message.`;

export const q2Reading = `(reading to be written from the figures above)`;
