/**
 * The binary header at the start of every payload (little endian):
 *   0  u8   format version
 *   1  u8   flags (bit 0: sent inside the measured window)
 *   2  u16  header length in bytes
 *   4  u32  producer id
 *   8  u48  sequence number (per producer, counted from 0 at the start of the measured window)
 *  16  u48  intended send time (us, CLOCK_MONOTONIC)
 *  24  u48  actual send time (us, CLOCK_MONOTONIC)
 * 48-bit integers hold ~8.9 years of microseconds and stay exact in a JS number.
 */
export const headerVersion = 1;
export const headerSize = 32;
const measuredFlag = 0x01;

export interface MessageHeader {
  producerId: number;
  seq: number;
  measured: boolean;
  intendedUs: number;
  sentUs: number;
}

/** Writes everything but the actual send time, which is stamped at the last moment by `stampSentTime`. */
export function writeHeader(target: Buffer, header: Omit<MessageHeader, 'sentUs'>): void {
  target.writeUInt8(headerVersion, 0);
  target.writeUInt8(header.measured ? measuredFlag : 0, 1);
  target.writeUInt16LE(headerSize, 2);
  target.writeUInt32LE(header.producerId, 4);
  target.writeUIntLE(header.seq, 8, 6);
  target.writeUInt16LE(0, 14);
  target.writeUIntLE(header.intendedUs, 16, 6);
  target.writeUInt16LE(0, 22);
  target.writeUIntLE(0, 24, 6);
  target.writeUInt16LE(0, 30);
}

export function stampSentTime(target: Buffer, sentUs: number): void {
  target.writeUIntLE(sentUs, 24, 6);
}

/** Returns undefined for payloads that are not ours (too short or another format). */
export function readHeader(payload: Buffer): MessageHeader | undefined {
  if (payload.length < headerSize || payload.readUInt8(0) !== headerVersion) return undefined;
  return {
    measured: (payload.readUInt8(1) & measuredFlag) !== 0,
    producerId: payload.readUInt32LE(4),
    seq: payload.readUIntLE(8, 6),
    intendedUs: payload.readUIntLE(16, 6),
    sentUs: payload.readUIntLE(24, 6),
  };
}
