/**
 * A local Mosquitto process mqbench starts when the default endpoint has no broker: its own config,
 * no persistence (nothing of a run survives it), listening on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BrokerUnreachableError } from '../../errors.js';
import { isPidAlive, portAnswers } from '../../provision/probe.js';
import { sleepMs } from '../../util/clock.js';
import { stateRoot } from '../../util/paths.js';

const mosquittoBin = process.env.MQBENCH_MOSQUITTO ?? 'mosquitto';
const home = join(stateRoot, 'mosquitto');

export interface LocalMosquitto {
  pid: number;
  port: number;
  startedAt: string;
}

export async function localMosquittoStatus(): Promise<LocalMosquitto | undefined> {
  try {
    const state = JSON.parse(await readFile(join(home, 'state.json'), 'utf8')) as LocalMosquitto;
    return isPidAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Starts Mosquitto on 127.0.0.1:port (idempotent); throws when the port is taken by something else. */
export async function startLocalMosquitto(port: number, log: (line: string) => void): Promise<LocalMosquitto> {
  const existing = await localMosquittoStatus();
  if (existing && (await portAnswers('127.0.0.1', existing.port))) return existing;
  if (await portAnswers('127.0.0.1', port)) throw new BrokerUnreachableError(`port ${port} is taken by something mqbench did not start`);
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  const config = join(home, 'mosquitto.conf');
  await writeFile(config, ['# written by mqbench: a local broker for benchmarks', `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ''].join('\n'));
  log(`starting Mosquitto on 127.0.0.1:${port}; config and log in ${home}`);
  const logFd = openSync(join(home, 'mosquitto.log'), 'a');
  const child = spawn(mosquittoBin, ['-c', config], { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.on('error', () => undefined); // ENOENT is reported below, as the process never answers
  child.unref();
  const state: LocalMosquitto = { pid: child.pid ?? 0, port, startedAt: new Date().toISOString() };
  const deadline = Date.now() + 15_000;
  while (!(await portAnswers('127.0.0.1', port, 500))) {
    if (child.pid === undefined || !isPidAlive(child.pid)) throw new BrokerUnreachableError(`Mosquitto did not start (is the mosquitto package installed?); see ${join(home, 'mosquitto.log')}`);
    if (Date.now() > deadline) throw new BrokerUnreachableError(`Mosquitto did not open port ${port} within 15 s; see ${join(home, 'mosquitto.log')}`);
    await sleepMs(100);
  }
  await writeFile(join(home, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** Stops the Mosquitto mqbench started (never another one). */
export async function stopLocalMosquitto(): Promise<LocalMosquitto | undefined> {
  const state = await localMosquittoStatus();
  if (state) {
    process.kill(state.pid, 'SIGTERM');
    const until = Date.now() + 5000;
    while (isPidAlive(state.pid) && Date.now() < until) await sleepMs(50);
    if (isPidAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  await rm(home, { recursive: true, force: true });
  return state;
}
