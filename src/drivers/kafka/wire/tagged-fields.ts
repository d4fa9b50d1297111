/**
 * Kafka's tagged fields (KIP-482) read as the protocol defines them: an unsigned varint count, then per
 * field an unsigned varint tag, an unsigned varint size and that many bytes. @platformatic/kafka
 * 1.35.0's Reader.readTaggedFields reads a zigzag varint as one byte length, which goes wrong as soon
 * as a broker tags anything: Kafka 4.x tags CurrentLeader onto partitions answered
 * NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH (KIP-951). Used by the Fetch and Produce response
 * readers in this folder instead of the Reader's array helpers, which call the faulty method.
 */
import type { Reader } from '@platformatic/kafka';

export interface TaggedField {
  tag: number;
  value: Buffer;
}

/** Reads every tagged field at the reader's position. */
export function readTaggedFields(reader: Reader): TaggedField[] {
  const count = reader.readUnsignedVarInt();
  const fields: TaggedField[] = [];
  for (let i = 0; i < count; i++) {
    const tag = reader.readUnsignedVarInt();
    const size = reader.readUnsignedVarInt();
    fields.push({ tag, value: reader.buffer.slice(reader.position, reader.position + size) });
    reader.skip(size);
  }
  return fields;
}

/** Steps over the tagged fields at the reader's position (their content unused). */
export function skipTaggedFields(reader: Reader): void {
  const count = reader.readUnsignedVarInt();
  for (let i = 0; i < count; i++) {
    reader.readUnsignedVarInt(); // tag
    reader.skip(reader.readUnsignedVarInt());
  }
}

/** A compact array (unsigned varint length + 1; 0 is null, read as empty), each element followed by its tagged fields. */
export function readCompactArray<T>(reader: Reader, readElement: (reader: Reader) => T): T[] {
  const length = reader.readUnsignedVarInt() - 1;
  const elements: T[] = [];
  for (let i = 0; i < length; i++) {
    elements.push(readElement(reader));
    skipTaggedFields(reader);
  }
  return elements;
}
