/**
 * Every measurement behind README.md, reports/notes.md and reports/calibration.md, as one list: the
 * tables they show and, per table, its cells (one `bench run` or `bench calibrate` each, run once per
 * repeat). The lists of the former scripts/notes.ts, notes-q2.sh, notes-q3.sh and the calibration's commands,
 * unified; a profile ("full" for publishing, "quick" for trying the command in a few minutes) sets the
 * windows and which cells run.
 */
import type { RunResult } from '../../src/results/types.js';

export type Profile = 'full' | 'quick';
export type DocumentName = 'readme' | 'notes' | 'calibration';

/** How a table reads its cells: a row per cell, a series per broker over a varied option, a calibration, the README sample. */
export type TableKind = 'rows' | 'series' | 'failover' | 'calibration' | 'sample';

export interface TableSpec {
  id: string;
  document: DocumentName;
  kind: TableKind;
  title: string;
  /** the option a series varies (partitions, size) */
  varied?: string;
}

export interface Cell {
  /** unique in a sitting; the folder its results go to */
  id: string;
  table: string;
  /** the row's name in its table */
  label: string;
  command: 'run' | 'calibrate';
  broker: string;
  /** the varied option's value, for series tables */
  value?: string;
  /** bench's arguments after the command, windows included: what the documents print */
  args: string[];
  /** the run's measured window plus warm-up, in seconds, for the time estimate */
  seconds: number;
}

/** A table's cells with the runs the results folder holds for each. */
export interface TableRuns {
  spec: TableSpec;
  /** attempts: how many times the sitting ran the cell (its manifest), else the results found */
  cells: { cell: Cell; runs: RunResult[]; files: string[]; attempts: number }[];
}

export const tables: TableSpec[] = [
  { id: 'readme-sample', document: 'readme', kind: 'sample', title: "The main job, as README's Quick start gives it" },
  { id: 'q1-max', document: 'notes', kind: 'rows', title: 'RabbitMQ in its main modes, at full speed (closed loop, 1,000 in flight)' },
  { id: 'q1-rate', document: 'notes', kind: 'rows', title: 'RabbitMQ in its main modes at a fixed 2,000 msg/s (open loop)' },
  { id: 'q2-partitions-max', document: 'notes', kind: 'series', varied: 'partitions', title: 'Partitions, as fast as each goes (closed loop, 1,000 in flight)' },
  { id: 'q2-partitions-rate', document: 'notes', kind: 'series', varied: 'partitions', title: 'Partitions at a fixed 5,000 msg/s (open loop)' },
  { id: 'q2-sizes', document: 'notes', kind: 'series', varied: 'size', title: 'Message size, 4 partitions, as fast as each goes' },
  { id: 'q3-exchange', document: 'notes', kind: 'rows', title: 'The same load through the default exchange, a direct exchange and fanout exchanges' },
  { id: 'q3-failover', document: 'notes', kind: 'failover', title: "3-node clusters: the leader's node killed, killed for good or frozen" },
  { id: 'calibration', document: 'calibration', kind: 'calibration', title: "mqbench against the brokers' own tools" },
  { id: 'calibration-window', document: 'calibration', kind: 'rows', title: "mqbench on the calibration's Kafka settings with the documented runs' window (1,000 in flight)" },
];

interface Windows {
  duration: number;
  warmup: number;
  failover: number;
}

const windowsOf: Record<Profile, Windows> = {
  full: { duration: 10, warmup: 2, failover: 25 },
  quick: { duration: 2, warmup: 1, failover: 15 },
};

function runCell(table: string, label: string, broker: string, scenario: string, flags: string[], w: { duration: number; warmup: number }, value?: string): Cell {
  const id = `${table}--${label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`;
  const args = ['--broker', broker, '--scenario', scenario, ...flags, '--duration', `${w.duration}s`, '--warmup', `${w.warmup}s`];
  return { id, table, label, command: 'run', broker, args, seconds: w.duration + w.warmup, ...(value === undefined ? {} : { value }) };
}

function q1Cells(w: Windows): Cell[] {
  const modes: [string, string, string[]][] = [
    ['noack (no confirms, autoack)', 'noack', []],
    ['ack (confirms, manual ack)', 'ack', []],
    ['ack + persistent (durable queue, persistent messages)', 'ack', ['--persistent', 'true']],
  ];
  // quick: the first two modes only
  if (w.duration < windowsOf.full.duration) modes.pop();
  return [
    ...modes.map(([label, scenario, flags]) => runCell('q1-max', label, 'rabbit', scenario, flags, w)),
    ...modes.map(([label, scenario, flags]) => runCell('q1-rate', `${label} at 2,000 msg/s`, 'rabbit', scenario, [...flags, '--rate', '2000'], w)),
  ];
}

function exchangeCells(w: Windows): Cell[] {
  const rows: [string, string, string[]][] = [
    ['default exchange -> 1 queue', 'noack', []],
    ['direct exchange -> 4 queues (by key)', 'partitioned', ['--partitions', '4']],
    ['fanout exchange -> 1 queue', 'fanout', ['--subscriptions', '1']],
    ['fanout exchange -> 3 queues (3x deliveries)', 'fanout', ['--subscriptions', '3']],
  ];
  // quick: the default exchange and the widest fanout only
  const chosen = w.duration < windowsOf.full.duration ? [rows[0], rows[3]].filter((r) => r !== undefined) : rows;
  return chosen.map(([label, scenario, flags]) => runCell('q3-exchange', label, 'rabbit', scenario, [...flags, '--producers', '2'], w));
}

/** Question 2's sweeps as cells: one per broker and value, so that the sitting interleaves them all. */
function seriesCells(profile: Profile, w: Windows): Cell[] {
  const brokers = ['kafka', 'rabbit', 'rabbit-stream'];
  const partitions = profile === 'quick' ? ['1', '4'] : ['1', '2', '4', '8'];
  const sizes = profile === 'quick' ? ['100', '4KiB'] : ['100', '1KiB', '4KiB', '16KiB', '64KiB'];
  const series = (table: string, varied: string, values: string[], flags: string[]): Cell[] =>
    values.flatMap((value) => brokers.map((broker) => runCell(table, `${broker} ${varied}=${value}`, broker, 'partitioned', [...flags, `--${varied}`, value], { ...w, warmup: Math.max(w.warmup, profile === 'full' ? 5 : 1) }, value)));
  return [
    ...series('q2-partitions-max', 'partitions', partitions, []),
    ...(profile === 'quick' ? [] : series('q2-partitions-rate', 'partitions', partitions, ['--rate', '5000'])),
    ...series('q2-sizes', 'size', sizes, ['--partitions', '4']),
  ];
}

/** Question 3's failover cases (scripts/notes-q3.sh's list); the partition cases need clusters in network namespaces and stay with notes-q3-partitions.sh. */
function failoverCells(w: Windows): Cell[] {
  const cases: [string, string, string[]][] = [
    ['rabbit-classic', 'rabbit', ['--queue-type', 'classic']],
    ['rabbit-classic-mirrored', 'rabbit', ['--queue-type', 'classic-mirrored']],
    ['rabbit-quorum', 'rabbit', ['--queue-type', 'quorum']],
    ['rabbit-stream', 'rabbit', ['--queue-type', 'stream']],
    ['kafka-acks-all', 'kafka', ['--kafka-acks', 'all']],
    ['kafka-acks-1', 'kafka', ['--kafka-acks', '1']],
  ];
  const faults: [string, string[]][] = [
    ['kill', ['--fault', 'kill', '--fault-for', '8s']],
    ['kill-never', ['--fault', 'kill', '--fault-for', 'never']],
    ['stop', ['--fault', 'stop', '--fault-for', '8s']],
  ];
  return faults.flatMap(([fault, faultFlags]) =>
    cases.map(([name, broker, flags]) => {
      const placement = broker === 'rabbit' ? ['--clients', 'spread', '--late-joiners', '4'] : [];
      const args = [...flags, ...faultFlags, '--fault-target', 'leader', '--fault-at', '5s', ...placement, '--rate', '500'];
      return runCell('q3-failover', `${name} ${fault}`, broker, 'failover', args, { duration: w.failover, warmup: 2 });
    }),
  );
}

/** One `bench calibrate` per broker, size and partitions (reports/calibration.md's sections); its rounds are the repeats. */
function calibrationCells(profile: Profile, w: Windows): Cell[] {
  const all: [string, string, string][] = [
    ['rabbit', '100', '1'],
    ['rabbit', '1KiB', '1'],
    ['rabbit-stream', '100', '1'],
    ['kafka', '100', '1'],
    ['kafka', '1KiB', '1'],
    ['kafka', '100', '4'],
    ['kafka', '1KiB', '4'],
  ];
  const chosen = profile === 'quick' ? all.filter(([broker, size, p]) => broker !== 'rabbit-stream' && size === '100' && p === '1') : all;
  return chosen.map(([broker, size, partitions]) => ({
    id: `calibration--${broker}-${size}-p${partitions}`.toLowerCase(),
    table: 'calibration',
    label: `${broker}, ${size === '100' ? '100 B' : size.replace('KiB', ' KiB')}${broker === 'kafka' ? `, ${partitions} partition${partitions === '1' ? '' : 's'}` : ''}`,
    command: 'calibrate' as const,
    broker,
    // at least 5 s: the Java consumer's per-second progress needs more than a second after the warm-up
    args: ['--broker', broker, '--size', size, ...(broker === 'kafka' ? ['--partitions', partitions] : []), '--duration', `${Math.max(w.duration, 5)}s`],
    // a calibration is several cases, each native and mqbench per round: about five runs' time per round
    seconds: 5 * (Math.max(w.duration, 5) + 4),
  }));
}

/** The calibration's Kafka settings at the documented runs' window: what mqbench does with 1,000 in flight. */
function windowCells(w: Windows): Cell[] {
  return ['1', '4'].map((p) =>
    runCell('calibration-window', `kafka 100 B, ${p} partition${p === '1' ? '' : 's'}, 1,000 in flight`, 'kafka', 'noack', ['--partitions', p, '--keys', 'off', '--inflight', '1000', '--kafka-acks', '1', '--linger', '5'], w),
  );
}

/** Every cell of a profile, in the order a round runs them. */
export function cellsOf(profile: Profile): Cell[] {
  const w = windowsOf[profile];
  const sample = runCell('readme-sample', 'rabbit noack', 'rabbit', 'noack', [], { duration: 10, warmup: 2 });
  // README quotes the Quick start's command as a user types it: no window flags
  sample.args = ['--broker', 'rabbit', '--scenario', 'noack'];
  const cells = [sample, ...q1Cells(w), ...seriesCells(profile, w), ...exchangeCells(w), ...windowCells(w), ...calibrationCells(profile, w)];
  return profile === 'quick' ? cells : [...cells, ...failoverCells(w)];
}

/** The estimated length of a sitting: every cell's window and warm-up, plus start-up and teardown per run. */
export function estimateSeconds(cells: readonly Cell[], repeats: number, overheadPerRun = 8): number {
  return cells.reduce((sum, c) => sum + (c.command === 'calibrate' ? c.seconds * repeats : (c.seconds + overheadPerRun + (c.table === 'q3-failover' ? 15 : 0)) * repeats), 0);
}
