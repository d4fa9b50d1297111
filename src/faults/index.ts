/**
 * Runs a fault plan against a cluster (drivers/plugin.ts LocalCluster) or through the user's own
 * commands. Broker-agnostic. Never leaves a fault behind: when `signal` aborts, a frozen node is
 * continued and a killed or stopped one restarted before the returned promise settles. It never
 * throws; what it did is told by events: fault-injected (the moment the fault took effect; a partition
 * is made and healed by the cluster, partitionNode / healNode),
 * fault-restoring (the restore began), fault-restored (the node is back), fault-failed (why not).
 */
import type { LocalCluster } from '../drivers/plugin.js';
import type { Topology } from '../drivers/types.js';
import type { RunEvent } from '../results/types.js';
import { nowUs } from '../util/clock.js';
import { describeOutcome, runShellCommand } from './command.js';
import { delayUntilMs, restoreAtUs, targetNodeIndex, targetText, type FaultPlan } from './plan.js';
import { awaitGone, nodeProcesses, signalAll } from '../provision/processes.js';

export type { FaultPlan, FaultTarget } from './plan.js';
export { targetNodeIndex, urlPositionOf } from './plan.js';

/** A user's command gets this long before mqbench kills the shell it started. */
const commandTimeoutMs = 120_000;
/** A SIGKILLed node's processes are gone within this time, or the fault failed. */
const killPatienceMs = 10_000;

type Emit = (event: RunEvent) => void;

/** The plan's clock: µs since runFaultPlan was called (the start of the measured window). */
function clockFrom(originUs: number): () => number {
  return () => nowUs() - originUs;
}

/** Resolves after `ms`, or as soon as `signal` aborts; true when the whole time passed. */
function waitMs(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    // an infinite wait (a fault never restored) ends only with the signal: setTimeout would fire at once
    const timer = Number.isFinite(ms) ? setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms) : undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runFaultPlan(plan: FaultPlan, cluster: LocalCluster | undefined, topology: Topology, emit: Emit, signal: AbortSignal): Promise<void> {
  const elapsedUs = clockFrom(nowUs());
  const event = (kind: string, detail: string, node?: number): void => emit({ atUs: elapsedUs(), kind, detail, ...(node === undefined ? {} : { node }) });
  if (plan.kind === 'command') {
    if (!(await waitMs(delayUntilMs(plan.atUs, elapsedUs()), signal))) return;
    return runCommandPlan(plan, event, elapsedUs, signal);
  }
  if (!cluster) {
    event('fault-failed', `--fault ${plan.kind} needs a cluster mqbench started; for another cluster use --fault-cmd`);
    return;
  }
  return runNodePlan(plan, cluster, topology, { event, elapsedUs, signal });
}

interface PlanContext {
  /** `node`: the node a fault event is about */
  event: (kind: string, detail: string, node?: number) => void;
  elapsedUs: () => number;
  signal: AbortSignal;
}

async function runCommandPlan(plan: Extract<FaultPlan, { kind: 'command' }>, event: PlanContext['event'], elapsedUs: () => number, signal: AbortSignal): Promise<void> {
  const injectedAtUs = elapsedUs();
  const fault = await runShellCommand(plan.faultCmd, commandTimeoutMs);
  event(fault.code === 0 ? 'fault-injected' : 'fault-failed', describeOutcome('--fault-cmd', fault));
  if (plan.restoreCmd === undefined) return;
  // the restore runs in any case (also when the run ended early): the user's cluster must not stay broken
  await waitMs(delayUntilMs(restoreAtUs(injectedAtUs, plan.forUs), elapsedUs()), signal);
  event('fault-restoring', 'running --restore-cmd');
  const restore = await runShellCommand(plan.restoreCmd, commandTimeoutMs);
  event(restore.code === 0 ? 'fault-restored' : 'fault-failed', describeOutcome('--restore-cmd', restore));
}

type NodePlan = Exclude<FaultPlan, { kind: 'command' }>;

/** Which node, by the plan's target; undefined (and a fault-failed event) when it cannot be found. */
async function resolveTarget(plan: NodePlan, cluster: LocalCluster, topology: Topology, context: PlanContext) {
  try {
    const nodes = (await cluster.nodes()) ?? [];
    const leader = plan.target === 'leader' ? await cluster.leaderOf(topology) : undefined;
    const index = targetNodeIndex(plan.target, cluster.url, nodes, leader);
    const node = nodes.find((n) => n.index === index);
    if (!node?.running || node.pid === undefined) throw new Error(`node ${index} is not running`);
    return node;
  } catch (error) {
    context.event('fault-failed', `${plan.kind} of ${targetText(plan.target)}: ${message(error)}`);
    return undefined;
  }
}

async function runNodePlan(plan: NodePlan, cluster: LocalCluster, topology: Topology, context: PlanContext): Promise<void> {
  // The target is looked up as the window starts: asking a broker's admin tool for a leader took 1 to
  // 6 s on a loaded 2-core machine, and a lookup 3 s ahead still made a fault 3.6 s late. Nothing else
  // moves the leader before the fault, and the event names the node that was hit.
  const node = await resolveTarget(plan, cluster, topology, context);
  if (!node || node.pid === undefined) return;
  if (!(await waitMs(delayUntilMs(plan.atUs, context.elapsedUs()), context.signal))) return;
  const label = `node ${node.index} (${node.name}, ${targetText(plan.target)})`;
  const injectedAtUs = context.elapsedUs();
  try {
    await inject(plan, node.pid, node.index, cluster, () => context.event('fault-injected', `${describeKind(plan)} ${label}`, node.index));
  } catch (error) {
    // restored all the same below: a group partly stopped, a node half shut down
    context.event('fault-failed', `${plan.kind} of ${label}: ${message(error)}`);
  }
  const fullTime = await waitMs(delayUntilMs(restoreAtUs(injectedAtUs, plan.forUs), context.elapsedUs()), context.signal);
  const when = fullTime ? '' : plan.forUs === null ? ': the run ended (--fault-for never)' : ' early: the run ended';
  context.event('fault-restoring', `${restoreText(plan.kind)} node ${node.index}${when}`);
  try {
    const also = await restore(plan, node.pid, node.index, cluster);
    context.event('fault-restored', `node ${node.index} is back (${restoredText(plan.kind)})${also ? `; ${also}` : ''}`);
  } catch (error) {
    context.event('fault-failed', `restoring node ${node.index}: ${message(error)}`);
  }
}

function describeKind(plan: NodePlan): string {
  if (plan.kind === 'partition') return `partitioned (${plan.mode})`;
  return plan.kind === 'kill' ? 'killed (SIGKILL)' : plan.kind === 'stop' ? 'froze (SIGSTOP)' : 'graceful stop of';
}

function restoreText(kind: NodePlan['kind']): string {
  return kind === 'stop' ? 'SIGCONT to' : kind === 'partition' ? 'healing' : 'restarting';
}

function restoredText(kind: NodePlan['kind']): string {
  return kind === 'stop' ? 'continued' : kind === 'partition' ? 'healed: its network is whole again' : 'restarted and rejoined';
}

/** The node's start-up lines are not run events: the restore's own events say what happened. */
const quiet = (): void => undefined;

/** Injects the fault; `injected` is called the moment it takes effect (signals sent, stop begun, partition rules loaded). */
async function inject(plan: NodePlan, pid: number, index: number, cluster: LocalCluster, injected: () => void): Promise<void> {
  const kind = plan.kind;
  if (kind === 'partition') {
    if (!cluster.partitionNode) throw new Error(`${cluster.name} cannot partition a node`);
    await cluster.partitionNode(index, plan.mode);
    return injected();
  }
  if (kind === 'restart') {
    injected();
    return cluster.stopNode(index, quiet);
  }
  const pids = await nodeProcesses(pid);
  signalAll(pids, kind === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  injected();
  if (kind === 'kill' && !(await awaitGone(pids, killPatienceMs))) throw new Error(`its processes ${pids.join(', ')} still live ${killPatienceMs / 1000} s after SIGKILL`);
}

/** Undoes the fault; resolves to what else the restore took, as the cluster tells it. */
async function restore(plan: NodePlan, pid: number, index: number, cluster: LocalCluster): Promise<string | void> {
  if (plan.kind === 'partition') {
    if (!cluster.healNode) throw new Error(`${cluster.name} cannot heal a node`);
    return cluster.healNode(index);
  }
  if (plan.kind === 'stop') return signalAll(await nodeProcesses(pid), 'SIGCONT');
  return cluster.startNode(index, quiet);
}
