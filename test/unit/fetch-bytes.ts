/**
 * Fetch v17 response bodies and record batches built byte by byte, as a broker writes them, for the
 * tests of mqbench's Fetch reader (fetch-response.test.ts) and of the fetcher (fetcher.test.ts): the
 * client's encoder writes the batches; the response layout, tagged fields included, is written here.
 */
import { createRecordsBatch, crc32c, Writer, type MessageRecord } from '@platformatic/kafka';

export const topicId = '0b7d1e4c-6d3f-4f9e-9a51-3c2b1a0f9e8d';

/** The batch's CRC-32C (from its attributes to its end) written again, as a broker would have after a change to its header. */
export function withCrc(bytes: Buffer): Buffer {
  bytes.writeUInt32BE(crc32c(bytes.subarray(21)), 17);
  return bytes;
}

/** One record batch as a broker stores it: the client's encoder, with the batch's base offset (and attributes, producer id) set. */
export function batchAt(baseOffset: bigint, messages: MessageRecord[], attributes?: number, producerId?: bigint): Buffer {
  const bytes = Buffer.from(createRecordsBatch(messages).buffer);
  bytes.writeBigInt64BE(baseOffset, 0);
  if (attributes !== undefined) bytes.writeInt16BE(attributes, 21);
  if (producerId !== undefined) bytes.writeBigInt64BE(producerId, 43);
  return withCrc(bytes);
}

export function values(count: number, size: number, keyed: boolean, headers = false): MessageRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 't',
    value: Buffer.alloc(size, (i * 7) & 0xff),
    ...(keyed ? { key: Buffer.from(`key-${i}`) } : {}),
    ...(headers ? { headers: new Map([[Buffer.from('h'), Buffer.from(`v${i}`)]]) } : {}),
  }));
}

/** Records whose values are `${prefix}${i}`. */
export function named(prefix: string, count: number): MessageRecord[] {
  return Array.from({ length: count }, (_, i) => ({ topic: 't', value: Buffer.from(`${prefix}${i}`) }));
}

export interface TaggedField {
  tag: number;
  value: Buffer;
}

export interface PartitionBody {
  index: number;
  errorCode: number;
  records: Buffer | undefined;
  aborted?: { producerId: bigint; firstOffset: bigint }[];
  /** the partition's tagged fields (KIP-951: CurrentLeader is tag 1) */
  tags?: TaggedField[];
}

/** Tagged fields as the protocol writes them: count, then per field its tag, size and bytes (unsigned varints). */
function appendTags(w: Writer, tags: readonly TaggedField[]): Writer {
  w.appendUnsignedVarInt(tags.length);
  for (const { tag, value } of tags) w.appendUnsignedVarInt(tag).appendUnsignedVarInt(value.length).append(value);
  return w;
}

/** A Fetch v17 response body (after the response header), as a broker writes it. */
export function fetchResponse(partitions: PartitionBody[], errorCode = 0, responseTags: TaggedField[] = []): Buffer {
  const writer = Writer.create()
    .appendInt32(0)
    .appendInt16(errorCode)
    .appendInt32(0)
    .appendArray([{ topicId }], (w, t) =>
      w.appendUUID(t.topicId).appendArray(
        partitions,
        (p, part) => {
          p.appendInt32(part.index).appendInt16(part.errorCode).appendInt64(10n).appendInt64(10n).appendInt64(0n);
          p.appendArray(part.aborted ?? [{ producerId: 1n, firstOffset: 2n }], (a, txn) => a.appendInt64(txn.producerId).appendInt64(txn.firstOffset));
          p.appendInt32(-1);
          const records = part.records ?? Buffer.alloc(0);
          p.appendUnsignedVarInt(records.length + 1).appendFrom(Writer.create().append(records));
          appendTags(p, part.tags ?? []);
        },
        true,
        false,
      ),
    );
  return Buffer.from(appendTags(writer, responseTags).buffer);
}

/** KIP-951's CurrentLeader (partition tag 1): leader id, leader epoch, no tagged fields of its own. */
export function currentLeaderTag(leaderId: number, leaderEpoch: number): TaggedField {
  return { tag: 1, value: Buffer.from(Writer.create().appendInt32(leaderId).appendInt32(leaderEpoch).appendUnsignedVarInt(0).buffer) };
}

/** KIP-951's NodeEndpoints (response tag 0): node id, host, port, rack. */
export function nodeEndpointsTag(nodeId: number, host: string, port: number): TaggedField {
  const w = Writer.create().appendUnsignedVarInt(2).appendInt32(nodeId).appendString(host).appendInt32(port).appendString(null).appendUnsignedVarInt(0);
  return { tag: 0, value: Buffer.from(w.buffer) };
}
