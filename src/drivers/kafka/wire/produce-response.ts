/**
 * Kafka Produce responses (versions 9 to 11, one layout: Kafka's ProduceResponse.json) read by
 * mqbench, and what becomes of each partition of the request they answer.
 *
 * Why not the client's parser: @platformatic/kafka 1.35.0 reads tagged fields wrongly (see
 * tagged-fields.ts). Kafka 4.x tags CurrentLeader onto every partition it answers
 * NOT_LEADER_OR_FOLLOWER, and NodeEndpoints onto the response (KIP-951): the client's parser then
 * throws on a response that says partitions were written, and a sender that resends "everything the
 * failed request carried" writes those partitions twice on every leader change. This reader never
 * throws for a partition's error code: each partition is judged on its own (judgePartitions).
 *
 * Called by record-sender.ts; tested by test/unit/produce-request.test.ts and test/unit/record-sender.test.ts.
 */
import { protocolErrors, protocolErrorsCodesById, type Reader } from '@platformatic/kafka';
import { readCompactArray, skipTaggedFields } from './tagged-fields.js';

/** One partition's answer: written (errorCode 0) or refused, with the broker's own words when it gave any. */
export interface PartitionProduceOutcome {
  index: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface ProduceResponse {
  /** every partition answered, over all topics (mqbench sends one topic per request) */
  partitions: PartitionProduceOutcome[];
  throttleTimeMs: number;
}

/** baseOffset, logAppendTimeMs, logStartOffset: not needed to judge a partition */
const partitionOffsetsBytes = 8 + 8 + 8;

function readPartitionOutcome(reader: Reader): PartitionProduceOutcome {
  const index = reader.readInt32();
  const errorCode = reader.readInt16();
  reader.skip(partitionOffsetsBytes);
  // record errors (batch index, message): the partition's error code already says the batch was refused
  readCompactArray(reader, (r) => {
    r.readInt32();
    r.readNullableString();
  });
  // CurrentLeader (tag 0, v10+) follows in the partition's tagged fields, which readCompactArray steps over
  return { index, errorCode, errorMessage: reader.readNullableString() };
}

/** A ResponseParser for Connection.send: the response, whatever its partitions' error codes. */
export function parseProduceResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): ProduceResponse {
  const partitions: PartitionProduceOutcome[] = [];
  readCompactArray(reader, (r) => {
    r.readString(); // the topic's name
    for (const outcome of readCompactArray(r, readPartitionOutcome)) partitions.push(outcome);
  });
  const throttleTimeMs = reader.readInt32();
  skipTaggedFields(reader); // NodeEndpoints (tag 0, v10+): the client's metadata refresh finds the new leader
  return { partitions, throttleTimeMs };
}

/** The name of a Kafka error code (e.g. NOT_LEADER_OR_FOLLOWER), and whether Kafka's table calls it retriable. */
export function describeErrorCode(code: number): { name: string; canRetry: boolean; message: string } {
  const name = protocolErrorsCodesById[code];
  const known = name === undefined ? undefined : protocolErrors[name];
  return known ? { name: known.id, canRetry: known.canRetry, message: known.message } : { name: `error code ${code}`, canRetry: false, message: 'unknown to the client' };
}

const corruptMessage = 2;

/** What to do with each partition a Produce request carried, from its answer. */
export interface PartitionVerdicts<T> {
  /** refused with an error the client would retry: these go once through the client's producer.send() */
  resend: T[];
  /** the names of the errors they were refused with, e.g. NOT_LEADER_OR_FOLLOWER */
  resendReasons: string[];
  /** refused for good: their messages fail with the error */
  refused: { batch: T; error: Error }[];
}

/**
 * Judges each partition on its own answer: written is settled as written (resending it would write
 * it twice); a retriable refusal is resent; anything else fails. CORRUPT_MESSAGE is retriable in
 * Kafka's table, but a batch this encoder wrote failing the broker's CRC is a fault of this path (or
 * of the wire) that the client's encoder would hide by writing the records correctly: it fails, visibly.
 */
export function judgePartitions<T extends { partition: number }>(answered: readonly PartitionProduceOutcome[], sent: readonly T[], topic: string): PartitionVerdicts<T> {
  const verdicts: PartitionVerdicts<T> = { resend: [], resendReasons: [], refused: [] };
  for (let i = 0; i < sent.length; i++) {
    const batch = sent[i] as T;
    // the broker answers in the order it was asked: look there first
    const inOrder = answered[i];
    const outcome = inOrder?.index === batch.partition ? inOrder : answered.find((o) => o.index === batch.partition);
    if (outcome?.errorCode === 0) continue;
    if (!outcome) {
      verdicts.refused.push({ batch, error: new Error(`the broker's Produce response did not answer partition ${batch.partition} of ${topic}`) });
      continue;
    }
    const code = describeErrorCode(outcome.errorCode);
    if (code.canRetry && outcome.errorCode !== corruptMessage) {
      verdicts.resend.push(batch);
      if (!verdicts.resendReasons.includes(code.name)) verdicts.resendReasons.push(code.name);
    } else {
      const why = outcome.errorMessage ?? code.message;
      verdicts.refused.push({ batch, error: new Error(`the broker refused partition ${batch.partition} of ${topic}: ${code.name} (${why})`) });
    }
  }
  return verdicts;
}
