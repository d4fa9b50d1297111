/** The rabbit plug-in's network broker: its default endpoint, the private node and the container mqbench starts there. */
import type { ContainerSpec } from '../../provision/docker.js';
import type { NetworkBroker } from '../../provision/provide.js';
import { redactUrl } from '../../util/redact.js';
import { privateRabbitStatus, startPrivateRabbit, stopPrivateRabbit } from './local.js';

export const defaultRabbitUrl = 'amqp://guest:guest@127.0.0.1:5672';

/** The private RabbitMQ node mqbench starts when the default endpoint has no broker. */
export const localRabbitNode = { name: 'mqbench', port: 5672, distPort: 25679 } as const;

const container: ContainerSpec = {
  image: 'rabbitmq:3.13-management',
  port: 5672,
  readyLog: /Server startup complete/,
  urlFor: (host, port) => `amqp://guest:guest@${host}:${port}`,
};

export const network: NetworkBroker = {
  name: 'rabbit',
  defaultPort: 5672,
  container,
  composeService: 'rabbitmq',
  async startLocal(log) {
    const { state } = await startPrivateRabbit(localRabbitNode, log);
    return `started: private node ${state.node} at ${redactUrl(state.url)} (pid ${state.pid}); it keeps running: stop it with \`npx bench brokers down rabbit\``;
  },
  async stopLocal() {
    return (await stopPrivateRabbit(localRabbitNode.name))?.pid;
  },
  async ownStatus() {
    const ours = await privateRabbitStatus(localRabbitNode.name);
    return ours ? `running at ${redactUrl(defaultRabbitUrl)}: private node ${ours.node} started by mqbench (pid ${ours.pid})` : undefined;
  },
};
