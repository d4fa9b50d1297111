/**
 * @platformatic/kafka 1.35 keeps a consumer's group coordinator by node id and looks it up in the
 * cluster's metadata for every group request (commit, heartbeat, join, leave). A node the controller
 * fenced (frozen past broker.session.timeout.ms, or dead) leaves the metadata: the lookup finds
 * nothing and the connection pool reads `host` of undefined, a TypeError thrown from inside a
 * callback. Nothing can catch it but process.on('uncaughtException'): a failover run with its
 * coordinator frozen 15 s stopped on "a client library threw an uncaught error" (issue 29). Each client
 * of the driver gets a connection getter that fails such a request with a NetworkError instead: the
 * request's own caller sees it (the client retries it, the driver's handlers report it).
 */
import { kGetConnection, NetworkError } from '@platformatic/kafka';

type ConnectionCallback = (error: Error | null, connection?: unknown) => void;
type ConnectionGetter = (this: unknown, broker: unknown, callback: ConnectionCallback) => unknown;

/** The error a request to a node missing from the metadata fails with (a connection loss to the driver's handlers). */
export function missingBrokerError(): NetworkError {
  return new NetworkError('Connection to the group coordinator failed: its node is not in the cluster metadata (fenced by the controller, or gone)');
}

/** Wraps `client`'s connection getter (its own property: other clients keep the library's); returns `client`. */
export function guardMissingBroker<T extends object>(client: T): T {
  const holder = client as unknown as Record<symbol, ConnectionGetter | undefined>;
  const original = holder[kGetConnection];
  if (typeof original !== 'function') return client;
  holder[kGetConnection] = function guardedGetConnection(this: unknown, broker: unknown, callback: ConnectionCallback): unknown {
    if (broker === undefined || broker === null) {
      // asynchronously, as a connection attempt would fail: the caller's retry loop is not re-entered
      process.nextTick(() => callback(missingBrokerError()));
      return undefined;
    }
    return original.call(this, broker, callback);
  };
  return client;
}
