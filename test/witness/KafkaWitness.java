/*
 * An independent witness for mqbench's Kafka failover figures: a minimal producer and consumer on
 * the Java client (kafka-clients from Maven Central) that shares no code with mqbench. It waits for
 * a new topic whose name matches a regex (the one an mqbench run creates), then for a fixed time
 * sends its own records to that topic at a fixed rate (acks=all, linger.ms 0, not idempotent, as
 * mqbench's producer) and reads them back with its own consumer (its own group id, its partitions
 * assigned, nothing committed), ignoring every record that is not its own. Sharing the topic puts
 * it on the partition leader the fault kills, so it sees the same outage through another client.
 *
 * What it measures, all from System.nanoTime() on this JVM:
 *   - the worst send-to-acknowledgement latency of one record (from the send() call to its callback);
 *   - the longest gap between two consecutive acknowledgements: how long no send of this producer
 *     succeeded, which is what mqbench's publish unavailability (the longest run of 10 ms buckets
 *     without an acknowledgement) counts;
 *   - the longest gap between two consecutive receipts of its own records (mqbench's consume
 *     unavailability, the same way from receipts), and between two fetch responses (records or
 *     none: when its consumer could read at all);
 * and when each longest gap began, in ms since the witness started (the JSON also gives that start
 * as wall-clock epoch ms, when the topic was found and when its first record came back).
 * The clients are as they ship but for two settings, each said where it is set: their backoffs
 * before a dead node is tried again (capped at 250 ms, so the witness notices the new leader as
 * soon as mqbench can), and how long send() may wait for metadata.
 *
 * Run with Java 17's source launcher, no build step:
 *   java -cp 'brokers/tools/lib/*' test/witness/KafkaWitness.java --bootstrap 127.0.0.1:9192 \
 *     --topic-regex '^mqbench-[0-9a-f]+\.failover$' --rate 200 --duration-s 20
 * Options: --wait-topic-s (120), --drain-s (30: after the last send, for acknowledgements and own
 * records to come back), --idempotence (false), --value-bytes (100), --backoff-max-ms (250; 1000 is
 * the clients' default). Prints one JSON line on stdout at the end; everything else goes to stderr.
 */

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

public class KafkaWitness {
  /** Everything the witness reports, in ms since it started (nanoTime based). */
  static final long START_NANOS = System.nanoTime();
  static final long START_EPOCH_MS = System.currentTimeMillis();

  static double sinceStartMs(long nanos) {
    return (nanos - START_NANOS) / 1e6;
  }

  /** The longest interval between consecutive events, and where it began; called from any thread. */
  static final class GapTracker {
    private long last = -1;
    private long longest = 0;
    private long longestFrom = -1;

    synchronized void event(long nanos) {
      if (last >= 0 && nanos - last > longest) {
        longest = nanos - last;
        longestFrom = last;
      }
      last = Math.max(last, nanos);
    }

    synchronized double longestMs() {
      return longest / 1e6;
    }

    /** ms since the witness started; null when fewer than two events came. */
    synchronized Double fromMs() {
      return longestFrom < 0 ? null : sinceStartMs(longestFrom);
    }
  }

  /** The producer's outcome: counts, acknowledgement gaps, worst latency; callbacks come on the client's I/O thread. */
  static final class ProducerTally {
    final GapTracker acks = new GapTracker();
    long sent;
    long acked;
    long failed;
    long worstLatencyNanos;
    long worstSentAt = -1;
    String firstError;
    final BitSet ackedSeqs = new BitSet();

    synchronized void settled(int seq, long sentAt, Exception error) {
      long now = System.nanoTime();
      if (error != null) {
        failed++;
        if (firstError == null) firstError = error.toString();
        return;
      }
      acked++;
      ackedSeqs.set(seq);
      acks.event(now);
      if (now - sentAt > worstLatencyNanos) {
        worstLatencyNanos = now - sentAt;
        worstSentAt = sentAt;
      }
    }

    synchronized boolean allSettled() {
      return acked + failed >= sent;
    }
  }

  /** The consumer's outcome: its own records only (by value prefix), distinct by sequence number. */
  static final class ConsumerTally {
    final GapTracker receipts = new GapTracker();
    /** when its first own record came (nanoTime; -1: none): the consumer must be reading before the fault */
    volatile long firstReceipt = -1;
    /**
     * Fetch responses, with records or without: when this consumer could read from the partition's
     * leader at all. A consumer that was behind when the leader died reads on from this moment; one
     * that was caught up (this witness, usually) waits for new records, that is for the producers.
     */
    final GapTracker fetches = new GapTracker();
    long received;
    long foreign;
    final BitSet seqs = new BitSet();
  }

  static Map<String, String> parseArgs(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }

  /**
   * The Kafka clients log through slf4j; with logback on the class path and no configuration it
   * prints every DEBUG line, which would slow the witness (and its warnings go to stderr: main()).
   * Reflection, so that the witness still runs where another slf4j backend (or none) is present.
   */
  static void quietLogging() {
    try {
      Object root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      Class<?> level = Class.forName("ch.qos.logback.classic.Level");
      Object warn = level.getField("WARN").get(null);
      root.getClass().getMethod("setLevel", level).invoke(root, warn);
    } catch (ReflectiveOperationException | LinkageError e) {
      // not logback: its own defaults apply
    }
  }

  /**
   * Waits for a topic matching the regex that did not exist when the witness started (an old run's
   * topic must not be taken for this one), and for every partition of it to have a leader.
   */
  static String awaitTopic(String bootstrap, Pattern pattern, long timeoutMs) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      Set<String> before = matching(admin, pattern);
      // whoever started the witness may start the run that creates the topic from now on
      System.err.println("kafka-witness: waiting for a new topic matching " + pattern);
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (System.currentTimeMillis() < deadline) {
        for (String topic : matching(admin, pattern)) {
          if (before.contains(topic)) continue;
          TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          if (description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) return topic;
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("no new topic matching " + pattern + " within " + timeoutMs + " ms");
  }

  static Set<String> matching(Admin admin, Pattern pattern) throws Exception {
    return admin.listTopics().names().get().stream().filter(t -> pattern.matcher(t).find()).collect(Collectors.toSet());
  }

  /**
   * How late the witness may notice a new leader: the Java clients retry a dead node and ask for
   * metadata again on exponential backoffs capped at 1 s by default (retry.backoff.max.ms,
   * reconnect.backoff.max.ms), so with the defaults the witness may see the election up to ~1 s
   * late, twice the 0.5 s the comparison allows. Capped at `backoffMaxMs` (250 by default, as
   * mqbench's Kafka driver caps its own: well inside the tolerance) on both clients.
   */
  static void backoffs(Properties props, long backoffMaxMs) {
    props.put(CommonClientConfigs.RETRY_BACKOFF_MAX_MS_CONFIG, Long.toString(Math.max(100, backoffMaxMs)));
    props.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, Long.toString(Math.max(50, backoffMaxMs)));
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap, boolean idempotence, long backoffMaxMs) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    backoffs(props, backoffMaxMs);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotence));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "kafka-witness-producer");
    // send() waits this long at most for the topic's metadata (60 s by default): once the run that owns
    // the topic deleted it, every send would wait that long, and the witness would never end
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
    // everything else (request.timeout.ms, retries, retry.backoff.ms, delivery.timeout.ms) as the client ships it
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String groupId, long backoffMaxMs) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    backoffs(props, backoffMaxMs);
    // its own group id (never mqbench's); nothing is committed under it
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "kafka-witness-consumer");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // nothing reads this group's offsets again: a commit would only make the coordinator part of the measurement
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // a caught-up fetch is answered after this wait at most (500 ms by default): the fetch gap's resolution
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Sends `rate` records a second for `durationMs`, on a fixed schedule (a late send does not move the next one). */
  static void produce(KafkaProducer<byte[], byte[]> producer, String topic, String prefix, int valueBytes, double rate, long durationMs, ProducerTally tally) {
    long periodNanos = (long) (1e9 / rate);
    long begin = System.nanoTime();
    long end = begin + TimeUnit.MILLISECONDS.toNanos(durationMs);
    for (int seq = 0; ; seq++) {
      long intended = begin + seq * periodNanos;
      // a send that blocked (no metadata for the topic) must not stretch the run past its end
      if (intended >= end || System.nanoTime() >= end) break;
      long wait = intended - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      byte[] value = valueOf(prefix, seq, valueBytes);
      final int s = seq;
      final long sentAt = System.nanoTime();
      synchronized (tally) {
        tally.sent++;
      }
      try {
        producer.send(new ProducerRecord<>(topic, value), (metadata, error) -> tally.settled(s, sentAt, error));
      } catch (RuntimeException error) {
        // what send() throws instead of calling back (not an ApiException): that record failed
        tally.settled(s, sentAt, error);
      }
    }
  }

  /** The prefix, the sequence number, then spaces up to `valueBytes` (mqbench's default message is 100 B). */
  static byte[] valueOf(String prefix, int seq, int valueBytes) {
    StringBuilder text = new StringBuilder(prefix).append(seq).append(' ');
    while (text.length() < valueBytes) text.append(' ');
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads until `done` says so; counts its own records, ignores every other (mqbench's). */
  static void consume(KafkaConsumer<byte[], byte[]> consumer, String topic, String prefix, ConsumerTally tally, BooleanSupplier done) {
    byte[] own = prefix.getBytes(StandardCharsets.US_ASCII);
    // its partitions assigned, not a group member's: reading starts at once and depends on the partition
    // leaders only. A member must first join through the group's coordinator, which may be on the node
    // the fault kills (then the join, or a rebalance, can take longer than the time before the fault).
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    // from the first record, and without asking the group's coordinator for committed offsets
    consumer.seekToBeginning(partitions);
    // the client's count of fetch responses received (the consumer's own metric): it grows with every answered fetch, empty or not
    Metric fetchTotal = consumer.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals("fetch-total") && e.getKey().group().equals("consumer-fetch-manager-metrics"))
        .map(Map.Entry::getValue).findFirst().orElseThrow();
    double fetchesSeen = 0;
    while (!done.getAsBoolean()) {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
      double fetched = ((Number) fetchTotal.metricValue()).doubleValue();
      if (fetched > fetchesSeen) tally.fetches.event(System.nanoTime());
      fetchesSeen = fetched;
      for (ConsumerRecord<byte[], byte[]> record : records) {
        long now = System.nanoTime();
        byte[] value = record.value();
        if (value == null || !startsWith(value, own)) {
          tally.foreign++;
          continue;
        }
        tally.received++;
        if (tally.firstReceipt < 0) tally.firstReceipt = now;
        tally.receipts.event(now);
        tally.seqs.set(seqOf(value, own.length));
      }
    }
  }

  static boolean startsWith(byte[] value, byte[] prefix) {
    if (value.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) if (value[i] != prefix[i]) return false;
    return true;
  }

  static int seqOf(byte[] value, int from) {
    int seq = 0;
    for (int i = from; i < value.length && value[i] >= '0' && value[i] <= '9'; i++) seq = seq * 10 + (value[i] - '0');
    return seq;
  }

  static String json(Map<String, Object> fields) {
    return fields.entrySet().stream().map(e -> quote(e.getKey()) + ":" + jsonValue(e.getValue())).collect(Collectors.joining(",", "{", "}"));
  }

  static String jsonValue(Object value) {
    if (value == null) return "null";
    if (value instanceof Number || value instanceof Boolean) return value.toString();
    return quote(value.toString());
  }

  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    // the one JSON line goes to the real stdout; anything the client's logging prints goes to stderr
    PrintStream result = System.out;
    System.setOut(System.err);
    quietLogging();
    Map<String, String> options = parseArgs(args);
    String bootstrap = required(options, "bootstrap");
    Pattern pattern = Pattern.compile(required(options, "topic-regex"));
    double rate = Double.parseDouble(options.getOrDefault("rate", "200"));
    long durationMs = (long) (Double.parseDouble(options.getOrDefault("duration-s", "20")) * 1000);
    long waitMs = (long) (Double.parseDouble(options.getOrDefault("wait-topic-s", "120")) * 1000);
    // after the last send: how long to wait for outstanding acknowledgements and for own records to arrive
    long drainMs = (long) (Double.parseDouble(options.getOrDefault("drain-s", "30")) * 1000);
    boolean idempotence = Boolean.parseBoolean(options.getOrDefault("idempotence", "false"));
    int valueBytes = Integer.parseInt(options.getOrDefault("value-bytes", "100"));
    long backoffMaxMs = Long.parseLong(options.getOrDefault("backoff-max-ms", "250"));
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    String prefix = "kafka-witness-" + nonce + "-";

    String topic = awaitTopic(bootstrap, pattern, waitMs);
    long topicFound = System.nanoTime();
    System.err.println("kafka-witness: topic " + topic + " found; sending " + rate + " msg/s for " + durationMs + " ms");

    ProducerTally produced = new ProducerTally();
    ConsumerTally consumed = new ConsumerTally();
    // set once sending ends (read by the consumer's thread)
    AtomicLong drainDeadline = new AtomicLong(Long.MAX_VALUE);
    // the consumer ends once the producer is done and every acknowledged record came back, or at the drain deadline
    BooleanSupplier consumerDone = () -> {
      if (System.nanoTime() > drainDeadline.get()) return true;
      synchronized (produced) {
        if (drainDeadline.get() == Long.MAX_VALUE || !produced.allSettled()) return false;
        BitSet missing = (BitSet) produced.ackedSeqs.clone();
        missing.andNot(consumed.seqs);
        return missing.isEmpty();
      }
    };
    Thread reader = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, "kafka-witness-" + nonce, backoffMaxMs)) {
        consume(consumer, topic, prefix, consumed, consumerDone);
      }
    }, "kafka-witness-consumer");
    reader.start();

    KafkaProducer<byte[], byte[]> producer = producer(bootstrap, idempotence, backoffMaxMs);
    try {
      produce(producer, topic, prefix, valueBytes, rate, durationMs, produced);
    } finally {
      drainDeadline.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMs));
      // waits for outstanding acknowledgements until the drain deadline; what is still pending then fails
      producer.close(Duration.ofNanos(Math.max(0, drainDeadline.get() - System.nanoTime())));
    }
    reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainDeadline.get() - System.nanoTime()) + 5_000));

    Map<String, Object> out = new LinkedHashMap<>();
    synchronized (produced) {
      out.put("witness", "kafka-clients " + AppInfoParser.getVersion());
      out.put("topic", topic);
      out.put("startEpochMs", START_EPOCH_MS);
      out.put("topicFoundMs", sinceStartMs(topicFound));
      out.put("ratePerSec", rate);
      out.put("idempotence", idempotence);
      out.put("backoffMaxMs", backoffMaxMs);
      out.put("sent", produced.sent);
      out.put("acked", produced.acked);
      out.put("failed", produced.failed);
      out.put("firstError", produced.firstError);
      out.put("worstAckLatencyMs", produced.worstLatencyNanos / 1e6);
      out.put("worstAckLatencySentAtMs", produced.worstSentAt < 0 ? null : sinceStartMs(produced.worstSentAt));
      out.put("longestAckGapMs", produced.acks.longestMs());
      out.put("longestAckGapFromMs", produced.acks.fromMs());
      out.put("firstReceiptMs", consumed.firstReceipt < 0 ? null : sinceStartMs(consumed.firstReceipt));
      out.put("received", consumed.received);
      out.put("receivedDistinct", consumed.seqs.cardinality());
      BitSet lost = (BitSet) produced.ackedSeqs.clone();
      lost.andNot(consumed.seqs);
      out.put("ackedNotReceived", lost.cardinality());
      out.put("foreignReceived", consumed.foreign);
      out.put("longestReceiptGapMs", consumed.receipts.longestMs());
      out.put("longestReceiptGapFromMs", consumed.receipts.fromMs());
      out.put("longestFetchGapMs", consumed.fetches.longestMs());
      out.put("longestFetchGapFromMs", consumed.fetches.fromMs());
    }
    result.println(json(out));
    result.flush();
    // the client's threads (the consumer's, if it did not finish) must not keep the JVM up
    System.exit(0);
  }
}
