/**
 * A stand-in Kafka broker for the record sender's tests: a TCP server (kafka-frames.ts) that reads
 * Produce requests (v9-v11, as mqbench writes them) and answers each with bytes the test builds field
 * by field here, so a response the real broker gives only under a leader change (KIP-951's tagged
 * CurrentLeader and NodeEndpoints) can be played on demand.
 */
import { createServer, type Socket } from 'node:net';
import { Reader, Writer } from '@platformatic/kafka';
import { serveKafkaFrames, type FrameAnswer } from './kafka-frames.js';

/** What the fake broker does with one Produce request: answer with this body, drop the connection ('close'), or never answer ('hold'). */
export type ProduceAnswer = FrameAnswer;

export interface FakeBroker {
  port: number;
  /** per request received, the partitions it carried */
  requests: number[][];
  close(): Promise<void>;
}

/** The partition indexes of a Produce request body (v9-v11: transactional id, acks, timeout, topics). */
function producedPartitions(body: Buffer): number[] {
  const r = Reader.from(body);
  r.readNullableString(); // transactional id
  r.skip(2 + 4); // acks, timeout
  const partitions: number[] = [];
  const topics = r.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    r.readString(); // the topic's name
    const count = r.readUnsignedVarInt() - 1;
    for (let p = 0; p < count; p++) {
      partitions.push(r.readInt32());
      r.skip(r.readUnsignedVarInt() - 1); // the records
      r.skip(1); // the partition's tagged fields (none)
    }
    r.skip(1); // the topic's tagged fields
  }
  return partitions;
}

export async function startFakeBroker(answer: (partitions: number[]) => ProduceAnswer): Promise<FakeBroker> {
  const sockets = new Set<Socket>();
  const server = createServer();
  const broker: FakeBroker = {
    port: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveKafkaFrames(socket, ({ body }) => {
      const partitions = producedPartitions(body);
      broker.requests.push(partitions);
      return answer(partitions);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  broker.port = typeof address === 'object' && address ? address.port : 0;
  return broker;
}

export interface PartitionAnswer {
  index: number;
  errorCode: number;
  errorMessage?: string | null;
  /** KIP-951: the leader the broker knows of, tagged onto a NOT_LEADER_OR_FOLLOWER answer (tag 0) */
  currentLeader?: { leaderId: number; leaderEpoch: number };
}

/** Tagged fields as the protocol writes them: count, then per field its tag, size and bytes (unsigned varints). */
function appendTags(w: Writer, tags: readonly { tag: number; value: Buffer }[]): Writer {
  w.appendUnsignedVarInt(tags.length);
  for (const { tag, value } of tags) w.appendUnsignedVarInt(tag).appendUnsignedVarInt(value.length).append(value);
  return w;
}

/** The CurrentLeader tagged field (tag 0 of a partition, v10+): leaderId, leaderEpoch, its own (empty) tagged fields. */
function currentLeaderField(leader: { leaderId: number; leaderEpoch: number }): { tag: number; value: Buffer } {
  return { tag: 0, value: Writer.create().appendInt32(leader.leaderId).appendInt32(leader.leaderEpoch).appendUnsignedVarInt(0).buffer };
}

/** NodeEndpoints (tag 0 of the response, v10+): where the leaders named in CurrentLeader are. */
function nodeEndpointsField(nodes: readonly { nodeId: number; host: string; port: number }[]): { tag: number; value: Buffer } {
  const w = Writer.create().appendUnsignedVarInt(nodes.length + 1);
  for (const node of nodes) w.appendInt32(node.nodeId).appendString(node.host).appendInt32(node.port).appendString(null).appendUnsignedVarInt(0);
  return { tag: 0, value: w.buffer };
}

/** A Produce v11 response body for one topic, laid out as Kafka's ProduceResponse.json says (compact arrays and strings). */
export function produceResponseV11(topic: string, partitions: readonly PartitionAnswer[], nodes: readonly { nodeId: number; host: string; port: number }[] = []): Buffer {
  const w = Writer.create().appendUnsignedVarInt(2).appendString(topic).appendUnsignedVarInt(partitions.length + 1);
  for (const p of partitions) {
    w.appendInt32(p.index).appendInt16(p.errorCode).appendInt64(p.errorCode === 0 ? 42n : -1n).appendInt64(-1n).appendInt64(0n);
    w.appendUnsignedVarInt(1); // record errors: none
    w.appendString(p.errorMessage ?? null);
    appendTags(w, p.currentLeader ? [currentLeaderField(p.currentLeader)] : []);
  }
  w.appendUnsignedVarInt(0); // the topic's tagged fields
  w.appendInt32(0); // throttle time
  return appendTags(w, nodes.length > 0 ? [nodeEndpointsField(nodes)] : []).buffer;
}
