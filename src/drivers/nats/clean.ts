/**
 * `bench clean` for NATS: runs leave JetStream streams named mqbench-* (core NATS leaves nothing).
 * A stream is in use while one of its consumers has a client pulling (num_waiting) or bound (push).
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { Cleaner, LeftoverObject } from '../plugin.js';
import { openNatsConnection } from './connection.js';

const runPrefix = 'mqbench-';

async function withManager<T>(url: string, connectTimeoutMs: number, use: (manager: JetStreamManager) => Promise<T>): Promise<T> {
  const connection = await openNatsConnection(url, connectTimeoutMs, 'mqbench-clean', undefined);
  try {
    return await use(await jetstreamManager(connection, { timeout: Math.max(connectTimeoutMs, 5000) }));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function streamInUse(manager: JetStreamManager, stream: string): Promise<boolean> {
  for await (const consumer of manager.consumers.list(stream)) {
    if (consumer.num_waiting > 0 || consumer.push_bound === true) return true;
  }
  return false;
}

async function listWith(manager: JetStreamManager): Promise<LeftoverObject[]> {
  const found: LeftoverObject[] = [];
  for await (const stream of manager.streams.list()) {
    const name = stream.config.name;
    if (!name.startsWith(runPrefix)) continue;
    const created = Date.parse(stream.created);
    found.push({
      kind: 'stream',
      name,
      ...(Number.isFinite(created) ? { ageSeconds: Math.max(0, Math.round((Date.now() - created) / 1000)) } : {}),
      inUse: await streamInUse(manager, name),
    });
  }
  return found;
}

async function removeWith(manager: JetStreamManager, objects: readonly LeftoverObject[]): Promise<void> {
  const ours = objects.filter((o) => o.name.startsWith(runPrefix));
  const failed: string[] = [];
  for (const { name } of ours) {
    try {
      await manager.streams.delete(name);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      // gone meanwhile (its run ended and removed it): that is what we wanted
      if (!/stream not found/i.test(reason)) failed.push(`${name} (${reason})`);
    }
  }
  if (failed.length > 0) throw new Error(`could not delete ${failed.length} of ${ours.length}: ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ` and ${failed.length - 3} more` : ''}`);
}

export const natsCleaner: Cleaner = {
  list: (url, connectTimeoutMs) => withManager(url, connectTimeoutMs, listWith),
  remove: async (url, objects, connectTimeoutMs) => {
    if (objects.length > 0) await withManager(url, connectTimeoutMs, (manager) => removeWith(manager, objects));
  },
};
