/**
 * Adaptations of rabbitmq-stream-js-client 1.0.0, applied once before its first connection:
 *
 * - It sends ExchangeCommandVersions on every connection, a command RabbitMQ added in 3.11; RabbitMQ
 *   3.10 (the installed one) answers with a Close the client cannot decode, and the process dies.
 *   Against a 3.10 node the exchange is skipped: the client then uses only version-1 commands
 *   (publish, deliver, subscribe, store offset, metadata), which 3.10 speaks. Newer servers go
 *   through the client's own code unchanged.
 * - A refused login throws inside the client's socket callback, where nothing catches it: the
 *   process would die of an unhandled rejection instead of exiting 3 with one line. The failure is
 *   passed to the socket instead, which rejects the pending connect.
 * - Its sockets keep Nagle's algorithm on (see createSocketWithoutDelay).
 * - A non-ASCII user or password makes a SASL frame of the wrong length (see withUtf8Login).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

interface PatchableConnection {
  peerProperties?: { version?: string };
  socket: Socket;
  exchangeCommandVersions(): Promise<unknown>;
  auth(params: unknown): Promise<unknown>;
  createSocket(): Socket;
}

let adapted = false;

/** True for a server version below 3.11 ("3.10.8"). */
export function lacksCommandVersions(version: string | undefined): boolean {
  const [major = 0, minor = 0] = String(version ?? '').split('.').map(Number);
  return major < 3 || (major === 3 && minor < 11);
}

export function adaptStreamClient(): void {
  if (adapted) return;
  adapted = true;
  const { Connection } = createRequire(import.meta.url)('rabbitmq-stream-js-client/dist/connection.js') as {
    Connection: { prototype: PatchableConnection };
  };
  const { exchangeCommandVersions, auth, createSocket } = Connection.prototype;
  // Nagle's algorithm holds a small frame (a credit, a short publish) behind an unacknowledged one for
  // up to the peer's delayed-ACK time (~40 ms); the client leaves it on. The Java client sets TCP_NODELAY.
  Connection.prototype.createSocket = function createSocketWithoutDelay(this: PatchableConnection) {
    return createSocket.call(this).setNoDelay(true);
  };
  Connection.prototype.exchangeCommandVersions = function exchangeCommandVersionsIfKnown(this: PatchableConnection) {
    if (lacksCommandVersions(this.peerProperties?.version)) return Promise.resolve(true);
    return exchangeCommandVersions.call(this);
  };
  Connection.prototype.auth = function authOrFailTheSocket(this: PatchableConnection, params: unknown) {
    return auth.call(this, withUtf8Login(params)).catch((error: unknown) => {
      const refused = /Unable Authenticate/.test(error instanceof Error ? error.message : '');
      this.socket.destroy(new Error(refused ? 'access refused (wrong user or password)' : String(error)));
      // the connect callback must not go on (nor throw): it waits for ever, and is collected with the socket
      return new Promise<never>(() => undefined);
    });
  };
}

/**
 * The client sizes its SASL PLAIN frame by the strings' length in UTF-16 units, then writes them as
 * UTF-8: a non-ASCII user or password makes a frame the server cannot read, and it never answers.
 * As Buffers (which it copies as they are), length and content are the same bytes.
 */
function withUtf8Login(params: unknown): unknown {
  const { username, password } = params as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string') return params;
  return { ...(params as object), username: Buffer.from(username, 'utf8'), password: Buffer.from(password, 'utf8') };
}

interface DeliveringClient {
  handleDelivery(delivery: unknown): Promise<void>;
}

/**
 * The client hands each chunk's messages to the consumer one `await` at a time, and handles every
 * chunk as it arrives: with more than one chunk in flight (credits > 1) two chunks' messages
 * interleave, and a stream's order is lost on the client. Chunks are handled one after another here,
 * in the order they arrived; the credits still keep the next chunks coming meanwhile.
 */
export function deliverInOrder(client: object): void {
  const target = client as DeliveringClient;
  const handle = target.handleDelivery.bind(client);
  let previous: Promise<void> = Promise.resolve();
  target.handleDelivery = (delivery: unknown): Promise<void> => {
    const next = previous.catch(() => undefined).then(() => handle(delivery));
    previous = next;
    return next;
  };
}
