/**
 * Live metrics while runs go (`--metrics-port N`): an HTTP endpoint serving the run's counts and the
 * last second's latency in the Prometheus text format, or OpenMetrics when the scraper asks for it
 * (Accept: application/openmetrics-text), through prom-client. The values are the progress ticks'
 * (engine/progress.ts: once a second from counters the participants keep anyway), so serving them
 * adds nothing to the send path. Prints nothing; a port it cannot take is a UsageError (exit 2).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Gauge, Registry, type OpenMetricsContentType } from 'prom-client';
import type { Progress, ProgressTotals } from '../engine/progress.js';
import { UsageError } from '../errors.js';
import { parseOption } from '../options.js';

/** What a run's series are labelled with: broker, scenario and run id (a Kubernetes pod also its index). */
export type RunLabels = {
  broker: string;
  scenario: string;
  run_id: string;
  pod?: string;
};

const labelNames = ['broker', 'scenario', 'run_id', 'pod'] as const;
const phases: readonly Progress['phase'][] = ['connect', 'warmup', 'measure', 'drain'];
const quantiles = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
  ['1', 'max'],
] as const;

/**
 * The series in one registry. Each text format gets its own set: prom-client renames a counter
 * in place while writing OpenMetrics, which a set shared with the Prometheus registry would show.
 */
function metricsIn(registry: Registry | Registry<OpenMetricsContentType>) {
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, extra: readonly string[] = []) => new Gauge({ name, help, labelNames: [...labelNames, ...extra], registers });
  return {
    sent: counter('mqbench_sent_messages_total', 'messages sent since sending started (warmup included)'),
    received: counter('mqbench_received_messages_total', 'messages received since sending started (every subscription, duplicates included)'),
    sendErrors: counter('mqbench_send_errors_total', 'sends that failed (nacked, refused or given up)'),
    inFlight: gauge('mqbench_in_flight_messages', 'messages sent and neither received by every subscription nor failed yet'),
    lostSoFar: gauge('mqbench_lost_so_far_messages', 'measured messages not received while a later one of the same producer was (lost, or still on its way through another partition or queue); the result has the final count'),
    latency: gauge('mqbench_end_to_end_latency_seconds', 'corrected end-to-end latency of the last whole measured second, by quantile (1 = max)', ['quantile']),
    sendDelay: gauge('mqbench_send_delay_seconds', 'how late the last second\'s measured sends went out against their schedule, by quantile (1 = max); open loop (0 in the closed loop, which sends when a slot frees)', ['quantile']),
    latencyCount: gauge('mqbench_end_to_end_latency_last_second_messages', 'messages the last whole measured second timed'),
    phase: gauge('mqbench_phase', '1 for the phase the run is in (connect, warmup, measure, drain)', ['phase']),
  };
}

type Metrics = ReturnType<typeof metricsIn>;

/** The endpoint, serving every run of one command in turn: each run's series from its first tick to its end. */
export class LiveMetrics {
  private readonly formats = { prometheus: new Registry(), openMetrics: new Registry<OpenMetricsContentType>() };
  /** the same values in each format's registry */
  private readonly sets: Metrics[];
  /** per run (by run id): the counts already added to the counters, which only go up */
  private readonly counted = new Map<string, Counts>();

  private constructor(
    private readonly server: Server,
    /** where it listens, as host:port */
    readonly address: string,
  ) {
    this.formats.openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.sets = [metricsIn(this.formats.prometheus), metricsIn(this.formats.openMetrics)];
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void this.answer(request, response));
  }

  /** Listens on host:port; a port in use or not allowed is one line (UsageError, exit 2): callers listen before connecting. */
  static async listen(port: number, host: string): Promise<LiveMetrics> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--metrics-port ${port}: ${whyNotListening(error, host, port)}`);
    });
    return new LiveMetrics(server, `${host}:${port}`);
  }

  /** The progress handler of one run: each tick sets that run's series. */
  observe(labels: RunLabels): (progress: Progress) => void {
    return (progress) => {
      const before = this.counted.get(labels.run_id) ?? { sent: 0, received: 0, sendErrors: 0 };
      for (const metrics of this.sets) {
        for (const phase of phases) metrics.phase.set({ ...labels, phase }, phase === progress.phase ? 1 : 0);
        if (progress.totals) record(metrics, labels, progress.totals, before);
      }
      if (progress.totals) this.counted.set(labels.run_id, countsOf(progress.totals, before));
    };
  }

  /** The run is over: its series go (a scrape between runs shows only the next run's). */
  endRun(labels: RunLabels): void {
    for (const metrics of this.sets) {
      for (const metric of Object.values(metrics)) metric.remove(labels);
      for (const phase of phases) metrics.phase.remove({ ...labels, phase });
      for (const [quantile] of quantiles) for (const metric of [metrics.latency, metrics.sendDelay]) metric.remove({ ...labels, quantile });
    }
    this.counted.delete(labels.run_id);
  }


  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405, { allow: 'GET, HEAD' }).end();
    const registry = (request.headers.accept ?? '').includes('application/openmetrics-text') ? this.formats.openMetrics : this.formats.prometheus;
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : body);
  }

  /** Stops listening and drops open connections (a scraper's keep-alive must not hold the port). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/** `--metrics-port` as given (a flag's text), checked: a port from 1 to 65,535 or one line (exit 2). */
export function metricsPortOf(raw: unknown): number {
  return parseOption({ name: 'metrics-port', kind: 'whole', min: 1, max: 65_535, describe: '' }, raw) as number;
}

/**
 * The endpoint of `--metrics-port` (absent: none). `bench run` listens on the loopback address only:
 * its counts are nobody else's business unless the user forwards them; a pod must take 0.0.0.0.
 */
export async function serveLiveMetrics(rawPort: unknown, host = '127.0.0.1'): Promise<LiveMetrics | undefined> {
  if (rawPort === undefined) return undefined;
  return LiveMetrics.listen(metricsPortOf(rawPort), host);
}

type Counts = { sent: number; received: number; sendErrors: number };

/** The counters only go up: each tick adds what came since the counts `before`. */
function record(metrics: Metrics, labels: RunLabels, totals: ProgressTotals, before: Counts): void {
  metrics.sent.inc(labels, Math.max(0, totals.sent - before.sent));
  metrics.received.inc(labels, Math.max(0, totals.received - before.received));
  metrics.sendErrors.inc(labels, Math.max(0, totals.sendErrors - before.sendErrors));
  metrics.inFlight.set(labels, totals.inFlight);
  metrics.lostSoFar.set(labels, totals.lostSoFar);
  // a second with nothing sent or received has no quantiles: the last ones are taken away, never shown again
  const delay = totals.lastSecondSendDelayUs;
  for (const [quantile, key] of quantiles) {
    if (delay) metrics.sendDelay.set({ ...labels, quantile }, delay[key] / 1e6);
    else metrics.sendDelay.remove({ ...labels, quantile });
  }
  const second = totals.lastSecondUs;
  for (const [quantile, key] of quantiles) {
    if (second) metrics.latency.set({ ...labels, quantile }, second[key] / 1e6);
    else metrics.latency.remove({ ...labels, quantile });
  }
  metrics.latencyCount.set(labels, second?.count ?? 0);
}

const countsOf = (totals: ProgressTotals, before: Counts): Counts => ({
  sent: Math.max(before.sent, totals.sent),
  received: Math.max(before.received, totals.received),
  sendErrors: Math.max(before.sendErrors, totals.sendErrors),
});

function whyNotListening(error: NodeJS.ErrnoException, host: string, port: number): string {
  if (error.code === 'EADDRINUSE') return `${host}:${port} is in use (another process listens there): choose another port or stop that process`;
  if (error.code === 'EACCES') return `not allowed to listen on ${host}:${port} (ports below 1024 need privileges): choose a port of 1024 or more`;
  if (error.code === 'EADDRNOTAVAIL') return `${host} is not an address of this host`;
  return `cannot listen on ${host}:${port} (${error.code ?? error.message})`;
}
