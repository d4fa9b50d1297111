/**
 * The private RabbitMQ node with the stream plugin: mqbench never enables plugins on a broker it did
 * not start (the shared node on 5672 stays as it is), so streams get a node of their own.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BrokerUnreachableError } from '../../errors.js';
import { portAnswers } from '../../provision/probe.js';
import { sleepMs } from '../../util/clock.js';
import { privateRabbitStatus, startPrivateRabbit, stopPrivateRabbit, type PrivateRabbitState } from '../rabbit/local.js';

const execFileAsync = promisify(execFile);

export const streamPort = 5552;
export const defaultStreamUrl = `rabbitmq-stream://guest:guest@127.0.0.1:${streamPort}`;

/** node mqbench-stream@localhost: AMQP 5682, Erlang distribution 25682, stream protocol 5552 */
export const streamNode = {
  name: 'mqbench-stream',
  port: 5682,
  distPort: 25682,
  plugins: ['rabbitmq_stream'],
  extraConfig: [`stream.listeners.tcp.1 = 127.0.0.1:${streamPort}`, 'stream.advertised_host = 127.0.0.1', `stream.advertised_port = ${streamPort}`],
} as const;

/** Starts the private stream node (idempotent) and waits until the stream port answers too. */
export async function startStreamNode(log: (line: string) => void): Promise<{ state: PrivateRabbitState; started: boolean }> {
  try {
    const result = await startPrivateRabbit({ ...streamNode, plugins: [...streamNode.plugins], extraConfig: [...streamNode.extraConfig] }, log);
    // the plugin opens its listener after the AMQP one
    const deadline = Date.now() + 60_000;
    while (!(await portAnswers('127.0.0.1', streamPort, 500))) {
      if (Date.now() > deadline) throw new BrokerUnreachableError(`the private RabbitMQ node ${result.state.node} did not open the stream port ${streamPort} within 60 s`);
      await sleepMs(250);
    }
    return result;
  } catch (error) {
    // a node that booted too slowly (a loaded machine) must not stay behind holding the ports and the name
    await stopStreamNode().catch(() => undefined);
    throw error;
  }
}

export function stopStreamNode(): Promise<PrivateRabbitState | undefined> {
  return stopPrivateRabbit(streamNode.name);
}

export function streamNodeStatus(): Promise<PrivateRabbitState | undefined> {
  return privateRabbitStatus(streamNode.name);
}

/**
 * Whether a node named as mqbench names its private stream node runs on this host although this
 * checkout did not start it: another checkout's (node names are the host's, state folders are each
 * checkout's). Erlang's port mapper lists the host's node names.
 */
export async function anotherCheckoutsStreamNode(): Promise<boolean> {
  const { stdout } = await execFileAsync('epmd', ['-names'], { timeout: 5000 }).catch(() => ({ stdout: '' }));
  return new RegExp(`^name ${streamNode.name} at port `, 'm').test(stdout) && (await streamNodeStatus()) === undefined;
}
