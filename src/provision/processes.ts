/**
 * The processes of a node mqbench started: its process group (the node was spawned detached, so
 * its first pid leads a group) and every descendant, read from /proc (Linux). A helper that left the
 * group with setsid (as an Erlang VM's erl_child_setup does) is still a descendant, so it is found.
 */
import { readdir, readFile } from 'node:fs/promises';
import { sleepMs } from '../util/clock.js';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** the kernel's state letter: 'Z' is a zombie (dead, not yet reaped) */
  state: string;
}

/** Parses /proc/<pid>/stat: "pid (comm) state ppid pgrp ..." where comm may hold spaces and ')'. */
export function parseStat(text: string): ProcessEntry | undefined {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  const fields = text.slice(close + 2).split(' ');
  if (close < 0 || !Number.isInteger(pid) || fields.length < 3) return undefined;
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

/** The group led by `leader` and all descendants of its members (pure: unit-tested). */
export function treeOf(leader: number, table: readonly ProcessEntry[]): number[] {
  const found = new Set<number>([leader]);
  for (const entry of table) if (entry.pgid === leader) found.add(entry.pid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of table) {
      if (!found.has(entry.pid) && found.has(entry.ppid)) {
        found.add(entry.pid);
        grew = true;
      }
    }
  }
  return [...found].filter((pid) => table.some((e) => e.pid === pid && e.state !== 'Z'));
}

async function processTable(): Promise<ProcessEntry[]> {
  const names = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const entries = await Promise.all(names.map((name) => readFile(`/proc/${name}/stat`, 'utf8').then(parseStat, () => undefined)));
  return entries.filter((e): e is ProcessEntry => e !== undefined);
}

/** The live processes of the node whose first process is `leader`. */
export async function nodeProcesses(leader: number): Promise<number[]> {
  return treeOf(leader, await processTable());
}

/** The same, with each one's state letter, from one read of the process table. */
export async function nodeProcessEntries(leader: number): Promise<ProcessEntry[]> {
  const table = await processTable();
  const pids = new Set(treeOf(leader, table));
  return table.filter((entry) => pids.has(entry.pid));
}

/** Sends `signal` to each pid (one that is gone already is skipped). */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** Waits until none of `pids` lives (a zombie counts as dead); false when `timeoutMs` passed first. */
export async function awaitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await processTable();
    const alive = pids.filter((pid) => table.some((e) => e.pid === pid && e.state !== 'Z'));
    if (alive.length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleepMs(50);
  }
}
