/**
 * One failover client's own connection. A producer or consumer placed on a node connects there first
 * and stays there until that node is lost; then it tries the next nodes round the cluster's URL list
 * with a doubling back-off, as an application with a node list would, and re-opens its channels on
 * the connection it got (`reopen`). Clients on one node never share a connection, so each population
 * (on the node that failed, on a survivor, joined late) sees the broker as such a client would.
 */
import type { ChannelModel } from 'amqplib';
import { sleepMs } from '../../util/clock.js';
import { nodeAddressOf } from './urls.js';

/** After a lost connection: wait this long before trying the next node, doubling up to the ceiling. */
export const firstRetryMs = 100;
export const maxRetryMs = 2000;

export interface LinkOptions {
  urls: readonly string[];
  /** where it connects first (index into urls) */
  start: number;
  /** e.g. "producer 2": how events name it */
  label: string;
  /** opens a connection to one URL; `lost` is called once when it closes */
  connect(url: string, lost: () => void): Promise<ChannelModel>;
  emit(kind: string, detail: string): void;
  /** closing on purpose (the driver closes): stop reconnecting */
  closing(): boolean;
}

export class ClientLink {
  private live: ChannelModel | undefined;
  private position: number;
  private closed = false;
  private reopen: (connection: ChannelModel) => void = () => undefined;

  constructor(private readonly options: LinkOptions) {
    this.position = options.start;
  }

  /** The connection now; undefined while it reconnects. */
  get connection(): ChannelModel | undefined {
    return this.live;
  }

  /** Connects to its node (or, if that one does not answer, the next one round the list). */
  async open(reopen: (connection: ChannelModel) => void): Promise<ChannelModel> {
    this.reopen = reopen;
    this.live = await this.openFrom(this.position);
    return this.live;
  }

  private async openFrom(start: number): Promise<ChannelModel> {
    const { urls } = this.options;
    let lastError: unknown;
    for (let i = 0; i < urls.length; i++) {
      const position = (start + i) % urls.length;
      try {
        const connection = await this.options.connect(urls[position] ?? '', () => void this.lost(connection));
        this.position = position;
        return connection;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  private stopped(): boolean {
    return this.closed || this.options.closing();
  }

  /** Its connection closed: reconnect from the next node until one answers or the link is closed. */
  private async lost(connection: ChannelModel): Promise<void> {
    if (this.stopped() || this.live !== connection) return;
    this.live = undefined;
    const { label, urls, emit } = this.options;
    emit('connection-lost', `${label} connection to ${nodeAddressOf(urls[this.position] ?? '')} lost`);
    let delayMs = firstRetryMs;
    while (!this.stopped()) {
      try {
        const next = await this.openFrom(this.position + 1);
        if (this.stopped()) return void next.close().catch(() => undefined);
        this.live = next;
        emit('reconnect', `${label} connection re-established on ${nodeAddressOf(urls[this.position] ?? '')}`);
        return this.reopen(next);
      } catch {
        await sleepMs(delayMs);
        delayMs = Math.min(maxRetryMs, delayMs * 2);
      }
    }
  }

  /** Closes its connection; no reconnect after this. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.live;
    this.live = undefined;
    await connection?.close().catch(() => undefined);
  }
}
