/**
 * Keys of a keyed workload. Brokers keep order per key (one key, one partition or queue), not across
 * keys, so reordering is judged per key; the key is a function of the producer and the sequence
 * number, so the receiving side can work it out from the header alone.
 */

/** distinct keys a keyed workload cycles through */
export const keySpace = 4096;

/** The key index of a producer's `seq`-th message (spreads consecutive messages over every key). */
export function keyIndexOf(seq: number, producers: number, producer: number): number {
  return (seq * producers + producer) % keySpace;
}

/** The key a driver is given for that message. */
export function keyOf(seq: number, producers: number, producer: number): string {
  return `k${keyIndexOf(seq, producers, producer)}`;
}
