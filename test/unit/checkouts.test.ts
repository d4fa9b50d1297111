/**
 * Two checkouts on one host (issue 31, item 8), the parts that need no broker: a checkout's identity,
 * the host-wide table of cluster slots (claims, stale claims, another checkout's claim), and the
 * ports, node names and networks each slot gives rabbit-cluster and kafka-cluster.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nodeIndexIn } from '../../src/drivers/rabbit/cluster.js';
import { clusterNetwork as rabbitNetwork, nodeLayout as rabbitLayout } from '../../src/drivers/rabbit/cluster-layout.js';
import { clusterNetwork as kafkaNetwork, nodeLayout as kafkaLayout } from '../../src/drivers/kafka/cluster-layout.js';
import { listeningInodes, otherStateFolderIn } from '../../src/provision/port-owner.js';
import { claimSlot, instanceOf, maxSlots, otherCheckoutLine, otherCheckoutsClaims, ownClaim, releaseSlot, thisInstance, type SlotClaim } from '../../src/provision/checkouts.js';

let folder: string;
let table: string;
const describeSlot = (slot: number) => ({ network: `rabbit-cluster${slot === 0 ? '' : `-s${slot}`}`, nodes: [`node at 127.0.0.1:${5701 + 10 * slot}`] });
/** This checkout's `brokers up rabbit-cluster` (loopback unless `netns`) as it claims its slot. */
const request = (home: string, remembered?: number, netns = false) => ({ cluster: 'rabbit-cluster', home, netns, remembered, describe: describeSlot });

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mqbench-checkouts-'));
  table = join(folder, 'table');
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A claim as another checkout's `brokers up` writes it; its cluster folder exists unless `stale`. */
async function otherCheckoutClaims(slot: number, stale = false): Promise<SlotClaim> {
  const checkout = join(folder, 'other', '.mqbench');
  const home = join(checkout, 'rabbit-cluster');
  if (!stale) await mkdir(home, { recursive: true });
  const claim: SlotClaim = { cluster: 'rabbit-cluster', netns: false, slot, instance: instanceOf(checkout), checkout, home, network: 'rabbit-cluster-other', nodes: ['mqbench-x-c1@localhost at 127.0.0.1:5701'] };
  await mkdir(table, { recursive: true });
  await writeFile(join(table, `rabbit-cluster.${slot}.json`), JSON.stringify(claim));
  return claim;
}

describe("a checkout's identity", () => {
  test('8 hex digits of its state folder: the same folder the same, another folder another', () => {
    expect(instanceOf('/a/checkout/.mqbench')).toMatch(/^[0-9a-f]{8}$/);
    expect(instanceOf('/a/checkout/.mqbench')).toBe(instanceOf('/a/checkout/.mqbench'));
    expect(instanceOf('/a/checkout/.mqbench')).not.toBe(instanceOf('/another/checkout/.mqbench'));
  });
});

describe('the host-wide table of cluster slots', () => {
  test('a claim file being written (not readable yet) holds its slot; one unreadable for a while is a leftover and is replaced', async () => {
    const home = join(folder, 'mine');
    await mkdir(home);
    await mkdir(table, { recursive: true });
    const half = join(table, 'rabbit-cluster.0.json');
    await writeFile(half, '{"cluster": "rabbit-clu');
    expect(await claimSlot(request(home), table)).toBe(1);
    await releaseSlot('rabbit-cluster', table);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await utimes(half, aMinuteAgo, aMinuteAgo);
    expect(await claimSlot(request(home), table)).toBe(0);
    expect((await ownClaim('rabbit-cluster', table))?.slot).toBe(0);
  });

  test("a slot this checkout remembers is refused while another checkout's live claim holds it, never overwritten", async () => {
    const home = join(folder, 'mine');
    await mkdir(home);
    const other = await otherCheckoutClaims(0);
    await expect(claimSlot(request(home, 0), table)).rejects.toThrow(`rabbit-cluster: its ports and node names (slot 0) are another checkout's now (${other.checkout})`);
    expect((await otherCheckoutsClaims('rabbit-cluster', table)).map((c) => c.slot)).toEqual([0]);
  });

  test('the first cluster gets slot 0 (the ports mqbench always had), and keeps it when it comes up again', async () => {
    const home = join(folder, 'mine');
    await mkdir(home);
    expect(await claimSlot(request(home), table)).toBe(0);
    expect(await claimSlot(request(home, 0), table)).toBe(0);
    expect((await ownClaim('rabbit-cluster', table))?.slot).toBe(0);
    expect(await otherCheckoutsClaims('rabbit-cluster', table)).toEqual([]);
    await releaseSlot('rabbit-cluster', table);
    expect(await readdir(table)).toEqual([]);
  });

  test("another checkout's live cluster keeps its slot: this one gets the next, lists it as another checkout's, and releases only its own", async () => {
    const other = await otherCheckoutClaims(0);
    const home = join(folder, 'mine');
    await mkdir(home);
    expect(await claimSlot(request(home), table)).toBe(1);
    expect(await otherCheckoutsClaims('rabbit-cluster', table)).toEqual([other]);
    expect(await otherCheckoutsClaims('kafka-cluster', table)).toEqual([]);
    expect(otherCheckoutLine(other)).toBe(`rabbit-cluster of another checkout (${other.checkout}, instance ${other.instance}): mqbench-x-c1@localhost at 127.0.0.1:5701; left alone`);
    await releaseSlot('rabbit-cluster', table);
    expect(await readdir(table)).toEqual(['rabbit-cluster.0.json']);
  });

  test("loopback and --netns clusters share no port, name or address: another checkout's loopback slot 0 leaves a netns slot 0 free", async () => {
    await otherCheckoutClaims(0);
    const home = join(folder, 'mine');
    await mkdir(home);
    expect(await claimSlot(request(home, undefined, true), table)).toBe(0);
    expect((await readdir(table)).sort()).toEqual(['rabbit-cluster.0.json', 'rabbit-cluster.netns.0.json']);
  });

  test('a stale claim (its cluster folder gone) is taken over', async () => {
    await otherCheckoutClaims(0, true);
    const home = join(folder, 'mine');
    await mkdir(home);
    expect(await claimSlot(request(home), table)).toBe(0);
    expect(await otherCheckoutsClaims(undefined, table)).toEqual([]);
  });

  test("a remembered slot another checkout holds now is refused in one line, before anything starts", async () => {
    const other = await otherCheckoutClaims(0);
    await expect(claimSlot(request(join(folder, 'mine'), 0), table)).rejects.toThrow(
      `rabbit-cluster: its ports and node names (slot 0) are another checkout's now (${other.checkout}): \`npx bench brokers down rabbit-cluster\` here first, then up again`,
    );
  });
});

describe('what a slot gives each cluster', () => {
  test('rabbit-cluster: slot 0 as always; slot 1 ports 10 higher, the identity in its node names, the slot in its network name', () => {
    expect(rabbitLayout(1, false, 0)).toEqual({ index: 1, erlangNode: 'mqbench-c1@localhost', address: '127.0.0.1', port: 5701, distPort: 25701 });
    const id = thisInstance();
    expect(rabbitLayout(3, false, 1)).toEqual({ index: 3, erlangNode: `mqbench-${id}-c3@localhost`, address: '127.0.0.1', port: 5713, distPort: 25713 });
    expect(rabbitNetwork(0).cluster).toBe('rabbit-cluster');
    expect(rabbitNetwork(1).cluster).toBe('rabbit-cluster-s1');
    expect(rabbitNetwork(1).nodes[0]?.namespace).toBe('mqbench-rabbit-cluster-s1-n1');
    expect(rabbitLayout(2, true, 1).erlangNode).toBe(`mqbench-${id}-c2@${rabbitNetwork(1).nodes[1]?.address}`);
    expect(nodeIndexIn(`mqbench-${id}-c2@localhost`)).toBe(2);
    expect(nodeIndexIn('mqbench-c3@10.213.42.13')).toBe(3);
  });

  test('kafka-cluster: slot 0 as always; slot 1 ports 10 higher, the slot in its network\'s name', () => {
    expect(kafkaLayout(1, false, 0)).toMatchObject({ port: 9192, controllerPort: 9195 });
    expect(kafkaLayout(3, false, 1)).toMatchObject({ port: 9204, controllerPort: 9207 });
    expect(kafkaNetwork(1).cluster).toBe('kafka-cluster-s1');
  });

  test('no two slots of either cluster share a --netns subnet or bridge tag: two checkouts\' networks never collide', () => {
    const networks = Array.from({ length: maxSlots }, (_, slot) => [rabbitNetwork(slot), kafkaNetwork(slot)]).flat();
    expect(new Set(networks.map((n) => n.subnet)).size).toBe(2 * maxSlots);
    expect(new Set(networks.map((n) => n.tag)).size).toBe(2 * maxSlots);
  });
});

describe("the process on a port, when another checkout's mqbench started it", () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:2384 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51234 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:2384 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 51299 1 0000000000000000 100 0 0 10 0',
    '   2: 0100007F:15B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
  ].join('\n');

  test('the listening socket of the port, not its connections nor other ports', () => {
    expect([...listeningInodes([tcp], 9092)]).toEqual(['51234']);
    expect([...listeningInodes([tcp], 5555)]).toEqual(['777']);
    expect([...listeningInodes([tcp], 1883)]).toEqual([]);
  });

  test("a command line naming another checkout's state folder names that checkout; this checkout's or none: undefined", () => {
    const java = (folder: string): string => `java -Xmx1g -cp /x/lib/* kafka.Kafka ${folder}/kafka/server.properties`;
    expect(otherStateFolderIn(java('/home/a/clone/.mqbench'), '/work/main/.mqbench')).toBe('/home/a/clone/.mqbench');
    expect(otherStateFolderIn(java('/work/main/.mqbench'), '/work/main/.mqbench')).toBeUndefined();
    expect(otherStateFolderIn('java -jar /opt/kafka/server.jar', '/work/main/.mqbench')).toBeUndefined();
  });
});
