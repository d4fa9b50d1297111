/**
 * Keys of a keyed workload: a function of the producer and the sequence number, cycling through
 * `keySpace` keys so that consecutive messages spread over every partition.
 */

/** distinct keys a keyed workload cycles through */
export const keySpace = 4096;

/** The key a driver is given for a producer's `seq`-th message. */
export function keyOf(seq: number, producers: number, producer: number): string {
  return `k${(seq * producers + producer) % keySpace}`;
}
