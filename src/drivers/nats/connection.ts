/** Opening a NATS connection from an mqbench URL (url.ts). */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';
import { natsAddressOf } from './url.js';

function reasonOf(error: unknown, url: string): string {
  const raw = error instanceof Error ? error.message : String(error);
  const line = raw.split('\n')[0] ?? raw;
  if (/authorization|authentication/i.test(line)) return 'authorization violation (wrong user, password or token)';
  return redactSecretsIn(line, [url]);
}

/**
 * Connects within `timeoutMs` without reconnecting: a lost connection ends the run (onFatal), it is
 * never papered over by the client's silent reconnect, which would drop core NATS messages unseen.
 */
export async function openNatsConnection(url: string, timeoutMs: number, name: string, hint: string | undefined): Promise<NatsConnection> {
  const { servers, ...credentials } = natsAddressOf(url);
  try {
    return await withTimeout(
      connect({ servers, ...credentials, name, timeout: timeoutMs, reconnect: false }),
      timeoutMs + 500,
      () => new Error(`no answer within ${timeoutMs} ms`),
    );
  } catch (error) {
    const reason = reasonOf(error, url);
    const suffix = /authorization/.test(reason) ? '' : ` (${hint ?? 'is a NATS server running at that URL?'})`;
    throw new BrokerUnreachableError(`cannot connect to NATS at ${redactUrl(url)}: ${reason}${suffix}`);
  }
}
