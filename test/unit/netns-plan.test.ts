/** A cluster network's names, addresses and partition rulesets (pure: nothing is created here). */
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkPartitionMode, inNamespace, nodeNetwork, nodeOf, partitionRuleset } from '../../src/provision/network/index.js';
import { clusterOfNamespace, linkPattern, maxNodes, prefixesOverlap, subnetIndex } from '../../src/provision/network/plan.js';

describe('names and addresses', () => {
  test('a 3-node network: namespaces, bridge, veths, one /24 with the bridge at .1 and node i at .(10+i)', () => {
    const net = nodeNetwork('rabbit-cluster', 3);
    const k = subnetIndex('rabbit-cluster');
    expect(net.subnet).toBe(`10.213.${k}.0/24`);
    expect(net.gateway).toBe(`10.213.${k}.1`);
    expect(net.bridge).toBe(`mqb${net.tag}br`);
    expect(net.tag).toMatch(/^[0-9a-f]{6}$/);
    expect(net.nodes).toEqual([1, 2, 3].map((i) => ({ index: i, namespace: `mqbench-rabbit-cluster-n${i}`, hostVeth: `mqb${net.tag}v${i}`, address: `10.213.${k}.${10 + i}` })));
    // the same name gives the same network: a cluster's addresses are known before it runs, and across restarts
    expect(nodeNetwork('rabbit-cluster', 3)).toEqual(net);
  });

  test('every interface name fits the kernel limit of 15 characters, even at the longest name and most nodes', () => {
    const net = nodeNetwork('a'.repeat(40), maxNodes);
    const names = [net.bridge, ...net.nodes.map((n) => n.hostVeth)];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(15);
      expect(name).toMatch(linkPattern);
    }
    expect(net.nodes.at(-1)?.address).toBe(`10.213.${subnetIndex('a'.repeat(40))}.109`);
  });

  test('distinct clusters get distinct ranges and tags (the names mqbench and its tests use)', () => {
    const names = ['rabbit-cluster', 'kafka-cluster', 'rabbit', 'kafka', 'netns-e2e', 'netns-kill'];
    const nets = names.map((name) => nodeNetwork(name, 3));
    expect(new Set(nets.map((n) => n.subnet)).size).toBe(names.length);
    expect(new Set(nets.map((n) => n.tag)).size).toBe(names.length);
    expect(new Set(nets.flatMap((n) => n.nodes.map((node) => node.namespace))).size).toBe(names.length * 3);
    for (const net of nets) expect(net.subnet).toMatch(/^10\.213\.\d{1,3}\.0\/24$/);
  });

  test('a namespace name gives its cluster back; names mqbench did not make give none', () => {
    expect(clusterOfNamespace('mqbench-rabbit-cluster-n2')).toBe('rabbit-cluster');
    expect(clusterOfNamespace('mqbench-a-n1-n2')).toBe('a-n1');
    expect(clusterOfNamespace('other-n1')).toBeUndefined();
    expect(clusterOfNamespace('mqbench-Bad-n1')).toBeUndefined();
  });

  test('prefixes overlap when they share any address', () => {
    expect(prefixesOverlap('10.213.5.0/24', '10.213.5.77/32')).toBe(true);
    expect(prefixesOverlap('10.0.0.0/8', '10.213.5.0/24')).toBe(true);
    expect(prefixesOverlap('10.213.5.0/24', '10.213.6.0/24')).toBe(false);
    expect(prefixesOverlap('192.0.2.0/24', '10.213.5.0/24')).toBe(false);
  });

  test('a command for a node runs through `ip netns exec` in its namespace', () => {
    const net = nodeNetwork('kafka-cluster', 3);
    expect(inNamespace(net, 2, 'java', ['-version'])).toEqual({ file: 'ip', args: ['netns', 'exec', 'mqbench-kafka-cluster-n2', 'java', '-version'] });
  });

  test('bad input is refused with a UsageError that says what is allowed', () => {
    const refusal = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    const rule = 'use 1-40 lowercase letters, digits and inner hyphens';
    expect(refusal(() => nodeNetwork('', 3))).toBe(`network cluster name "" is not valid: ${rule}`);
    expect(refusal(() => nodeNetwork('Rabbit', 3))).toBe(`network cluster name "Rabbit" is not valid: ${rule}`);
    expect(refusal(() => nodeNetwork('rabbit cluster', 3))).toContain('is not valid');
    expect(refusal(() => nodeNetwork('-rabbit', 3))).toContain('is not valid');
    expect(refusal(() => nodeNetwork('a'.repeat(41), 3))).toContain('is not valid');
    expect(refusal(() => nodeNetwork('../etc', 3))).toContain('is not valid');
    expect(refusal(() => nodeNetwork('rabbit', 0))).toBe('a node network has 1..99 nodes, not 0');
    expect(refusal(() => nodeNetwork('rabbit', 100))).toBe('a node network has 1..99 nodes, not 100');
    expect(refusal(() => nodeNetwork('rabbit', 2.5))).toBe('a node network has 1..99 nodes, not 2.5');
    expect(refusal(() => nodeOf(nodeNetwork('rabbit', 3), 4))).toBe('node 4 is not a node of network rabbit (it has 1..3)');
    expect(refusal(() => checkPartitionMode('minority'))).toBe('partition mode "minority" is not one of isolate, peers, clients');
  });
});

describe('partition rulesets', () => {
  const net = nodeNetwork('rabbit-cluster', 3);
  const [n1, n2, n3] = net.nodes.map((n) => n.address);
  const rulesOf = (ruleset: string): string[] => ruleset.split('\n').map((line) => line.trim()).filter((line) => /(drop|accept)$/.test(line) && !line.includes('policy'));

  test('every ruleset replaces the one table atomically and only drops (the policy stays accept)', () => {
    for (const mode of ['isolate', 'peers', 'clients'] as const) {
      const ruleset = partitionRuleset(net, 1, mode);
      expect(ruleset.startsWith('table inet mqbench\ndelete table inet mqbench\n')).toBe(true);
      expect(ruleset).toContain('type filter hook input priority filter; policy accept;');
      expect(ruleset).toContain('type filter hook output priority filter; policy accept;');
    }
  });

  test('isolate drops everything on the node link, both ways; loopback is untouched', () => {
    expect(rulesOf(partitionRuleset(net, 1, 'isolate'))).toEqual(['iifname "eth0" drop', 'oifname "eth0" drop']);
  });

  test('peers drops only the other nodes, both ways (the load generator still reaches the node)', () => {
    expect(rulesOf(partitionRuleset(net, 2, 'peers'))).toEqual([`iifname "eth0" ip saddr { ${n1}, ${n3} } drop`, `oifname "eth0" ip daddr { ${n1}, ${n3} } drop`]);
  });

  test('clients keeps the other nodes and drops everything else, both ways', () => {
    expect(rulesOf(partitionRuleset(net, 3, 'clients'))).toEqual([
      `iifname "eth0" ip saddr { ${n1}, ${n2} } accept`,
      'iifname "eth0" drop',
      `oifname "eth0" ip daddr { ${n1}, ${n2} } accept`,
      'oifname "eth0" drop',
    ]);
  });

  test('a one-node network: peers cuts nothing, clients cuts everything', () => {
    const single = nodeNetwork('single', 1);
    expect(rulesOf(partitionRuleset(single, 1, 'peers'))).toEqual([]);
    expect(rulesOf(partitionRuleset(single, 1, 'clients'))).toEqual(['iifname "eth0" drop', 'oifname "eth0" drop']);
  });
});
