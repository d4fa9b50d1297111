/** Opening a node-redis connection from an mqbench URL, with one readable line when it fails. */
import { createClient, RESP_TYPES } from 'redis';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import { redactSecretsIn, redactUrl } from '../../util/redact.js';

/** RESP2: the driver reads stream replies as nested arrays, whatever the client's default protocol. */
function newClient(url: string, name: string, timeoutMs: number) {
  return createClient({ url, name, RESP: 2, socket: { connectTimeout: timeoutMs, reconnectStrategy: false, noDelay: true } });
}

export type RedisConnection = ReturnType<typeof newClient>;

/** Replies as Buffers: payloads are binary, and a UTF-8 round trip would corrupt them. */
export const binaryReplies = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

function reasonOf(error: unknown, url: string): string {
  const raw = error instanceof Error ? error.message : String(error);
  const line = raw.split('\n')[0] ?? raw;
  if (/WRONGPASS|NOAUTH|invalid (username|password)/i.test(line)) return 'authentication failed (wrong user or password)';
  return redactSecretsIn(line, [url]) || (error instanceof Error ? error.name : 'error');
}

/**
 * Connects within `timeoutMs`, never reconnecting: a lost connection ends the run (onFatal) rather
 * than being hidden by the client's retries. `onLost` hears about a connection that broke later.
 */
export async function openRedisConnection(url: string, timeoutMs: number, name: string, hint: string | undefined, onLost: (error: Error) => void): Promise<RedisConnection> {
  const client = newClient(url, name, timeoutMs);
  let connected = false;
  let firstError: unknown;
  client.on('error', (error: unknown) => {
    if (connected) onLost(new Error(`connection to Redis lost: ${reasonOf(error, url)}`));
    else firstError ??= error;
  });
  try {
    await withTimeout(client.connect(), timeoutMs + 500, () => new Error(`no answer within ${timeoutMs} ms`));
  } catch (error) {
    client.destroy();
    const reason = reasonOf(firstError ?? error, url);
    const suffix = /authentication/.test(reason) ? '' : ` (${hint ?? 'is a Redis server running at that URL?'})`;
    throw new BrokerUnreachableError(`cannot connect to Redis at ${redactUrl(url)}: ${reason}${suffix}`);
  }
  connected = true;
  client.on('end', () => onLost(new Error('connection to Redis closed')));
  return client;
}
