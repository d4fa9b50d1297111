/**
 * Reads an encoded histogram from a file mqbench did not necessarily write (a result, a pod's line)
 * within bounds, before anything allocates for it: the compressed HdrHistogram V2 encoding
 * (hdr-histogram-js's encoding.js: a cookie, the deflated length, then deflated: a 40-byte header and
 * ZigZag LEB128 counts, a negative one a run of empty buckets). Inflating is capped (zlib's
 * maxOutputLength) and the header must be what histogram.ts builds; the library's decoder, handed an
 * unbounded inflate or a huge highest trackable value, allocated gigabytes and aborted the process.
 */
import { inflateSync } from 'node:zlib';

/** What histogram.ts builds: 3 significant digits from 1 us (its sub-buckets: 2,048, half of them 1,024). */
const significantDigits = 3;
const lowestDiscernibleValue = 1;
const subBucketCount = 2048;
const subBucketHalfCount = 1024;

/**
 * The highest latency a result may hold: 2^43 us, about 101 days, beyond any run mqbench can make;
 * the forged 2^52 us of issue 29 is far past it. An auto-resized histogram's highest trackable value
 * follows its largest value up to the next bucket, so the header is held to the bucket above the cap.
 */
export const maxLatencyUs = 2 ** 43;
/** A bucket's count is 32 bits wide (histogram.ts, bitBucketSize 32): a larger one would be cut short. */
const maxBucketCount = 2 ** 32 - 1;

const compressedCookieBase = 0x1c849304;
const cookieBase = 0x1c849303;
const headerBytes = 40;
/** LEB128-64b9B: at most 9 bytes a count. */
const maxBytesPerCount = 9;

/** Buckets needed to cover `value` (HdrHistogram's getBucketsNeededToCoverValue, unit magnitude 0). */
function bucketsToCover(value: number): number {
  let smallestUntrackable = subBucketCount;
  let buckets = 1;
  while (smallestUntrackable <= value) {
    smallestUntrackable *= 2;
    buckets++;
  }
  return buckets;
}

const countsLengthFor = (highestTrackable: number): number => (bucketsToCover(highestTrackable) + 1) * subBucketHalfCount;

/** The largest counts array a trusted histogram has, and so the most its encoding can inflate to. */
const maxCountsLength = countsLengthFor(2 * maxLatencyUs);
export const maxInflatedBytes = headerBytes + maxCountsLength * maxBytesPerCount;
/** base64 of a deflate stream of at most maxInflatedBytes (deflate adds little to incompressible data), with room. */
const maxEncodedChars = 2 * maxInflatedBytes;

/** Why an encoded histogram is refused: one line, for the caller to prefix with where it was. */
export class HistogramRefusal extends Error {}

/** What the counts say, read without building the histogram. */
export interface EncodedHistogramFacts {
  /** values recorded (the sum of the counts) */
  totalCount: number;
  /** the lowest value of the highest non-empty bucket (us), 0 when empty */
  maxValue: number;
  /** the inflated encoding (header and counts), for the library's decoder */
  inflated: Uint8Array;
}

/** Lowest value of the counts array's `index` (HdrHistogram's valueFromIndex, unit magnitude 0). */
function valueAtIndex(index: number): number {
  let bucket = Math.floor(index / subBucketHalfCount) - 1;
  let subBucket = (index % subBucketHalfCount) + subBucketHalfCount;
  if (bucket < 0) {
    subBucket -= subBucketHalfCount;
    bucket = 0;
  }
  return subBucket * 2 ** bucket;
}

function inflateBounded(encoded: string): Buffer {
  if (encoded.length > maxEncodedChars) throw new HistogramRefusal(`is ${encoded.length} characters long, more than the ${maxEncodedChars} any histogram mqbench writes has`);
  const data = Buffer.from(encoded.trim(), 'base64');
  if (data.length < 8 || (data.readInt32BE(0) & ~0xf0) !== compressedCookieBase) throw new HistogramRefusal('is not a compressed HdrHistogram (V2) encoding');
  const length = data.readInt32BE(4);
  if (length < 0 || 8 + length > data.length) throw new HistogramRefusal(`says it holds ${length} compressed bytes but has ${data.length - 8}`);
  try {
    return inflateSync(data.subarray(8, 8 + length), { maxOutputLength: maxInflatedBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new HistogramRefusal(`inflates to more than ${maxInflatedBytes} bytes, more than any histogram mqbench writes`);
    throw new HistogramRefusal(`does not inflate (${code ?? 'damaged'})`);
  }
}

/** The header's figures, held to what histogram.ts writes; returns how many counts may follow. */
function checkHeader(inflated: Buffer): number {
  if (inflated.length < headerBytes || (inflated.readInt32BE(0) & ~0xf0) !== cookieBase) throw new HistogramRefusal('has no HdrHistogram V2 header');
  const payloadBytes = inflated.readInt32BE(4);
  if (payloadBytes !== inflated.length - headerBytes) throw new HistogramRefusal(`says its counts take ${payloadBytes} bytes but they take ${inflated.length - headerBytes}`);
  const digits = inflated.readInt32BE(12);
  const lowest = Number(inflated.readBigInt64BE(16));
  const highest = Number(inflated.readBigInt64BE(24));
  if (digits !== significantDigits || lowest !== lowestDiscernibleValue) throw new HistogramRefusal(`has ${digits} significant digits from ${lowest} us, not the ${significantDigits} from ${lowestDiscernibleValue} us mqbench records`);
  if (!(highest >= 2 * lowest) || highest > 2 * maxLatencyUs) throw new HistogramRefusal(`tracks values up to ${highest} us, beyond the ${maxLatencyUs} us a result may hold`);
  return countsLengthFor(highest);
}

/** One ZigZag LEB128-64b9B number at `at` (hdr-histogram-js's ZigZagEncoding.decode); exact below 2^53. */
function readZigZag(bytes: Buffer, at: number): { value: number; next: number } {
  let raw = 0;
  let scale = 1;
  let next = at;
  for (let i = 0; i < maxBytesPerCount; i++) {
    if (next >= bytes.length) throw new HistogramRefusal('ends in the middle of a count');
    const byte = bytes[next++] as number;
    // the ninth byte carries 8 bits, not 7 (the variant's 64-bit ending)
    raw += (i === 8 ? byte : byte & 0x7f) * scale;
    if (i === 8 || (byte & 0x80) === 0) break;
    scale *= 128;
  }
  return { value: raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, next };
}

/**
 * Reads an encoded histogram within bounds: refused (HistogramRefusal, one line) when it is not one,
 * inflates beyond what mqbench writes, tracks values beyond maxLatencyUs, or has a count a 32-bit
 * bucket cannot hold. Never allocates more than maxInflatedBytes for it.
 */
export function inspectEncodedHistogram(encoded: string): EncodedHistogramFacts {
  const inflated = inflateBounded(encoded);
  const countsLength = checkHeader(inflated);
  let index = 0;
  let totalCount = 0;
  let maxValue = 0;
  for (let at = headerBytes; at < inflated.length; ) {
    const { value, next } = readZigZag(inflated, at);
    at = next;
    if (value < 0) index -= value;
    else {
      if (value > maxBucketCount) throw new HistogramRefusal(`has a bucket counting ${value} values, more than a 32-bit bucket holds`);
      if (value > 0 && index < countsLength) maxValue = valueAtIndex(index);
      totalCount += value;
      index++;
    }
    if (index > countsLength) throw new HistogramRefusal(`has counts past its highest trackable value (bucket ${index} of ${countsLength})`);
  }
  if (!Number.isSafeInteger(totalCount)) throw new HistogramRefusal(`counts more values (${totalCount}) than can be counted exactly`);
  return { totalCount, maxValue, inflated };
}
