import type { Producer, SendDone } from '../drivers/types.js';
import { nowUs } from '../util/clock.js';
import { headerSize, stampSentTime, writeHeader } from './header.js';
import type { Recorder } from './recorder.js';
import type { SizePicker } from '../metrics/size-distribution.js';
import { keyOf } from './keys.js';

/** How payloads look: size, body text, whether they carry a partitioning key. */
export interface PayloadShape {
  messageSize: number;
  /** --sizes: each message's size is drawn here (at most messageSize) instead of messageSize */
  sizes?: SizePicker;
  /** the bytes after the header */
  body: Buffer;
  /** keyed load: the key spreads messages over partitions */
  keyed: boolean;
  producers: number;
}

/**
 * At-least-once across a broker failure (the failover scenario): a send that fails is sent again,
 * same producer id and sequence (the receiver counts any duplicate), after a bounded backoff, until
 * the broker acknowledges it or `givingUp()` says the run is over (stopped, or the drain ended).
 */
export interface ResendPolicy {
  givingUp(): boolean;
}

/**
 * One message on its way: what a retry resends and what the recorder is told when it settles. It is
 * also what a driver's `sendWith` calls back: one object per message, no closures.
 */
class PendingSend implements SendDone {
  tries = 0;
  /** this try has settled: a driver that settles and then throws must not settle it twice */
  trySettled = false;

  constructor(
    private readonly slot: ProducerSlot,
    readonly payload: Buffer,
    readonly key: string | undefined,
    readonly seq: number,
    readonly measured: boolean,
    readonly sentUs: number,
  ) {}

  settled(error?: Error): void {
    if (this.trySettled) return;
    this.trySettled = true;
    if (error === undefined) this.slot.acknowledged(this);
    else this.slot.failed(this, error);
  }
}

const firstBackoffMs = 50;
const maxBackoffMs = 1000;

/**
 * One producer as the executors see it: `send` builds the payload, stamps the times, tells the
 * recorder, and keeps count of sends not settled yet. Executors share it; it knows no schedule.
 */
export class ProducerSlot {
  /** sends handed to the client, not settled (acknowledged or failed) yet */
  outstanding = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly id: number,
    private readonly producer: Producer,
    private readonly recorder: Recorder,
    private readonly shape: PayloadShape,
    /** a fixed message count for this producer (hello-world), else undefined */
    readonly quota: number | undefined,
    private readonly resend?: ResendPolicy,
  ) {}

  send(intendedUs: number, seq: number, measured: boolean): void {
    const { shape, recorder, id } = this;
    const payload = Buffer.allocUnsafe(shape.sizes ? shape.sizes.pick(id, seq, measured) : shape.messageSize);
    writeHeader(payload, id, seq, measured, intendedUs);
    shape.body.copy(payload, headerSize, 0, payload.length - headerSize);
    const key = shape.keyed ? keyOf(seq, shape.producers, id) : undefined;
    const sentUs = nowUs();
    stampSentTime(payload, sentUs);
    recorder.sent(id, seq, measured, intendedUs, sentUs);
    if (shape.sizes && measured) recorder.sentSize(payload.length);
    this.outstanding++;
    this.attempt(new PendingSend(this, payload, key, seq, measured, sentUs));
  }

  /**
   * One try of a send; a failure is retried under the resend policy, else settled as failed.
   * Per message: the callbacks are inline arrows, not named closures (under tsx each named closure
   * costs a __name() call, 6% of a Kafka run's CPU).
   */
  private attempt(send: PendingSend): void {
    const { producer } = this;
    send.trySettled = false;
    if (producer.sendWith) {
      try {
        producer.sendWith(send.payload, send.key, send);
      } catch (error) {
        send.settled(error instanceof Error ? error : new Error(String(error)));
      }
      return;
    }
    let sending: Promise<void>;
    try {
      sending = producer.send(send.payload, send.key);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(
      () => this.acknowledged(send),
      (error: unknown) => this.failed(send, error),
    );
  }

  /** @internal PendingSend's: the broker took it */
  acknowledged(send: PendingSend): void {
    // publish latency runs from the first try: the outage is part of it
    this.recorder.acked(this.id, send.seq, send.measured, send.sentUs, nowUs(), this.producer.brokerAcks);
    this.settled();
  }

  /** @internal PendingSend's: this try failed */
  failed(send: PendingSend, error: unknown): void {
    if (this.resend && !this.resend.givingUp()) {
      this.recorder.resent(error);
      const backoffMs = Math.min(maxBackoffMs, firstBackoffMs * 2 ** Math.min(send.tries, 5));
      send.tries++;
      setTimeout(() => this.attempt(send), backoffMs);
      return;
    }
    this.recorder.sendFailed(this.id, send.seq, send.measured, error);
    this.settled();
  }

  /** Resolves when a send settles, or after `maxWaitMs` (so callers re-check the clock and stop flags). */
  waitForSettle(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return this.producer.close();
  }

  private settled(): void {
    this.outstanding--;
    // splice makes an array: not per message when nobody waits
    if (this.waiters.length > 0) for (const wake of this.waiters.splice(0)) wake();
  }
}
