/**
 * `bench clean`: removes the mqbench-* objects runs left on a broker (SIGKILL, a crash, a frozen broker
 * that outlived the run's teardown). Brokers keep no creation time mqbench can read, so an age rule is
 * impossible; instead a run whose objects a live client uses (a queue's consumer, a group's member) is
 * taken to be still going and is kept, unless --force.
 */
import type { Argv } from 'yargs';
import { findPlugin, plugins } from '../drivers/index.js';
import type { BrokerPlugin, Cleaner, LeftoverObject } from '../drivers/plugin.js';
import { ExitCode, MqbenchError, UsageError } from '../errors.js';
import { otherCheckoutLine, otherCheckoutsClaims } from '../provision/checkouts.js';
import { commonOptions, parseOption, type OptionRow } from '../options.js';
import { withTimeout } from '../util/clock.js';
import { redactUrl } from '../util/redact.js';
import { cleanNetworks } from './clean-networks.js';

type CleanablePlugin = BrokerPlugin & { clean: Cleaner };

export interface CleanArgs {
  broker?: string;
  run?: string;
  'dry-run': boolean;
  force: boolean;
  json: boolean;
  'connect-timeout': string;
}

export interface CleanOutcome {
  /** stdout: one line per object, one per broker, a total (or the JSON) */
  text: string;
  /** one line each for stderr (without the `bench: ` prefix) */
  errors: string[];
  exitCode: ExitCode;
}

type Action = 'deleted' | 'would-delete' | 'kept-in-use' | 'not-deleted';

interface BrokerOutcome {
  broker: string;
  url: string;
  objects: (LeftoverObject & { action: Action })[];
  error?: string;
  exitCode: ExitCode;
}

/** The same --connect-timeout as `bench run`: one definition, one validation. */
function connectTimeoutRow(): OptionRow {
  const row = commonOptions.find((r) => r.name === 'connect-timeout');
  if (!row) throw new Error('options table: no connect-timeout row');
  return row;
}

const cleanable = (): CleanablePlugin[] => plugins.filter((p): p is CleanablePlugin => p.clean !== undefined);

export function cleanOptions(y: Argv) {
  let out = y
    .option('broker', { type: 'string', describe: `the brokers to clean, comma-separated (default: ${cleanable().map((p) => p.name).join(', ')})` })
    .option('run', { type: 'string', describe: 'only the objects of these run ids, comma-separated (the id in the summary line "mqbench <id>:" and the result file name)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'list what would be deleted, delete nothing' })
    .option('force', { type: 'boolean', default: false, describe: 'also delete objects in use (a queue with a consumer, a group with members): a run still going' })
    .option('json', { type: 'boolean', default: false, describe: 'print the outcome as JSON' })
    .option('connect-timeout', { type: 'string', default: '5000', describe: connectTimeoutRow().describe });
  for (const p of cleanable()) if (p.endpoint) out = out.option(p.endpoint.option, { type: 'string', describe: p.endpoint.describe });
  return out;
}

/** The plug-ins `--broker` names (all that can be cleaned when absent); UsageError for the others. */
function targets(brokers: string | undefined): CleanablePlugin[] {
  if (brokers === undefined) return cleanable();
  return brokers.split(',').map((name) => {
    const plugin = findPlugin(name.trim());
    if (plugin.clean) return plugin as CleanablePlugin;
    throw new UsageError(plugin.inProcess ? `${plugin.name} has nothing to clean: its broker lives in the run's process` : `${plugin.name} has no cleaner`);
  });
}

/** `--run a,b` -> the run prefixes "mqbench-a", "mqbench-b"; undefined means every run. */
function runPrefixes(runs: string | undefined): Set<string> | undefined {
  if (runs === undefined) return undefined;
  const ids = runs.split(',').map((id) => id.trim().replace(/^mqbench-/, ''));
  const bad = ids.find((id) => !/^[A-Za-z0-9_-]+$/.test(id));
  if (bad !== undefined) throw new UsageError(`--run: not a run id: "${bad}" (e.g. 3814d097, as in "mqbench 3814d097:")`);
  return new Set(ids.map((id) => `mqbench-${id}`));
}

/** Run objects are named mqbench-<run id>.<stream>...: the part before the first dot is the run. */
const runOf = (name: string): string => name.split('.')[0] ?? name;

/** A run is in use as a whole: its exchange or topic is as busy as the queue or group a client holds. */
export function withRunsInUse(objects: readonly LeftoverObject[]): LeftoverObject[] {
  const busyRuns = new Set(objects.filter((o) => o.inUse).map((o) => runOf(o.name)));
  return objects.map((o) => ({ ...o, inUse: busyRuns.has(runOf(o.name)) }));
}

function urlOf(plugin: CleanablePlugin, argv: Record<string, unknown>): string {
  const spec = plugin.endpoint;
  if (!spec) return `${plugin.name}://`;
  const named = argv[spec.option] ?? process.env[spec.env];
  if (named === undefined) return spec.defaultUrl;
  const problem = String(named).trim() === '' ? 'must not be empty' : spec.problemWith?.(String(named));
  if (problem) throw new UsageError(`--${spec.option}: ${problem}`);
  return String(named);
}

async function cleanOne(plugin: CleanablePlugin, url: string, args: CleanArgs, runs: Set<string> | undefined, timeoutMs: number): Promise<BrokerOutcome> {
  const outcome: BrokerOutcome = { broker: plugin.name, url: redactUrl(url), objects: [], exitCode: ExitCode.ok };
  const listed = async (): Promise<LeftoverObject[]> => withRunsInUse(await plugin.clean.list(url, timeoutMs)).filter((o) => !runs || runs.has(runOf(o.name)));
  try {
    const found = await listed();
    const doomed = found.filter((o) => args.force || !o.inUse);
    const done: Action = args['dry-run'] ? 'would-delete' : 'deleted';
    outcome.objects = found.map((o) => ({ ...o, inUse: o.inUse === true, action: doomed.includes(o) ? done : 'kept-in-use' }));
    if (!args['dry-run']) await removeOrMark(plugin, url, doomed, outcome, listed, timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    // MqbenchErrors name the broker already (cannot connect to RabbitMQ at ...); a refused delete does not
    outcome.error = error instanceof MqbenchError ? message : `${plugin.name}: ${message}`;
    // a broker that does not answer is exit 3; a delete the broker refused is exit 1 (not all removed)
    outcome.exitCode = error instanceof MqbenchError ? error.exitCode : ExitCode.checkFailed;
  }
  return outcome;
}

/** When some deletes fail, a second listing says which objects are still there (the lines must not lie). */
async function removeOrMark(plugin: CleanablePlugin, url: string, doomed: LeftoverObject[], outcome: BrokerOutcome, listed: () => Promise<LeftoverObject[]>, timeoutMs: number): Promise<void> {
  try {
    await plugin.clean.remove(url, doomed, timeoutMs);
  } catch (error) {
    const left = new Set((await listed().catch(() => doomed)).map((o) => o.name));
    for (const o of outcome.objects) if (o.action === 'deleted' && left.has(o.name)) o.action = 'not-deleted';
    throw error;
  }
}

function objectLines(outcomes: readonly BrokerOutcome[]): string[] {
  const all = outcomes.flatMap((o) => o.objects.map((object) => ({ broker: o.broker, ...object })));
  const width = Math.max(0, ...all.map((o) => o.name.length));
  const words: Record<Action, string> = { deleted: 'deleted', 'would-delete': 'would delete', 'kept-in-use': 'in use: kept', 'not-deleted': 'NOT deleted' };
  return all.map((o) => {
    const age = o.ageSeconds === undefined ? '' : `  age ${Math.round(o.ageSeconds)}s`;
    return `${o.broker.padEnd(7)} ${o.kind.padEnd(9)} ${o.name.padEnd(width)}  ${words[o.action]}${age}`;
  });
}

function countOf(outcomes: readonly BrokerOutcome[], action: Action): number {
  return outcomes.reduce((sum, o) => sum + o.objects.filter((object) => object.action === action).length, 0);
}

/** The brokers whose objects could not be listed (their error is on stderr too). */
const unlisted = (outcomes: readonly BrokerOutcome[]): BrokerOutcome[] => outcomes.filter((o) => o.error !== undefined && o.objects.length === 0);

function totalLine(outcomes: readonly BrokerOutcome[], dryRun: boolean): string {
  const kept = countOf(outcomes, 'kept-in-use');
  const keptText = kept > 0 ? `, ${kept} in use kept (a run may still be going; --force deletes them too)` : '';
  const missing = unlisted(outcomes).map((o) => o.broker);
  const missingText = missing.length > 0 ? `; not listed: ${missing.join(', ')}` : '';
  if (dryRun) return `total: ${countOf(outcomes, 'would-delete')} would be deleted${keptText}${missingText}; dry run: nothing deleted`;
  return `total: ${countOf(outcomes, 'deleted')} deleted${keptText}${missingText}`;
}

function render(outcomes: readonly BrokerOutcome[], args: CleanArgs): string {
  if (args.json) return `${JSON.stringify({ dryRun: args['dry-run'], force: args.force, brokers: outcomes }, null, 2)}\n`;
  const answered = outcomes.filter((o) => !o.error);
  // a broker that failed has its one line on stderr; a total of nothing would only add noise
  if (outcomes.every((o) => o.error && o.objects.length === 0)) return '';
  const what = args.run === undefined ? 'mqbench-* objects' : `objects of run ${args.run}`;
  const empty = answered.filter((o) => o.objects.length === 0).map((o) => `${o.broker}: no ${what} at ${o.url}`);
  const notListed = unlisted(outcomes).map((o) => `${o.broker}: could not be listed: ${o.error}`);
  return `${[...objectLines(outcomes), ...empty, ...notListed, totalLine(outcomes, args['dry-run'])].join('\n')}\n`;
}

/** Lines after the brokers' (text), or a field of that name in the JSON document. */
function withLines(text: string, field: 'networks' | 'clusters', lines: readonly string[], json: boolean): string {
  if (lines.length === 0) return text;
  if (json) return `${JSON.stringify({ ...(JSON.parse(text) as object), [field]: lines }, null, 2)}\n`;
  return `${text}${lines.join('\n')}\n`;
}

/**
 * The nodes of the chosen brokers' local clusters that a run killed during --fault stop left frozen:
 * continued before anything is listed (a frozen node answers no admin tool and no request); other
 * checkouts' clusters named. Never throws: a failure is the outcome's error.
 */
async function resumeClusters(chosen: readonly CleanablePlugin[], dryRun: boolean): Promise<{ lines: string[]; error?: string }> {
  const lines: string[] = [];
  for (const cluster of chosen.flatMap((p) => (p.cluster?.resumeFrozen ? [p.cluster] : []))) {
    try {
      lines.push(...(await cluster.resumeFrozen?.(dryRun) ?? []));
      // another checkout's nodes are neither ours nor leftovers: named, never touched
      lines.push(...(await otherCheckoutsClaims(cluster.name)).map(otherCheckoutLine));
    } catch (error) {
      return { lines, error: `${cluster.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
    }
  }
  return { lines };
}

/**
 * A broker that could not be listed while others were: the clean was partial, exit 1 as for deletes a
 * broker refused (docs/errors.md); exit 3 (unreachable) only when no broker could be listed at all.
 */
function partialCode(outcome: BrokerOutcome, outcomes: readonly BrokerOutcome[]): ExitCode {
  const someListed = outcomes.some((o) => o.error === undefined || o.objects.length > 0);
  return someListed && outcome.exitCode === ExitCode.brokerUnreachable ? ExitCode.checkFailed : outcome.exitCode;
}

/** Checks all input first (exit 2), continues frozen cluster nodes, then lists (and deletes) broker by broker, then mqbench's networks. */
export async function cleanCommand(args: CleanArgs): Promise<CleanOutcome> {
  const timeoutMs = Number(parseOption(connectTimeoutRow(), args['connect-timeout']));
  const runs = runPrefixes(args.run);
  const chosen = targets(args.broker).map((plugin) => ({ plugin, url: urlOf(plugin, args as unknown as Record<string, unknown>) }));
  const clusters = await resumeClusters(chosen.map((c) => c.plugin), args['dry-run']);
  const outcomes: BrokerOutcome[] = [];
  for (const { plugin, url } of chosen) outcomes.push(await cleanOne(plugin, url, args, runs, timeoutMs));
  // per-node networks belong to no broker and no run: cleaned when neither --broker nor --run narrows the clean
  const networks = args.broker === undefined && args.run === undefined ? await cleanNetworks({ dryRun: args['dry-run'], force: args.force }) : { lines: [] };
  const extraErrors = [clusters.error, networks.error].flatMap((error) => (error ? [error] : []));
  const errors = [...outcomes.flatMap((o) => (o.error ? [o.error] : [])), ...extraErrors];
  const exitCodes = [...outcomes.map((o) => partialCode(o, outcomes)), extraErrors.length > 0 ? ExitCode.checkFailed : ExitCode.ok];
  const exitCode = exitCodes.reduce<ExitCode>((worst, code) => (code > worst ? code : worst), ExitCode.ok);
  const text = withLines(withLines(render(outcomes, args), 'clusters', clusters.lines, args.json), 'networks', networks.lines, args.json);
  return { text, errors, exitCode };
}

/**
 * For `bench run`: the objects earlier runs left on the broker at `url` (in-use ones are a run going
 * on now, not leftovers). Never throws: [] on any problem or after `budgetMs`. Some brokers answer in
 * tens of ms, others need an external tool that takes seconds to start: run it alongside, not before.
 */
export async function leftoversOf(plugin: BrokerPlugin, url: string, budgetMs = 3_000): Promise<LeftoverObject[]> {
  const cleaner = plugin.clean;
  if (!cleaner) return [];
  // caught here, not only after the race: a listing that fails after the budget must not go unhandled
  const listing = cleaner
    .list(url, Math.min(1_000, budgetMs))
    .then((found) => withRunsInUse(found).filter((o) => !o.inUse))
    .catch(() => []);
  return withTimeout(listing, budgetMs, () => new Error('too slow')).catch(() => []);
}
