/**
 * `bench clean` for Redis: runs leave stream keys named mqbench-*. A stream is in use while one of
 * its groups' consumers has its connection open (the driver names a consumer's connection
 * mqbench-<consumer>); where CLIENT LIST is not allowed, while one read from it recently (a running
 * consumer re-reads at least every BLOCK ms).
 */
import type { Cleaner, LeftoverObject } from '../plugin.js';
import { openRedisConnection, type RedisConnection } from './connection.js';

const runPrefix = 'mqbench-';
/** longer than the largest --redis-block (60 s): a live consumer reads at least that often */
const recentMs = 65_000;

async function withConnection<T>(url: string, connectTimeoutMs: number, use: (connection: RedisConnection) => Promise<T>): Promise<T> {
  const connection = await openRedisConnection(url, connectTimeoutMs, 'mqbench-clean', undefined, () => undefined);
  try {
    return await use(connection);
  } finally {
    await connection.close().catch(() => connection.destroy());
  }
}

async function streamKeys(connection: RedisConnection): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = (await connection.sendCommand(['SCAN', cursor, 'MATCH', `${runPrefix}*`, 'COUNT', '1000', 'TYPE', 'stream'])) as [string, string[]];
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return [...new Set(keys)];
}

/** XINFO replies are flat [name, value, name, value, ...] lists in RESP2. */
function fieldOf(flat: unknown[], name: string): unknown {
  const at = flat.indexOf(name);
  return at >= 0 ? flat[at + 1] : undefined;
}

/** The names of the connections open now, or undefined when the server does not let us ask. */
async function connectionNames(connection: RedisConnection): Promise<Set<string> | undefined> {
  try {
    const list = String(await connection.sendCommand(['CLIENT', 'LIST']));
    return new Set([...list.matchAll(/ name=(\S+)/g)].map((m) => m[1] ?? ''));
  } catch {
    return undefined;
  }
}

async function inUse(connection: RedisConnection, key: string, connected: Set<string> | undefined): Promise<boolean> {
  const groups = (await connection.sendCommand(['XINFO', 'GROUPS', key])) as unknown[][];
  for (const group of groups) {
    const consumers = (await connection.sendCommand(['XINFO', 'CONSUMERS', key, String(fieldOf(group, 'name'))])) as unknown[][];
    const live = connected
      ? consumers.some((c) => connected.has(`mqbench-${String(fieldOf(c, 'name'))}`))
      : consumers.some((c) => Number(fieldOf(c, 'idle')) < recentMs);
    if (live) return true;
  }
  return false;
}

async function list(url: string, connectTimeoutMs: number): Promise<LeftoverObject[]> {
  return withConnection(url, connectTimeoutMs, async (connection) => {
    const found: LeftoverObject[] = [];
    const connected = await connectionNames(connection);
    for (const name of await streamKeys(connection)) found.push({ kind: 'stream', name, inUse: await inUse(connection, name, connected) });
    return found;
  });
}

async function remove(url: string, objects: readonly LeftoverObject[], connectTimeoutMs: number): Promise<void> {
  const names = objects.map((o) => o.name).filter((n) => n.startsWith(runPrefix));
  if (names.length === 0) return;
  await withConnection(url, connectTimeoutMs, async (connection) => {
    // a key already gone (its run ended and removed it) is what we wanted: DEL does not mind
    for (let i = 0; i < names.length; i += 1000) await connection.sendCommand(['DEL', ...names.slice(i, i + 1000)]);
  });
}

export const redisCleaner: Cleaner = { list, remove };
