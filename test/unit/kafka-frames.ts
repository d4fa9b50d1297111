/**
 * The framing a stand-in Kafka broker needs (a test's TCP server): whole request frames read off a
 * socket (INT32 size, then header v2: api key, version, correlation id, INT16 client id, tagged
 * fields) and each answered with a body behind a response header v1 (correlation id, empty tagged
 * fields), or the connection dropped, or no answer at all (a long poll). Shared by the fake brokers
 * of the fetcher's and the record sender's tests.
 */
import type { Socket } from 'node:net';

/** A response body, 'close' to drop the connection, or 'hold' to never answer. */
export type FrameAnswer = Buffer | 'close' | 'hold';

export interface RequestFrame {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** the request body, after the header */
  body: Buffer;
}

export function serveKafkaFrames(socket: Socket, answer: (frame: RequestFrame) => FrameAnswer): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
      pending = pending.subarray(4 + frame.length);
      const correlationId = frame.readInt32BE(4);
      const body = frame.subarray(8 + 2 + frame.readInt16BE(8) + 1);
      const reply = answer({ apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId, body });
      if (reply === 'close') return void socket.destroy();
      if (reply === 'hold') continue;
      const head = Buffer.alloc(9);
      head.writeInt32BE(4 + 1 + reply.length, 0);
      head.writeInt32BE(correlationId, 4); // then the response header's empty tagged fields (0)
      socket.write(Buffer.concat([head, reply]));
    }
  });
  socket.on('error', () => undefined);
}
