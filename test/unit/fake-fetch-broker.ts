/**
 * A stand-in Kafka broker for the fetcher's tests (fetcher.test.ts): a TCP server that reads the
 * Fetch v17 requests mqbench sends (the client's encoder) and answers each with a body the test
 * builds (fetch-bytes.ts), or drops the connection; and a stand-in for the few calls the fetcher
 * makes on the client's Consumer (metadata, offsets, its own fetch). No Kafka needed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Reader, type Consumer } from '@platformatic/kafka';
import { serveKafkaFrames, type FrameAnswer } from './kafka-frames.js';

export interface FetchRequestSeen {
  isolationLevel: number;
  partitions: { partition: number; fetchOffset: bigint }[];
}

/** A response body, 'close' to drop the connection, or 'hold' to never answer (a long poll). */
export type FetchAnswer = FrameAnswer;

export interface FakeFetchBroker {
  nodeId: number;
  host: string;
  port: number;
  requests: FetchRequestSeen[];
  /** stops listening and drops every connection: the node is dead (its port refuses) */
  kill(): Promise<void>;
}

/** The Fetch v17 request body: the fields the fetcher sets, in the order the client writes them. */
function readFetchRequest(body: Buffer): FetchRequestSeen {
  const r = Reader.from(body);
  r.skip(12); // max_wait_ms, min_bytes, max_bytes
  const isolationLevel = r.readInt8();
  r.skip(8); // session id, epoch
  const partitions: FetchRequestSeen['partitions'] = [];
  const topics = r.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    r.skip(16); // topic id
    const count = r.readUnsignedVarInt() - 1;
    for (let p = 0; p < count; p++) {
      const partition = r.readInt32();
      r.skip(4); // current leader epoch
      const fetchOffset = r.readInt64();
      r.skip(4 + 8 + 4 + 1); // last fetched epoch, log start offset, partition max bytes, tagged fields
      partitions.push({ partition, fetchOffset });
    }
    r.skip(1); // the topic's tagged fields
  }
  return { isolationLevel, partitions };
}

export async function fakeFetchBroker(nodeId: number, answer: (request: FetchRequestSeen) => FetchAnswer): Promise<FakeFetchBroker> {
  const sockets = new Set<Socket>();
  const requests: FetchRequestSeen[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveKafkaFrames(socket, ({ body }) => {
      const request = readFetchRequest(body);
      requests.push(request);
      return answer(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    nodeId,
    host: '127.0.0.1',
    port,
    requests,
    kill: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FakeConsumerState {
  /** partition -> leader node id, as the next metadata answer gives it */
  leaders: number[];
  brokers: FakeFetchBroker[];
  committed: bigint[];
  earliest: bigint[];
  /** metadata answers given, and how many of them were asked to refresh */
  metadataCalls: number;
  forcedMetadata: number;
  /** the client's own consumer.fetch(): calls seen; it answers as `clientFetch` says (default: fails) */
  clientFetches: unknown[];
  clientFetch?: () => Promise<unknown>;
  /** metadata as the cluster tells it now (a change shows only on a forced refresh, as the client caches it) */
  leadersAfterRefresh?: number[];
}

/** The Consumer calls GroupFetcher makes, answered from `state`. */
export function fakeConsumer(topic: string, state: FakeConsumerState): Consumer<Buffer, Buffer, Buffer, Buffer> {
  const fake = {
    listApis: async () => [{ apiKey: 1, name: 'Fetch', minVersion: 4, maxVersion: 17 }],
    listCommittedOffsets: async () => new Map([[topic, state.committed]]),
    listOffsets: async () => new Map([[topic, state.earliest]]),
    metadata: async (options: { forceUpdate?: boolean }) => {
      state.metadataCalls++;
      if (options.forceUpdate) {
        state.forcedMetadata++;
        if (state.leadersAfterRefresh) state.leaders = state.leadersAfterRefresh;
      }
      return {
        brokers: new Map(state.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }])),
        topics: new Map([[topic, { id: '0b7d1e4c-6d3f-4f9e-9a51-3c2b1a0f9e8d', partitions: state.leaders.map((leader) => ({ leader })) }]]),
      };
    },
    fetch: async (options: unknown) => {
      state.clientFetches.push(options);
      if (state.clientFetch) return state.clientFetch();
      throw new Error('the client path is not expected here');
    },
  };
  return fake as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
}
