import { BrokerUnreachableError } from '../../errors.js';
import { portAnswers } from '../../provision/probe.js';
import { redactUrl } from '../../util/redact.js';
import { LazyDriver } from '../lazy.js';
import type { BrokerPlugin, EndpointChoice, LocalBrokers, ProvidedBroker, ProvisionMode } from '../plugin.js';
import { privateRabbitBeamPid } from '../rabbit/local.js';
import { calibration } from './calibrate.js';
import { streamCleaner } from './clean.js';
import { anotherCheckoutsStreamNode, defaultStreamUrl, startStreamNode, stopStreamNode, streamNode, streamNodeStatus, streamPort } from './local.js';
import { streamMapping, streamOptions, streamSettings } from './settings.js';
import { parseStreamUrl, streamUrlProblem } from './url.js';

const label = 'rabbit-stream';
const shownUrl = redactUrl(defaultStreamUrl);

/**
 * A named endpoint as is; the default one if it answers; else the private node with the stream plugin
 * (never the shared RabbitMQ: mqbench does not enable plugins on a broker it did not start).
 */
async function provide(endpoint: EndpointChoice, mode: ProvisionMode, log: (line: string) => void): Promise<ProvidedBroker> {
  if (endpoint.named) return { url: endpoint.url };
  const { hostname, port } = parseStreamUrl(endpoint.url);
  if (mode !== 'docker' && (await portAnswers(hostname, port))) return { url: endpoint.url };
  if (mode === 'docker') throw new BrokerUnreachableError('rabbit-stream: mqbench starts streams on a private local node, not in a container; use --provision local or auto');
  const { state } = await startStreamNode(log);
  log(`started: private node ${state.node} with the stream plugin (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down rabbit-stream\``);
  return { url: endpoint.url };
}

const local: LocalBrokers = {
  async status() {
    const ours = await streamNodeStatus();
    if (ours) return `${label} running at ${shownUrl}: private node ${ours.node} started by mqbench (pid ${ours.pid}; AMQP ${ours.port})`;
    if (await anotherCheckoutsStreamNode()) return `${label} running at ${shownUrl}: private node ${streamNode.name}@localhost started by another checkout's mqbench (left alone)`;
    if (await portAnswers('127.0.0.1', streamPort)) return `${label} running at ${shownUrl} (not started by mqbench; left alone)`;
    return `${label} not running at ${shownUrl} (start one with \`npx bench brokers up rabbit-stream\`)`;
  },
  async up(mode, log) {
    if (await portAnswers('127.0.0.1', streamPort)) return local.status();
    if (mode === 'docker') throw new BrokerUnreachableError('rabbit-stream: mqbench starts streams on a private local node, not in a container; use --provision local');
    const { state } = await startStreamNode(log);
    return `${label} started: private node ${state.node} at ${shownUrl} (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down rabbit-stream\``;
  },
  async down() {
    const state = await stopStreamNode();
    return state ? `${label} stopped the private node ${state.node} (pid ${state.pid})` : `${label} nothing to stop (mqbench did not start one; left alone)`;
  },
};

/** RabbitMQ streams over the stream protocol (port 5552) with rabbitmq-stream-js-client. */
export const rabbitStreamPlugin: BrokerPlugin = {
  name: 'rabbit-stream',
  description: 'RabbitMQ streams over the stream protocol (rabbitmq-stream-js-client)',
  options: streamOptions,
  endpoint: {
    option: 'rabbit-stream-url',
    env: 'MQBENCH_RABBIT_STREAM_URL',
    defaultUrl: defaultStreamUrl,
    describe: `RabbitMQ stream URL (env MQBENCH_RABBIT_STREAM_URL; default ${shownUrl} as guest)`,
    problemWith: streamUrlProblem,
  },
  mapping: streamMapping,
  settings: streamSettings,
  provide,
  startHint: (named) =>
    named
      ? 'is RabbitMQ with the rabbitmq_stream plugin running there? the URL came from --rabbit-stream-url or MQBENCH_RABBIT_STREAM_URL'
      : 'start one with `npx bench brokers up rabbit-stream` (a private node with the stream plugin), or pass --rabbit-stream-url',
  local,
  clean: streamCleaner,
  calibration,
  // broker cost: only the private node mqbench started, measured as its Erlang VM (beam.smp)
  async localProcesses(url) {
    const ours = await streamNodeStatus();
    const { hostname, port } = parseStreamUrl(url);
    if (!ours || port !== streamPort || !['127.0.0.1', 'localhost'].includes(hostname)) return undefined;
    return [(await privateRabbitBeamPid(streamNode.name)) ?? ours.pid];
  },
  testing: async () => (await import('./testing.js')).testing,
  // the client loads when the driver connects: `bench list` and bad flags do not pay for it
  create: (options) => new LazyDriver('rabbit-stream', async () => new (await import('./driver.js')).RabbitStreamDriver(options)),
};
