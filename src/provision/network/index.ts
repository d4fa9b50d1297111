/**
 * Issue 27's network layer, broker-agnostic: a private network per cluster with one namespace per
 * node, and partitions of its nodes. A cluster's start code uses it as
 *
 *   const net = nodeNetwork('my-cluster', 3);       // names and addresses, pure
 *   await networkUp(net);                            // UsageError (exit 2) without root or namespaces
 *   spawn(...inNamespace(net, 1, 'my-broker'))  // a node inside its namespace, on net.nodes[0].address
 *   await partition(net, 1, 'peers'); await heal(net, 1);
 *   await networkDown(net);                          // after the nodes are stopped
 *
 * Clients in the root namespace (the load generator) reach node i at net.nodes[i-1].address and come
 * from net.gateway. It lives in provision/ (below drivers/) because a plug-in's cluster uses it to
 * start its nodes and to partition them (LocalCluster.partitionNode), so the injector stays broker-agnostic.
 */
export { checkNetworkSupport, checkPartitionSupport, NetworkCommandError } from './commands.js';
export { leftoverNetworks, removeLeftovers, type NetworkLeftovers } from './leftovers.js';
export { clusterPartitioner, heal, healNamespace, lingeringPartitions, partition, partitionedAmong } from './partition.js';
export { inNamespace, nodeNetwork, nodeOf, type NodeAddress, type NodeNetwork } from './plan.js';
export { checkPartitionMode, partitionModes, partitionRuleset, type PartitionMode } from './rules.js';
export { networkDown, networkUp } from './up-down.js';
