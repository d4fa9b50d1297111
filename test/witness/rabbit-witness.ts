/**
 * An independent witness for RabbitMQ failover figures: a minimal amqplib publisher that shares no
 * code with mqbench (nothing under src/ is imported). It declares its own queue of the given type
 * with its leader on a chosen node (a declaration from a connection to that node: RabbitMQ 3.10's
 * client-local leader locator), then publishes on a confirm channel opened on another node before the
 * fault, at a fixed rate, and keeps the time of every broker acknowledgement. It sees the fault for
 * itself: the connection it declared through stays open on the leader's node and closes when that
 * node dies. Its figure is the longest gap between two acknowledgements that began during the fault
 * (from 1 s before the node was lost until `faultForMs` after, when the node's restart begins): how
 * long a client already established on a surviving node waited, which mqbench's "survivors"
 * population must agree with. A gap the restart causes (a mirror syncing) is the restart's, not the kill's.
 */
import amqp, { type ConfirmChannel } from 'amqplib';

export interface WitnessOptions {
  /** the node the queue's leader is declared on (the one the fault will hit) */
  leaderUrl: string;
  /** the node the witness publishes through (a survivor) */
  publishUrl: string;
  queue: string;
  queueType: 'quorum' | 'stream' | 'classic-mirrored';
  ratePerSec: number;
  /** how long the fault lasts before the node is restarted (ms) */
  faultForMs: number;
  /** publishing stops when this aborts */
  signal: AbortSignal;
}

export interface WitnessResult {
  sent: number;
  acked: number;
  nacked: number;
  /** when the leader's node was lost (its connection closed), since the witness started (ms); null: never */
  leaderLostAtMs: number | null;
  /** the longest time between two consecutive acknowledgements that began during the fault (ms), and when it began */
  longestAckGapMs: number;
  longestGapFromMs: number;
  /** the longest time one message waited for its acknowledgement (ms) */
  worstAckLatencyMs: number;
}

function queueArguments(type: WitnessOptions['queueType']): amqp.Options.AssertQueue {
  if (type === 'classic-mirrored') return { durable: true }; // mirrored by the cluster's ha policy on ^mqbench-.*\.ha$
  return { durable: true, arguments: { 'x-queue-type': type } };
}

/** Declares the queue through the leader's node and keeps that connection: its close is the node's loss. */
async function declareOn(url: string, queue: string, type: WitnessOptions['queueType']): Promise<amqp.ChannelModel> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, queueArguments(type));
  await channel.close();
  return connection;
}

/** Deletes the witness's queue through any node that answers. */
export async function removeWitnessQueue(urls: readonly string[], queue: string): Promise<void> {
  for (const url of urls) {
    try {
      const connection = await amqp.connect(url);
      connection.on('error', () => undefined);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      await connection.close();
      return;
    } catch {
      // that node is down: the next one
    }
  }
}

/** Publishes until the signal aborts; every message is timed from its publish to its acknowledgement. */
async function publishUntilAborted(channel: ConfirmChannel, options: WitnessOptions, started: number, result: WitnessResult, ackTimes: number[]): Promise<void> {
  const periodMs = 1000 / options.ratePerSec;
  for (let i = 0; !options.signal.aborted; i++) {
    const due = started + i * periodMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const publishedAt = performance.now();
    result.sent++;
    channel.publish('', options.queue, Buffer.from(`witness ${i}`), { persistent: true }, (error) => {
      if (error) return void result.nacked++;
      const now = performance.now();
      result.acked++;
      ackTimes.push(now - started);
      result.worstAckLatencyMs = Math.max(result.worstAckLatencyMs, now - publishedAt);
    });
  }
}

/** The longest gap between consecutive acknowledgements that began within [fromMs, toMs). */
function longestGap(ackTimes: readonly number[], fromMs: number, toMs: number): { gapMs: number; fromMs: number } {
  const sorted = [...ackTimes].sort((a, b) => a - b);
  let best = { gapMs: 0, fromMs };
  for (let i = 1; i < sorted.length; i++) {
    const start = sorted[i - 1] ?? 0;
    const gap = (sorted[i] ?? 0) - start;
    if (start >= fromMs && start < toMs && gap > best.gapMs) best = { gapMs: gap, fromMs: start };
  }
  return best;
}

/** Runs the witness until `signal` aborts (then waits up to 5 s for the last acknowledgements). */
export async function runRabbitWitness(options: WitnessOptions): Promise<WitnessResult> {
  const started = performance.now();
  const onLeader = await declareOn(options.leaderUrl, options.queue, options.queueType);
  let leaderLostAtMs: number | null = null;
  onLeader.on('close', () => (leaderLostAtMs ??= performance.now() - started));
  const connection = await amqp.connect(options.publishUrl);
  connection.on('error', () => undefined);
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  const result: WitnessResult = { sent: 0, acked: 0, nacked: 0, leaderLostAtMs: null, longestAckGapMs: 0, longestGapFromMs: 0, worstAckLatencyMs: 0 };
  const ackTimes: number[] = [];
  try {
    await publishUntilAborted(channel, options, started, result, ackTimes);
    await Promise.race([channel.waitForConfirms().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000))]);
  } finally {
    await connection.close().catch(() => undefined);
    await onLeader.close().catch(() => undefined);
  }
  const lost: number | null = leaderLostAtMs;
  const gap = lost === null ? { gapMs: 0, fromMs: 0 } : longestGap(ackTimes, lost - 1000, lost + options.faultForMs);
  return { ...result, leaderLostAtMs: lost, longestAckGapMs: gap.gapMs, longestGapFromMs: gap.fromMs };
}
