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

/**
 * A 48-bit value, little endian, byte by byte: Buffer's writeUIntLE(…, 6) validates and splits on
 * every call, and this runs three times per message. ToUint32 (>>> 0) keeps the low 32 bits exactly.
 */
function writeU48(target: Buffer, value: number, offset: number): void {
  const low = value >>> 0;
  const high = (value - low) / 0x1_0000_0000;
  target[offset] = low;
  target[offset + 1] = low >>> 8;
  target[offset + 2] = low >>> 16;
  target[offset + 3] = low >>> 24;
  target[offset + 4] = high;
  target[offset + 5] = high >>> 8;
}

/**
 * Writes everything but the actual send time, which is stamped at the last moment by `stampSentTime`.
 * Positional arguments and plain byte stores: this runs once per message.
 */
export function writeHeader(target: Buffer, producerId: number, seq: number, measured: boolean, intendedUs: number): void {
  target[0] = headerVersion;
  target[1] = measured ? measuredFlag : 0;
  target[2] = headerSize; // u16 header length: fits the low byte
  target[3] = 0;
  target.writeUInt32LE(producerId, 4);
  writeU48(target, seq, 8);
  target[14] = 0;
  target[15] = 0;
  writeU48(target, intendedUs, 16);
  target.fill(0, 22, headerSize);
}

export function stampSentTime(target: Buffer, sentUs: number): void {
  writeU48(target, sentUs, 24);
}

function readU48(payload: Buffer, offset: number): number {
  return payload.readUInt32LE(offset) + payload.readUInt16LE(offset + 4) * 0x1_0000_0000;
}

/** Returns undefined for payloads that are not ours (too short or another format). */
export function readHeader(payload: Buffer): MessageHeader | undefined {
  if (payload.length < headerSize || payload.readUInt8(0) !== headerVersion) return undefined;
  return {
    measured: (payload.readUInt8(1) & measuredFlag) !== 0,
    producerId: payload.readUInt32LE(4),
    seq: readU48(payload, 8),
    intendedUs: readU48(payload, 16),
    sentUs: readU48(payload, 24),
  };
}

/** The tutorial's message; hello-world payloads carry it after the header. */
export const helloText = 'Hello World!';
