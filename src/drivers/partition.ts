/** FNV-1a 32-bit: a stable key -> partition hash for brokers where the client routes (RabbitMQ, memory). */
export function partitionForKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/**
 * Splits partitions 0..P-1 over N consumers as evenly as possible (consumer i gets i, i+N, ...).
 * With more consumers than partitions, extra consumers compete on a partition (RabbitMQ's
 * competing consumers on one queue), as Kafka cannot do.
 */
export function assignPartitions(partitions: number, consumers: number, consumerIndex: number): number[] {
  if (consumers >= partitions) return [consumerIndex % partitions];
  const assigned: number[] = [];
  for (let p = consumerIndex; p < partitions; p += consumers) assigned.push(p);
  return assigned;
}

/** Per subscription, the partitions the consumers created so far read (brokers where the client chooses them). */
export function partitionsBySubscription(subscriptions: number, specs: readonly { subscription: number; partitions: readonly number[] }[]): number[][] {
  const out: number[][] = Array.from({ length: subscriptions }, () => []);
  for (const { subscription, partitions } of specs) out[subscription]?.push(...partitions);
  return out;
}
