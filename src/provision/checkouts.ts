/**
 * Several checkouts of mqbench on one host, each with clusters of its own. A checkout is known by its
 * state folder (`.mqbench/` of the checkout, or MQBENCH_HOME): its identity is a short hash of that
 * folder's absolute path, so a second clone (or the same code with another MQBENCH_HOME) is another
 * checkout without being told. Node names, ports and networks are host-wide, state folders are not:
 * a cluster therefore claims a *slot* in a small host-wide table (one file per claim, in the system's
 * temp folder) before it starts, and its plug-in derives its ports, node names and network from that
 * slot. Slot 0 is the layout mqbench always had (each cluster's historical ports and node names), so a
 * single checkout keeps the ports its users and docs know; a second checkout's cluster gets slot 1, 2...
 * The table is also how a checkout tells another checkout's nodes from leftovers. Loopback clusters and
 * clusters in network namespaces (--netns) share no port, name or address, so each has slots of its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { chmod, link, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { stateRoot } from '../util/paths.js';

/** How many clusters of one kind can be up on a host at once (ports are spaced 10 apart per slot). */
export const maxSlots = 8;

/** One cluster's claim: which checkout holds which slot, and what it runs there (for other checkouts' listings). */
export interface SlotClaim {
  cluster: string;
  /** a cluster in network namespaces: its slots are apart from the loopback clusters' */
  netns: boolean;
  slot: number;
  /** the checkout's identity (instanceOf) */
  instance: string;
  /** the checkout's state folder */
  checkout: string;
  /** the cluster's own folder: the claim lives while it exists (as the cluster does for its checkout) */
  home: string;
  /** the cluster's network name (namespaces mqbench-<network>-n<i>), whether it runs in namespaces or not */
  network: string;
  /** one short text per node (name and address), for other checkouts' listings */
  nodes: string[];
}

/** The host-wide table of claims; MQBENCH_HOST_TABLE moves it (tests). */
export const hostTable = (): string => process.env.MQBENCH_HOST_TABLE ?? join(tmpdir(), 'mqbench-clusters');

function absolute(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** A checkout's identity: 8 hex digits of its state folder's absolute path. */
export function instanceOf(folder: string = stateRoot): string {
  return createHash('sha256').update(absolute(folder)).digest('hex').slice(0, 8);
}

/** This checkout's identity. */
export const thisInstance = (): string => instanceOf(stateRoot);

/** Slot 0 keeps the names mqbench always used; other slots carry the checkout's identity. */
export const slotSuffix = (slot: number, instance: string = thisInstance()): string => (slot === 0 ? '' : `-${instance}`);

/**
 * The network name of a cluster in `slot` (provision/network: namespaces, bridge and subnet follow from
 * it). Named by the slot, not the checkout: the slots' names are few and known, and no two of them (of
 * either cluster) hash to the same 10.213.k.0/24 or bridge tag (test/unit/checkouts.test.ts checks it),
 * so two checkouts' --netns clusters never collide. The instance is in the node names.
 */
export const networkNameOf = (cluster: string, slot: number): string => (slot === 0 ? cluster : `${cluster}-s${slot}`);

const claimPath = (table: string, cluster: string, netns: boolean, slot: number): string => join(table, `${cluster}${netns ? '.netns' : ''}.${slot}.json`);

async function readClaim(path: string): Promise<SlotClaim | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as SlotClaim;
  } catch {
    return undefined;
  }
}

/** Every claim whose cluster folder still exists (a removed checkout's or a crashed `down`'s claim is stale). */
export async function liveClaims(table: string = hostTable()): Promise<SlotClaim[]> {
  const names = (await readdir(table).catch(() => [] as string[])).filter((name) => /\.\d+\.json$/.test(name));
  const claims = await Promise.all(names.map((name) => readClaim(join(table, name))));
  return claims.filter((c): c is SlotClaim => c !== undefined && existsSync(c.home));
}

/** The live claims of other checkouts than this one (of `cluster` only, when given). */
export async function otherCheckoutsClaims(cluster?: string, table: string = hostTable()): Promise<SlotClaim[]> {
  const mine = absolute(stateRoot);
  return (await liveClaims(table)).filter((c) => c.checkout !== mine && (cluster === undefined || c.cluster === cluster));
}

/** This checkout's live claim of `cluster`, if it holds one. */
export async function ownClaim(cluster: string, table: string = hostTable()): Promise<SlotClaim | undefined> {
  const mine = absolute(stateRoot);
  return (await liveClaims(table)).find((c) => c.checkout === mine && c.cluster === cluster);
}

/**
 * Creates the claim's file only if no file has the name: written whole under a private name first, then
 * linked to its name (link fails on an existing name), so that no checkout ever reads half a claim and
 * of two checkouts claiming one slot at once exactly one gets it.
 */
async function writeClaim(table: string, claim: SlotClaim): Promise<boolean> {
  const draft = join(table, `.draft-${process.pid}-${claim.cluster}-${claim.slot}`);
  await writeFile(draft, `${JSON.stringify(claim, null, 2)}\n`);
  try {
    await link(draft, claimPath(table, claim.cluster, claim.netns, claim.slot));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
}

/** A claim file this old that cannot be read is a leftover (claims are written whole, then linked). */
const unreadableStaleMs = 10_000;

/**
 * Whose a slot's claim file is: none, this checkout's, another live checkout's, or stale (its cluster
 * folder is gone, or a file nobody could read for a while); a stale one is removed, so the slot is free.
 */
async function slotHolder(path: string, mine: string): Promise<'free' | 'mine' | 'live'> {
  const claim = await readClaim(path);
  if (claim === undefined) {
    const modifiedMs = await stat(path).then((s) => s.mtimeMs, () => undefined);
    if (modifiedMs === undefined) return 'free';
    if (Date.now() - modifiedMs < unreadableStaleMs) return 'live';
  } else if (existsSync(claim.home)) {
    return claim.checkout === mine ? 'mine' : 'live';
  }
  await rm(path, { force: true });
  return 'free';
}

/** Takes `slot` when it is free or this checkout's already (rewritten: its cluster's folder may have moved). */
async function takeSlot(table: string, claim: SlotClaim): Promise<boolean> {
  const path = claimPath(table, claim.cluster, claim.netns, claim.slot);
  const holder = await slotHolder(path, claim.checkout);
  if (holder === 'live') return false;
  if (holder === 'mine') await rm(path, { force: true });
  return writeClaim(table, claim);
}

async function openTable(table: string): Promise<void> {
  await mkdir(table, { recursive: true });
  // every user's checkouts share the table (sticky: each removes only its own claims)
  await chmod(table, 0o1777).catch(() => undefined);
}

/** What a cluster's `brokers up` asks for. */
export interface SlotRequest {
  cluster: string;
  /** the cluster's folder */
  home: string;
  netns: boolean;
  /** the slot this cluster had (from its state file), if it had one */
  remembered: number | undefined;
  /** what the nodes in `slot` will be, for other checkouts' listings */
  describe: (slot: number) => { network: string; nodes: string[] };
}

/**
 * Claims a slot for a cluster: the slot it had when no other checkout holds it now, else the lowest
 * free one. A slot held by another checkout is never taken.
 */
export async function claimSlot(request: SlotRequest, table: string = hostTable()): Promise<number> {
  const { cluster, netns, remembered, describe } = request;
  await openTable(table);
  const base = { cluster, netns, instance: thisInstance(), checkout: absolute(stateRoot), home: resolve(request.home) };
  const others = (await otherCheckoutsClaims(cluster, table)).filter((c) => (c.netns ?? false) === netns);
  const taken = new Set(others.map((c) => c.slot));
  if (remembered !== undefined) {
    if (!taken.has(remembered) && (await takeSlot(table, { ...base, slot: remembered, ...describe(remembered) }))) return remembered;
    const holder = (await otherCheckoutsClaims(cluster, table)).find((c) => c.slot === remembered && (c.netns ?? false) === netns);
    throw new UsageError(`${cluster}: its ports and node names (slot ${remembered}) are another checkout's now (${holder?.checkout ?? 'a claim being written'}): \`npx bench brokers down ${cluster}\` here first, then up again`);
  }
  for (let slot = 0; slot < maxSlots; slot++) {
    // a claim made meanwhile by another checkout is respected: takeSlot creates the file only if none is there
    if (!taken.has(slot) && (await takeSlot(table, { ...base, slot, ...describe(slot) }))) return slot;
  }
  throw new UsageError(`${cluster}: ${maxSlots} checkouts on this host have one up already (${others.map((c) => c.checkout).join(', ')}); bring one down first`);
}

/**
 * The cluster's folder made (`makeFolder`) and a slot claimed for it (claimSlot); when the claim is
 * refused, a folder made just now is removed again: it would make this checkout think its cluster is up.
 */
export async function claimWithFolder(request: SlotRequest, makeFolder: () => Promise<void>): Promise<number> {
  const existed = existsSync(request.home);
  await makeFolder();
  try {
    return await claimSlot(request);
  } catch (error) {
    if (!existed) await rm(request.home, { recursive: true, force: true });
    throw error;
  }
}

/** Gives the slot up (`brokers down`): only this checkout's claim of it. */
export async function releaseSlot(cluster: string, table: string = hostTable()): Promise<void> {
  const mine = absolute(stateRoot);
  for (const netns of [false, true]) {
    for (let slot = 0; slot < maxSlots; slot++) {
      const path = claimPath(table, cluster, netns, slot);
      if ((await readClaim(path))?.checkout === mine) await rm(path, { force: true });
    }
  }
}

/** One line per other checkout's cluster: what `brokers status` and `bench clean` show and never touch. */
export function otherCheckoutLine(claim: SlotClaim): string {
  return `${claim.cluster} of another checkout (${claim.checkout}, instance ${claim.instance}): ${claim.nodes.join(', ')}; left alone`;
}
