/**
 * Issue 27's network layer on the real kernel (needs root, `ip` and `nft`): a 3-node network with an
 * agent (TCP echo server, UDP receiver and sender) in node 1's and node 2's namespaces and one in this
 * process on the bridge (the load generator); each partition mode cuts exactly the connections it
 * must, and each direction on its own (UDP: a TCP probe fails when either direction is cut, so it
 * cannot tell a one-way cut from a partition), and the heal restores them; down and removeLeftovers leave no namespace, link or rule, also after the
 * process that made a network was SIGKILLed. Every namespace here is this file's own
 * (mqbench-netns-e2e-*, mqbench-netns-kill-*); no traffic leaves them and loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import net, { type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { heal, inNamespace, leftoverNetworks, networkDown, networkUp, nodeNetwork, partition, removeLeftovers, type PartitionMode } from '../../src/provision/network/index.js';
import { subnetIndex } from '../../src/provision/network/plan.js';
import { isPidAlive } from '../../src/provision/probe.js';
import { repoRoot } from '../helpers.js';

const execFileAsync = promisify(execFile);
const cluster = 'netns-e2e';
const killedCluster = 'netns-kill';
/** a name whose range is netns-e2e's (found below): the second network must be refused */
const clashCluster = (() => {
  for (let i = 0; ; i++) if (subnetIndex(`netns-clash-${i}`) === subnetIndex(cluster)) return `netns-clash-${i}`;
})();
const ourClusters = [cluster, killedCluster, clashCluster];
const network = nodeNetwork(cluster, 3);
const [node1, node2] = network.nodes as [(typeof network.nodes)[0], (typeof network.nodes)[0]];
const port = 7007;
const connectTimeoutMs = 1000;

/**
 * A node's agent: a TCP echo server, and a UDP socket on the same port that prints "got <tag>" for each
 * datagram and sends one for each stdin line "send <address> <tag>". The probe: exit 0 when "ping"
 * came back, 1 on an error, 2 when the connect timed out.
 */
const agentScript = [
  `const [host, port] = process.argv.slice(1);`,
  `let ready = 0; const up = () => ++ready === 2 && console.log('listening');`,
  `require('net').createServer((c) => { c.on('error', () => {}); c.pipe(c); }).listen(Number(port), host, up);`,
  `const u = require('dgram').createSocket('udp4'); u.bind(Number(port), host, up);`,
  `u.on('message', (m) => console.log('got ' + m));`,
  `require('readline').createInterface({ input: process.stdin }).on('line', (l) => { const [, to, tag] = l.split(' '); u.send(tag, Number(port), to); });`,
].join('\n');
const probeScript = `const s=require('net').connect({host:process.argv[1],port:Number(process.argv[2])});let t=setTimeout(()=>process.exit(2),${connectTimeoutMs});s.on('connect',()=>{clearTimeout(t);t=setTimeout(()=>process.exit(3),3000);s.write('ping')});s.on('data',d=>{if(String(d)==='ping')process.exit(0)});s.on('error',()=>process.exit(1))`;

interface Agent {
  child: ChildProcess;
  /** the tags of the datagrams it received */
  got: string[];
}
const agents = new Map<number, Agent>();
let loadGeneratorEcho: Server | undefined;
let loadGeneratorUdp: Socket | undefined;
const loadGeneratorGot: string[] = [];

/** Node `index`'s agent inside its namespace; resolves once it listens. */
function startAgent(index: number, address: string): Promise<void> {
  const { file, args } = inNamespace(network, index, process.execPath, ['-e', agentScript, address, String(port)]);
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const agent: Agent = { child, got: [] };
  agents.set(index, agent);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'listening') resolve();
      else if (line.startsWith('got ')) agent.got.push(line.slice(4));
    });
    child.once('exit', (code) => reject(new Error(`the agent in node ${index} exited (${code})`)));
  });
}

/** The load generator's side: a TCP echo server and a UDP receiver on the bridge address. */
async function startLoadGeneratorAgent(): Promise<void> {
  loadGeneratorEcho = net.createServer((c) => c.on('error', () => undefined).pipe(c));
  await new Promise<void>((resolve) => loadGeneratorEcho?.listen(port, network.gateway, resolve));
  loadGeneratorUdp = createSocket('udp4');
  loadGeneratorUdp.on('message', (message) => loadGeneratorGot.push(message.toString()));
  await new Promise<void>((resolve) => loadGeneratorUdp?.bind(port, network.gateway, resolve));
}

/** From this process (the root namespace: the load generator): true when the echo came back. */
function probeFromHere(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    let timer = setTimeout(() => done(false), connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), 3000);
      socket.write('ping');
    });
    socket.on('data', (data: Buffer) => data.toString() === 'ping' && done(true));
    socket.once('error', () => done(false));
  });
}

/** From node `index`'s namespace: a probe process started there. */
async function probeFromNode(index: number, host: string): Promise<boolean> {
  const { file, args } = inNamespace(network, index, process.execPath, ['-e', probeScript, host, String(port)]);
  return execFileAsync(file, args, { timeout: 15_000 }).then(
    () => true,
    () => false,
  );
}

/** Every connection that a partition of node 1 may touch, and one it must not. */
async function reachability(): Promise<Record<string, boolean>> {
  const [loadGeneratorToNode1, node2ToNode1, node1ToNode2, node1ToLoadGenerator, loadGeneratorToNode2] = await Promise.all([
    probeFromHere(node1.address),
    probeFromNode(2, node1.address),
    probeFromNode(1, node2.address),
    probeFromNode(1, network.gateway),
    probeFromHere(node2.address),
  ]);
  return { loadGeneratorToNode1, node2ToNode1, node1ToNode2, node1ToLoadGenerator, loadGeneratorToNode2 };
}

const allReachable = { loadGeneratorToNode1: true, node2ToNode1: true, node1ToNode2: true, node1ToLoadGenerator: true, loadGeneratorToNode2: true };

/** One datagram each way between node 1 and its peer and its client; which ones arrived. */
async function oneWay(round: string): Promise<Record<string, boolean>> {
  const send = (from: number, to: string, tag: string): void => void agents.get(from)?.child.stdin?.write(`send ${to} ${tag}\n`);
  const tag = (name: string): string => `${round}:${name}`;
  // three of each: a datagram lost for another reason must not pass for a cut
  for (let i = 0; i < 3; i++) {
    loadGeneratorUdp?.send(tag('loadGeneratorToNode1'), port, node1.address);
    send(1, network.gateway, tag('node1ToLoadGenerator'));
    send(2, node1.address, tag('node2ToNode1'));
    send(1, node2.address, tag('node1ToNode2'));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const got = (list: string[], name: string): boolean => list.includes(tag(name));
  const node1Got = agents.get(1)?.got ?? [];
  const node2Got = agents.get(2)?.got ?? [];
  return {
    loadGeneratorToNode1: got(node1Got, 'loadGeneratorToNode1'),
    node1ToLoadGenerator: got(loadGeneratorGot, 'node1ToLoadGenerator'),
    node2ToNode1: got(node1Got, 'node2ToNode1'),
    node1ToNode2: got(node2Got, 'node1ToNode2'),
  };
}
const allDirections = { loadGeneratorToNode1: true, node1ToLoadGenerator: true, node2ToNode1: true, node1ToNode2: true };

async function hostListing(): Promise<string> {
  const outputs = await Promise.all([['netns', 'list'], ['link', 'show'], ['rule', 'list']].map(async (args) => (await execFileAsync('ip', args)).stdout));
  return outputs.join('\n');
}

async function stopAgents(): Promise<void> {
  for (const { child } of agents.values()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  agents.clear();
  await new Promise((resolve) => (loadGeneratorEcho ? loadGeneratorEcho.close(resolve) : resolve(undefined)));
  loadGeneratorEcho = undefined;
  loadGeneratorUdp?.close();
  loadGeneratorUdp = undefined;
}

beforeAll(async () => {
  // a run of this file that was itself killed may have left its networks behind
  for (const name of ourClusters) await removeLeftovers({ cluster: name, killProcesses: true });
  await networkUp(network);
  await startLoadGeneratorAgent();
  await Promise.all([startAgent(1, node1.address), startAgent(2, node2.address)]);
});

afterAll(async () => {
  await stopAgents();
  for (const name of ourClusters) await removeLeftovers({ cluster: name, killProcesses: true });
});

describe('a 3-node network', () => {
  test('up: every namespace and link exists, the load generator and the peers reach node 1; up again changes nothing', async () => {
    await networkUp(network);
    const found = await leftoverNetworks(cluster);
    expect(found.namespaces).toEqual(network.nodes.map((n) => n.namespace));
    expect(found.links).toEqual([network.bridge, ...network.nodes.map((n) => n.hostVeth)].sort());
    expect(found.rules).toEqual([network.bridge]);
    const route = (await execFileAsync('ip', ['-n', node1.namespace, 'route', 'show', 'default'])).stdout;
    expect(route).toContain(`default via ${network.gateway} dev eth0`);
    expect(await reachability()).toEqual(allReachable);
    expect(await oneWay('up')).toEqual(allDirections);
  });

  const cut: Record<PartitionMode, Partial<Record<keyof typeof allReachable, boolean>>> = {
    isolate: { loadGeneratorToNode1: false, node2ToNode1: false, node1ToNode2: false, node1ToLoadGenerator: false },
    peers: { node2ToNode1: false, node1ToNode2: false },
    clients: { loadGeneratorToNode1: false, node1ToLoadGenerator: false },
  };
  test.each(['isolate', 'peers', 'clients'] as const)('partition %s cuts exactly its connections, each direction; heal restores them', async (mode) => {
    try {
      await partition(network, 1, mode);
      expect(await reachability()).toEqual({ ...allReachable, ...cut[mode] });
      expect(await oneWay(`${mode}-cut`)).toEqual({ ...allDirections, ...cut[mode] });
    } finally {
      await heal(network, 1);
    }
    expect(await reachability()).toEqual(allReachable);
    expect(await oneWay(`${mode}-healed`)).toEqual(allDirections);
  });

  test('a partition lives in the node namespace only, and heal removes its table', async () => {
    const tables = async (namespace: string): Promise<string> => (await execFileAsync('ip', ['netns', 'exec', namespace, 'nft', 'list', 'tables'])).stdout;
    await partition(network, 1, 'peers');
    try {
      expect(await tables(node1.namespace)).toContain('table inet mqbench');
      expect(await tables(node2.namespace)).toBe('');
      expect((await execFileAsync('nft', ['list', 'tables'])).stdout).not.toContain('mqbench');
    } finally {
      await heal(network, 1);
    }
    expect(await tables(node1.namespace)).toBe('');
    await heal(network, 1); // healing a healed node is not an error
  });

  test('a second cluster whose name hashes to the same range is refused, naming the first; nothing of it is created', async () => {
    const clash = nodeNetwork(clashCluster, 2);
    expect(clash.subnet).toBe(network.subnet);
    const refused = networkUp(clash);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(`network ${clashCluster}: ${network.subnet} is already used on this host (${network.bridge} has ${network.gateway}/24, mqbench ${cluster}); choose another cluster name`);
    expect(await leftoverNetworks(clashCluster)).toEqual({ namespaces: [], links: [], rules: [], processes: [] });
  });

  test('down (the nodes stopped first) leaves no namespace, bridge, veth or rule; down again is a no-op', async () => {
    await stopAgents();
    const removed = await networkDown(network);
    expect(removed.namespaces).toHaveLength(3);
    expect(removed.processes).toEqual([]);
    const listing = await hostListing();
    expect(listing).not.toContain(`mqbench-${cluster}-`);
    expect(listing).not.toContain(`mqb${network.tag}`);
    expect(await leftoverNetworks(cluster)).toEqual({ namespaces: [], links: [], rules: [], processes: [] });
    expect(await networkDown(network)).toEqual({ namespaces: [], links: [], rules: [], processes: [] });
  });
});

/** A process that brings a network up, starts a "broker" (sleep) in node 1's namespace, says "up", and waits to be killed. */
function childWithNetwork(): Promise<{ child: ChildProcess; sleeper: number }> {
  const module = pathToFileURL(`${repoRoot}src/provision/network/index.ts`).href;
  const script = [
    `import { spawn } from 'node:child_process';`,
    `import { inNamespace, networkUp, nodeNetwork } from ${JSON.stringify(module)};`,
    `const net = nodeNetwork(${JSON.stringify(killedCluster)}, 2);`,
    'await networkUp(net);',
    `const { file, args } = inNamespace(net, 1, 'sleep', ['600']);`,
    `const sleeper = spawn(file, args, { detached: true, stdio: 'ignore' });`,
    'sleeper.unref();',
    'console.log(`up ${sleeper.pid}`);',
    'setInterval(() => undefined, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      const match = /up (\d+)/.exec(data.toString());
      if (match) resolve({ child, sleeper: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its network was up`)));
  });
}

test('a SIGKILLed process leaves its network (and the process in it) behind; removeLeftovers removes them', async () => {
  const { child, sleeper } = await childWithNetwork();
  const killed = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await killed;
  const left = await leftoverNetworks(killedCluster);
  const killedNet = nodeNetwork(killedCluster, 2);
  expect(left.namespaces).toEqual(killedNet.nodes.map((n) => n.namespace));
  expect(left.links).toEqual([killedNet.bridge, ...killedNet.nodes.map((n) => n.hostVeth)].sort());
  expect(left.rules).toEqual([killedNet.bridge]);
  expect(left.processes).toEqual([{ namespace: killedNet.nodes[0]?.namespace, pids: [sleeper] }]);
  expect(isPidAlive(sleeper)).toBe(true);

  const removed = await removeLeftovers({ cluster: killedCluster, killProcesses: true });
  expect(removed).toEqual(left);
  expect(await leftoverNetworks(killedCluster)).toEqual({ namespaces: [], links: [], rules: [], processes: [] });
  expect(await hostListing()).not.toContain(`mqb${killedNet.tag}`);
  const deadline = Date.now() + 5000;
  while (isPidAlive(sleeper) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(isPidAlive(sleeper)).toBe(false);
}, 60_000);

test('without root: one line saying why, and nothing is created', async () => {
  const module = pathToFileURL(`${repoRoot}src/provision/network/index.ts`).href;
  const script = `import { networkUp, nodeNetwork } from ${JSON.stringify(module)}; await networkUp(nodeNetwork(${JSON.stringify(killedCluster)}, 2)).catch((e) => { console.log(e.name + ': ' + e.message); });`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, uid: 65534, gid: 65534, env: { ...process.env, HOME: '/tmp' }, timeout: 60_000 });
  expect(stdout).toBe('UsageError: per-node networks need root (network namespaces, bridges and veth pairs): this process runs as uid 65534\n');
  expect(await leftoverNetworks(killedCluster)).toEqual({ namespaces: [], links: [], rules: [], processes: [] });
}, 60_000);
