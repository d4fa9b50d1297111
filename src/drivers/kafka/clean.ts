/**
 * `bench clean` for Kafka, through the kafkajs admin client (its list/describe/delete calls are the
 * simplest of the two clients'). Kafka keeps no creation time for topics or groups, so "in use"
 * (a group with members) is what protects a run that is still going.
 */
import type { Admin } from 'kafkajs';
import { BrokerUnreachableError } from '../../errors.js';
import { withTimeout } from '../../util/clock.js';
import type { Cleaner, LeftoverObject } from '../plugin.js';
import { firstLine, parseKafkaBrokers } from './shared.js';

const runPrefix = 'mqbench-';

async function withAdmin<T>(url: string, connectTimeoutMs: number, use: (admin: Admin) => Promise<T>): Promise<T> {
  // loaded here, not at start-up: the plug-in registry must not pay for a Kafka client (see ../lazy.ts)
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const kafka = new Kafka({
    clientId: 'mqbench-clean',
    brokers: parseKafkaBrokers(url),
    connectionTimeout: Math.min(connectTimeoutMs, 3000),
    requestTimeout: 30_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), connectTimeoutMs, () => new Error(`no answer within ${connectTimeoutMs} ms`));
  } catch (error) {
    await withTimeout(admin.disconnect(), 1000, () => new Error('disconnect timed out')).catch(() => undefined);
    throw new BrokerUnreachableError(`cannot connect to Kafka at ${url}: ${firstLine(error)}`);
  }
  try {
    return await use(admin);
  } finally {
    await withTimeout(admin.disconnect(), 1000, () => new Error('disconnect timed out')).catch(() => undefined);
  }
}

/** A group is in use while it has members or is between generations (a rebalance under way). */
function groupInUse(state: string, members: number): boolean {
  return members > 0 || !['Empty', 'Dead'].includes(state);
}

async function listWith(admin: Admin): Promise<LeftoverObject[]> {
  const [topics, { groups }] = await Promise.all([admin.listTopics(), admin.listGroups()]);
  const groupIds = groups.map((g) => g.groupId).filter((id) => id.startsWith(runPrefix));
  const described = groupIds.length > 0 ? (await admin.describeGroups(groupIds)).groups : [];
  const busyGroups = described.filter((g) => groupInUse(g.state, g.members.length)).map((g) => g.groupId);
  // groups are named <topic>.g<subscription> (shared.ts): a topic read by a busy group is busy too
  const topicInUse = (topic: string): boolean => busyGroups.some((g) => g.startsWith(`${topic}.g`));
  return [
    ...topics.filter((t) => t.startsWith(runPrefix)).map((name) => ({ kind: 'topic', name, inUse: topicInUse(name) })),
    ...described.map((g) => ({ kind: 'group', name: g.groupId, inUse: busyGroups.includes(g.groupId) })),
  ];
}

/** Groups first (an offsets holder of a deleted topic is useless), each on its own to name failures. */
async function removeWith(admin: Admin, objects: readonly LeftoverObject[]): Promise<void> {
  const ours = objects.filter((o) => o.name.startsWith(runPrefix));
  const ordered = [...ours.filter((o) => o.kind === 'group'), ...ours.filter((o) => o.kind !== 'group')];
  const failed: string[] = [];
  for (const object of ordered) {
    try {
      if (object.kind === 'group') await admin.deleteGroups([object.name]);
      else await admin.deleteTopics({ topics: [object.name], timeout: 10_000 });
    } catch (error) {
      const reason = (error as { groups?: { error?: { type?: string } }[] }).groups?.[0]?.error?.type ?? firstLine(error);
      // gone meanwhile (its run ended and removed it): that is what we wanted
      if (!/GROUP_ID_NOT_FOUND|UNKNOWN_TOPIC_OR_PARTITION/.test(reason)) failed.push(`${object.name} (${reason})`);
    }
  }
  if (failed.length > 0) throw new Error(`could not delete ${failed.length} of ${ours.length}: ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ` and ${failed.length - 3} more` : ''}`);
}

export const kafkaCleaner: Cleaner = {
  list: (url, connectTimeoutMs) => withAdmin(url, connectTimeoutMs, listWith),
  remove: async (url, objects, connectTimeoutMs) => {
    if (objects.length > 0) await withAdmin(url, connectTimeoutMs, (admin) => removeWith(admin, objects));
  },
};
