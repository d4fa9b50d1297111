/**
 * The line above every published table: the machine, the commit (dirty or not), the time window of
 * its runs, the broker and client versions, and the sitting that made them (quick profile said loudly).
 * The folder was already refused if it mixed machines or commits (load.ts refuseMixed).
 */
import type { Environment } from '../../src/results/types.js';
import { baseCommit, hasUncommittedChanges } from '../../src/results/environment.js';
import { machineOf } from './load.js';
import type { Sitting } from './sitting.js';

export interface Provenance {
  environments: Environment[];
  startedAt: string[];
  finishedAt: string[];
  /** "RabbitMQ 3.10.8 via amqplib 0.10.9" per broker */
  versions: string[];
}

const minute = (iso: string | undefined): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')}` : '?');

/** The commit, and whether the runs had uncommitted changes: all, none, or how many of them. */
export function commitOf(environments: readonly Environment[]): string {
  const first = environments[0];
  if (!first) return '?';
  const dirty = environments.filter((e) => hasUncommittedChanges(e.gitCommit)).length;
  const which = dirty === 0 ? ' (clean)' : dirty === environments.length ? ' with uncommitted changes' : ` with uncommitted changes in ${dirty} of its ${environments.length} runs`;
  return `\`${baseCommit(first.gitCommit).slice(0, 7)}\`${which}`;
}

/** "Measured on <machine>, ... at <commit>, <from> - <to> UTC; <versions>; <sitting>." */
export function provenanceLine(p: Provenance, sitting: Sitting | undefined): string {
  const e = p.environments[0];
  const from = [...p.startedAt].sort()[0];
  const to = [...p.finishedAt].sort().at(-1);
  const made = sitting ? `made by \`${sitting.invocation}\`${sitting.profile === 'quick' ? ' (**QUICK profile: short windows, fewer cells; for trying the command, not for publishing**)' : ''}` : 'not made by publish-results (no sitting.json)';
  return [
    `*Measured on ${e ? `${machineOf(e)}, ${e.os}, Node ${e.node}` : '?'}; mqbench at ${commitOf(p.environments)};`,
    `${minute(from)} - ${minute(to)} UTC; ${[...new Set(p.versions)].sort().join('; ')}; ${made}.*`,
  ].join(' ');
}
