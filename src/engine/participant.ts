import type { Consumer, Driver } from '../drivers/types.js';
import type { BacklogResult, PathCounts, RunEvent, Workload } from '../results/types.js';
import { ClientCostMeter, type ClientCostSample } from '../metrics/client-cost.js';
import { SizePicker } from '../metrics/size-distribution.js';
import { nowUs, sleepMs, withTimeout } from '../util/clock.js';
import { gateBacklog } from './backlog.js';
import { executorFor, liveReportIntervalMs, type ExecutionContext, type Executor } from './executors/index.js';
import { lateThresholdUs } from './executors/open-loop.js';
import { headerSize, helloText } from './header.js';
import { closePatienceMs, inPhase, phaseLimitUs } from './phases.js';
import { ProducerSlot, type PayloadShape, type ResendPolicy } from './producer-slot.js';
import { Recorder, type LiveCounters, type Recording } from './recorder.js';
import { nounFor } from '../util/plural.js';

/** Which producers and consumers one participant (the process itself, or one worker) runs. */
export interface Assignment {
  producers: { id: number; quota?: number }[];
  consumers: { subscription: number; consumer: number; partitions: number[] }[];
}

/**
 * What the engine asks of whoever coordinates participants: one shared start time, a shared
 * closed-loop window, stall and drain decisions over every participant, one settlement of failed sends.
 */
export interface Coordinator {
  /** Resolves with the common start time once every participant's consumers are attached. */
  start(): Promise<number>;
  /** Messages in flight over the whole run, from this participant's counters. */
  inFlight(sentAll: number, receivedAll: number, errorsAll: number): number;
  /** Sampled every few ms: this participant's counters (progress, stall detection). */
  report(live: LiveCounters, producersDone: boolean): void;
  /** Called often once producers stopped; true when draining may stop (everything arrived, or time is up). */
  drained(live: LiveCounters, deadlineUs: number): boolean;
  /** Set when the run must stop early (interrupt, stall, another participant lost its broker). */
  abortReason(): string | undefined;
  /** After draining: every participant's failed sends per producer, this one's included. */
  settle(localFailedSeqs: Record<number, number[]>): Promise<Record<number, number[]>>;
}

/**
 * Failover runs of a plug-in that places clients (drivers/plugin.ts `placesClients`): the node each
 * client connects to first (an index into the endpoint's URL list), and the late joiners.
 */
export interface ClientPlan {
  producerNode(producerId: number): number;
  /** the node of this participant's `index`-th consumer */
  consumerNode(index: number): number;
  /** resolves once the fault is in, with the node of each late joiner (an empty list: none) */
  lateJoiners: Promise<number[]>;
}

/** The failover recorder's group of a client placed on a node, and of the late joiners. */
export const nodeGroup = (node: number): string => `node:${node}`;
export const lateGroup = 'late';

export interface ParticipantHooks {
  /** hello-world: the text received after the header */
  onMessageText?: (text: string, latencyUs: number) => void;
  /** observes each measured receipt; tests use it to stall a consumer for a known time */
  afterReceive?: (receivedAtUs: number) => void;
  /** failover runs whose clients are placed */
  clients?: ClientPlan;
}

/** One participant's measurement, mergeable with others' exactly (histograms are encoded). */
export interface PartialMeasurement extends Recording {
  clientCost: ClientCostSample;
  /** what the driver reported (reconnects, fallbacks), on this process's clock; absent in older pod partials */
  events?: RunEvent[];
  /** the driver's paths in numbers, when it has more than one */
  pathCounts?: PathCounts;
  abortReason?: string;
  firstSendError?: string;
  startUs: number;
  warmupEndUs: number;
  endUs: number;
  producersDoneUs: number;
  finishedUs: number;
  /** late joiners (failover): when they were opened, on this process's clock */
  lateJoinedUs?: number;
  /** backlog runs: the backlog built and its drain */
  backlog?: BacklogResult;
}

interface Clients {
  slots: ProducerSlot[];
  consumers: Consumer[];
}

/** Wakes closed-loop producers when a message arrives. */
class ArrivalSignal {
  private waiters: (() => void)[] = [];

  wake(): void {
    if (this.waiters.length > 0) for (const wake of this.waiters.splice(0)) wake();
  }

  wait(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, maxWaitMs);
    });
  }
}

/** Closing against a broker that is gone must neither throw nor hang the run: all at once, bounded. */
async function closeClients(clients: Clients, patienceMs: number): Promise<void> {
  const closing = [...clients.slots.splice(0), ...clients.consumers.splice(0)].map((client) =>
    withTimeout(client.close(), patienceMs, () => new Error('close timed out')).catch(() => undefined),
  );
  await Promise.all(closing);
}

async function attachConsumers(
  driver: Driver,
  workload: Workload,
  assignment: Assignment,
  recorder: Recorder,
  arrivals: ArrivalSignal,
  hooks: ParticipantHooks,
  opened: Clients,
): Promise<Consumer[]> {
  // each one is also kept in `opened` at once: a phase cut short (deadline, interrupt) still closes it
  const consumers: Consumer[] = [];
  for (const [index, spec] of assignment.consumers.entries()) {
    const node = hooks.clients?.consumerNode(index);
    const receipts = recorder.addConsumer(spec.subscription, spec.consumer, node === undefined ? undefined : nodeGroup(node));
    const consumer = await driver.createConsumer(
      { subscription: spec.subscription, partitions: spec.partitions, groupSize: workload.consumers, ...(node === undefined ? {} : { node }) },
      (payload) => {
        const receivedUs = nowUs();
        const header = recorder.received(receipts, payload, receivedUs);
        arrivals.wake();
        if (!header) return;
        hooks.onMessageText?.(payload.subarray(headerSize).toString('utf8'), Math.max(0, receivedUs - header.intendedUs));
        hooks.afterReceive?.(receivedUs);
      },
    );
    consumers.push(consumer);
    opened.consumers.push(consumer);
  }
  return consumers;
}

/** Failover runs resend failed sends until the run stops or the drain deadline passes. */
class ResendUntil implements ResendPolicy {
  deadlineUs = Number.POSITIVE_INFINITY;
  stopped: () => boolean = () => false;

  givingUp(): boolean {
    return this.stopped() || nowUs() >= this.deadlineUs;
  }
}

function payloadShape(workload: Workload): PayloadShape {
  return {
    messageSize: workload.messageSize,
    ...(workload.sizes ? { sizes: new SizePicker(workload.sizes) } : {}),
    body: Buffer.alloc(workload.messageSize - headerSize, workload.messages !== null ? helloText : 'mqbench '),
    keyed: workload.keyed,
    producers: workload.producers,
  };
}

async function createSlots(driver: Driver, workload: Workload, assignment: Assignment, recorder: Recorder, resend: ResendUntil | undefined, clients: ClientPlan | undefined, opened: Clients): Promise<ProducerSlot[]> {
  const shape = payloadShape(workload);
  const slots: ProducerSlot[] = [];
  for (const { id, quota } of assignment.producers) {
    const node = clients?.producerNode(id);
    recorder.addProducer(id, node === undefined ? undefined : nodeGroup(node));
    const slot = new ProducerSlot(id, await driver.createProducer(id, node === undefined ? undefined : { node }), recorder, shape, quota, resend);
    slots.push(slot);
    // kept at once: a phase cut short still closes it
    opened.slots.push(slot);
  }
  return slots;
}

/** What the late joiners need besides the run's context. */
interface LateJoin {
  plan: ClientPlan;
  driver: Driver;
  workload: Workload;
  resend: ResendUntil | undefined;
  events: RunEvent[];
  joined(atUs: number): void;
}

/** The late joiners' nodes once the fault is in; undefined when the window ends or the run stops first. */
async function lateJoinerNodes(plan: ClientPlan, context: ExecutionContext): Promise<number[] | undefined> {
  let nodes: number[] | undefined;
  void plan.lateJoiners.then((given) => (nodes = given));
  const open = (): boolean => !context.shouldStop() && nowUs() < context.endUs;
  while (nodes === undefined && open()) await sleepMs(20);
  return open() ? nodes : undefined;
}

/**
 * Fresh producers opened just after the fault, each on its own new connection to a surviving node and
 * on a schedule that starts when they open (a new application instance). One that cannot be opened
 * is an event, not the end of the run.
 */
async function driveLateJoiners(late: LateJoin, executor: Executor, clients: Clients, context: ExecutionContext): Promise<void> {
  const nodes = await lateJoinerNodes(late.plan, context);
  if (!nodes || nodes.length === 0) return;
  const joinUs = nowUs();
  late.joined(joinUs);
  const lateContext: ExecutionContext = { ...context, startUs: joinUs, warmupEndUs: Math.max(joinUs, context.warmupEndUs) };
  const shape = payloadShape(late.workload);
  await Promise.all(nodes.map(async (node, k) => {
    const id = late.workload.producers + k;
    try {
      const producer = await late.driver.createProducer(id, { node });
      context.recorder.addProducer(id, lateGroup);
      const slot = new ProducerSlot(id, producer, context.recorder, shape, undefined, late.resend);
      clients.slots.push(slot);
      await executor.drive(slot, lateContext);
    } catch (error) {
      late.events.push({ atUs: nowUs(), kind: 'late-joiner-failed', detail: `late joiner ${k + 1} could not be opened: ${error instanceof Error ? error.message : String(error)}` });
    }
  }));
}

const outstandingOf = (slots: readonly ProducerSlot[]): number => slots.reduce((n, s) => n + s.outstanding, 0);

/** The short drain of a run stopped early (interrupt, stall, another worker lost). */
export const earlyDrainUs = 2_000_000;

/**
 * When draining stops waiting: --drain-timeout after producers stopped, at most `earlyDrainUs` for a
 * run stopping early; a stop that comes during the drain (Ctrl-C, SIGTERM) shortens it from then on.
 */
class DrainDeadline {
  private deadlineUs: number;
  private shortened = false;

  constructor(
    workload: Workload,
    producersDoneUs: number,
    private readonly shouldStop: () => boolean,
    private readonly resend: ResendUntil | undefined,
  ) {
    this.deadlineUs = producersDoneUs + workload.drainTimeoutUs;
    this.us();
  }

  us(): number {
    if (!this.shortened && this.shouldStop()) {
      this.shortened = true;
      this.deadlineUs = Math.min(this.deadlineUs, nowUs() + earlyDrainUs);
    }
    if (this.resend) this.resend.deadlineUs = this.deadlineUs;
    return this.deadlineUs;
  }
}

/** Drives every producer with the workload's executor, then drains; returns when producers stopped. */
async function produceAndDrain(
  workload: Workload,
  clients: Clients,
  context: ExecutionContext,
  coordinator: Coordinator,
  brokerLost: () => boolean,
  resend: ResendUntil | undefined,
  late?: LateJoin,
): Promise<number> {
  const { recorder } = context;
  let producersDone = false;
  const report = (): void => coordinator.report(recorder.live(outstandingOf(clients.slots)), producersDone);
  const liveTimer = setInterval(report, liveReportIntervalMs(workload));
  try {
    const executor = executorFor(workload);
    const established = clients.slots.map((slot) => executor.drive(slot, context));
    await Promise.all([...established, ...(late ? [driveLateJoiners(late, executor, clients, context)] : [])]);
    const producersDoneUs = nowUs();
    producersDone = true;
    // Drain: in-flight messages arrive before anything is called lost (shorter when stopping early).
    // A participant without producers (a --workers worker dealt consumers only) is done producing at
    // once: its deadline runs from the window's end, or it would stop receiving a drain timeout in.
    const drainFromUs = clients.slots.length === 0 ? Math.max(producersDoneUs, context.endUs) : producersDoneUs;
    const deadline = new DrainDeadline(workload, drainFromUs, context.shouldStop, resend);
    while (!brokerLost() && !coordinator.drained(recorder.live(outstandingOf(clients.slots)), deadline.us())) await sleepMs(5);
    return producersDoneUs;
  } finally {
    clearInterval(liveTimer);
    report();
  }
}

/**
 * Why the run stops early. The first reason to stop is the one reported: a stall aborts the run, and
 * closing the clients of a frozen broker then fails their connections, which is a consequence, not the cause.
 */
class StopReasons {
  private fatal: string | undefined;
  private first: string | undefined;

  constructor(
    driver: Driver,
    private readonly coordinator: Coordinator,
  ) {
    driver.onFatal((error) => {
      this.fatal ??= `broker connection lost: ${error.message}`;
      this.first ??= this.fatal;
    });
  }

  brokerLost(): boolean {
    return this.fatal !== undefined;
  }

  /** A phase of the run's own failed (a backlog run's late attach): the run stops for it. */
  failed(reason: string): void {
    this.first ??= reason;
  }

  abortReason(): string | undefined {
    return (this.first ??= this.coordinator.abortReason());
  }
}

/** Events of one kind kept per participant: a driver that reports per message must not grow the result without bound. */
export const eventsKeptPerKind = 100;

/**
 * The driver's events, stamped on the run's clock as they come (the merge makes them relative to the
 * window). The array stays live after the participant returns: the failover decorator reads what
 * came while the fault was restored. Past the first `eventsKeptPerKind` of a kind, one event per
 * kind says how many more there were (its detail updated in place).
 */
function driverEvents(driver: Driver): RunEvent[] {
  const events: RunEvent[] = [];
  const seen = new Map<string, { count: number; overflow?: RunEvent }>();
  driver.onEvent?.((event) => {
    const kind = seen.get(event.kind) ?? { count: 0 };
    seen.set(event.kind, kind);
    kind.count++;
    if (kind.count <= eventsKeptPerKind) return void events.push({ atUs: nowUs(), kind: event.kind, detail: event.detail });
    if (!kind.overflow) events.push((kind.overflow = { atUs: nowUs(), kind: event.kind, detail: '' }));
    kind.overflow.detail = `${kind.count - eventsKeptPerKind} more ${event.kind} ${nounFor(kind.count - eventsKeptPerKind, 'event')} not kept, the last at its time: ${event.detail}`;
    kind.overflow.atUs = nowUs();
  });
  return events;
}

interface MeasurementWindow {
  startUs: number;
  warmupEndUs: number;
  endUs: number;
}

/** The warmup and measured window from the common start; the recorder measures from the warmup's end. */
function startMeasuring(workload: Workload, recorder: Recorder, startUs: number): MeasurementWindow {
  const warmupEndUs = startUs + workload.warmupUs;
  const endUs = warmupEndUs + workload.durationUs;
  recorder.startMeasuring(warmupEndUs);
  if (workload.fault) {
    const faultAtUs = warmupEndUs + workload.fault.atUs;
    const restoreAtUs = workload.fault.forUs === null ? Number.POSITIVE_INFINITY : faultAtUs + workload.fault.forUs;
    recorder.recordFailover({ windowStartUs: warmupEndUs, faultAtUs, restoreAtUs });
  }
  return { startUs, warmupEndUs, endUs };
}

/** Meters the client's cost from the end of the warmup; the returned function stops it and gives the sample. */
function meterClientCost(warmupEndUs: number): () => ClientCostSample {
  const cost = new ClientCostMeter();
  const costTimer = setTimeout(() => cost.start(nowUs()), Math.max(0, (warmupEndUs - nowUs()) / 1000));
  return () => {
    clearTimeout(costTimer);
    return cost.stop(nowUs());
  };
}

function executionContext(
  window: MeasurementWindow,
  recorder: Recorder,
  coordinator: Coordinator,
  arrivals: ArrivalSignal,
  stop: StopReasons,
): ExecutionContext {
  return {
    ...window,
    recorder,
    shouldStop: () => stop.abortReason() !== undefined,
    inFlight: () => coordinator.inFlight(recorder.sentAll, recorder.receivedAll, recorder.errorsAll),
    waitForArrival: (ms) => arrivals.wait(ms),
  };
}

/** Gives up on sends still unsettled (so the settlement counts them as failed), then closes the recording. */
async function settleRecording(recorder: Recorder, coordinator: Coordinator): Promise<Recording> {
  recorder.giveUpUnsettled();
  return recorder.close(await coordinator.settle(recorder.failedSeqs()));
}

/**
 * A backlog run (workload.backlogBytes): the consumers attach only once producers built the backlog,
 * and the gate times the drain (engine/backlog.ts). An attach that fails or times out stops the run.
 */
function gateConsumers(driver: Driver, workload: Workload, context: ExecutionContext, open: () => Promise<unknown>, stop: StopReasons, over: () => boolean, live: () => LiveCounters): Promise<BacklogResult> {
  const limitUs = phaseLimitUs(workload);
  const stopped = (): string | undefined => stop.abortReason();
  const attach = async (): Promise<void> => {
    try {
      await inPhase('attaching consumers', open(), limitUs, stopped);
      await inPhase('waiting for every consumer to be ready', driver.waitUntilConsumersReady(30_000), limitUs, stopped);
    } catch (error) {
      stop.failed(error instanceof Error ? error.message : String(error));
    }
  };
  const sendingDone = (): boolean => context.shouldStop() || nowUs() >= context.endUs;
  return gateBacklog(workload, context.startUs, { live, firstReceivedUs: () => context.recorder.firstReceivedUs, attach, sendingDone, over });
}

/**
 * Runs producers and consumers on an already set-up topology: consumers first, a common start,
 * the warmup and measured window driven by the executor, a drain, then the settlement.
 */
export async function runParticipant(
  driver: Driver,
  workload: Workload,
  assignment: Assignment,
  coordinator: Coordinator,
  hooks: ParticipantHooks = {},
): Promise<PartialMeasurement> {
  const recorder = new Recorder(workload.subscriptions, lateThresholdUs);
  if (workload.sizes) recorder.recordSizes(workload.sizes);
  const stop = new StopReasons(driver, coordinator);
  const events = driverEvents(driver);
  const arrivals = new ArrivalSignal();
  const clients: Clients = { slots: [], consumers: [] };
  try {
    const limitUs = phaseLimitUs(workload);
    const stopped = (): string | undefined => stop.abortReason();
    const openConsumers = (): Promise<Consumer[]> => attachConsumers(driver, workload, assignment, recorder, arrivals, hooks, clients);
    // a backlog run's consumers attach later (gateConsumers), and keep the ones opened in `clients`
    if (workload.backlogBytes === undefined) clients.consumers = await inPhase('attaching consumers', openConsumers(), limitUs, stopped);
    const resend = workload.fault ? new ResendUntil() : undefined;
    clients.slots = await inPhase('opening producers', createSlots(driver, workload, assignment, recorder, resend, hooks.clients, clients), limitUs, stopped);
    // the coordinator bounds its own start: a pod's waits for the Job's common start time, however far
    const window = startMeasuring(workload, recorder, await coordinator.start());
    const stopCostMeter = meterClientCost(window.warmupEndUs);
    const context = executionContext(window, recorder, coordinator, arrivals, stop);
    if (resend) resend.stopped = context.shouldStop;
    let lateJoinedUs: number | undefined;
    const late = hooks.clients ? { plan: hooks.clients, driver, workload, resend, events, joined: (atUs: number) => (lateJoinedUs = atUs) } : undefined;
    let over = false;
    const live = (): LiveCounters => recorder.live(outstandingOf(clients.slots));
    const gate = workload.backlogBytes === undefined ? undefined : gateConsumers(driver, workload, context, openConsumers, stop, () => over, live);
    const producersDoneUs = await produceAndDrain(workload, clients, context, coordinator, () => stop.brokerLost(), resend, late);
    over = true;
    const backlog = await gate;
    const clientCost = stopCostMeter();
    const recording = await settleRecording(recorder, coordinator);
    // what arrives while clients close is counted as after close, never timed
    await closeClients(clients, closePatienceMs(workload.stallTimeoutUs));
    const reason = stop.abortReason();
    return {
      ...recording,
      clientCost,
      arrivedAfterClose: recorder.afterClose,
      ...(reason ? { abortReason: reason } : {}),
      ...(recorder.firstSendError ? { firstSendError: recorder.firstSendError } : {}),
      events,
      ...(driver.pathCounts ? { pathCounts: driver.pathCounts() } : {}),
      ...window,
      producersDoneUs,
      finishedUs: nowUs(),
      ...(lateJoinedUs === undefined ? {} : { lateJoinedUs }),
      ...(backlog ? { backlog } : {}),
    };
  } finally {
    await closeClients(clients, closePatienceMs(workload.stallTimeoutUs));
    recorder.dispose();
  }
}
