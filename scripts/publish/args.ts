/** publish-results' command line, checked before anything runs: one line and exit 2 for bad input. */
import { UsageError } from '../../src/errors.js';
import type { DocumentName, Profile } from './cells.js';
import { tables } from './cells.js';

export interface PublishArgs {
  profile: Profile;
  repeats: number;
  fromResults?: string;
  /** --from-results: publish one commit's runs made with and without uncommitted changes (refused otherwise) */
  acceptUncommitted: boolean;
  /** a sitting folder to continue (its own plan, machine and commit) */
  resume?: string;
  only?: string[];
  brokers?: string[];
  documents: DocumentName[];
  writeTo?: string;
  dryRun: boolean;
}

const usage = 'usage: npm run publish-results -- [--quick] [--repeats N>=3] [--only table,...] [--brokers b,...] [--documents readme,notes,calibration] [--write-to dir] [--dry-run] | --resume <folder> | --from-results <folder> [--accept-uncommitted]';

/** Flags that choose what a sitting measures: a resumed sitting keeps its own plan, a folder's documents need none. */
const planFlags = ['--quick', '--only', '--brokers', '--repeats', '--dry-run'];

function listOf(flag: string, raw: string | undefined, allowed?: readonly string[]): string[] {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${flag}: needs a value (${usage})`);
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag}: needs a value (${usage})`);
  const unknown = allowed ? items.filter((i) => !allowed.includes(i)) : [];
  if (unknown.length > 0) throw new UsageError(`${flag}: unknown ${unknown.join(', ')} (known: ${allowed?.join(', ')})`);
  return items;
}

export function parseArgs(argv: readonly string[]): PublishArgs {
  const args: PublishArgs = { profile: 'full', repeats: 3, documents: ['readme', 'notes', 'calibration'], dryRun: false, acceptUncommitted: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    if (flag === '--quick') args.profile = 'quick';
    else if (flag === '--dry-run') args.dryRun = true;
    else if (flag === '--accept-uncommitted') args.acceptUncommitted = true;
    else if (flag === '--from-results') args.fromResults = listOf(flag, next())[0];
    else if (flag === '--resume') {
      if (args.resume !== undefined) throw new UsageError('--resume: one sitting at a time (given twice)');
      args.resume = listOf(flag, next())[0];
    }
    else if (flag === '--write-to') args.writeTo = listOf(flag, next())[0];
    else if (flag === '--only') args.only = listOf(flag, next(), tables.map((t) => t.id));
    else if (flag === '--brokers') args.brokers = listOf(flag, next());
    else if (flag === '--documents') args.documents = listOf(flag, next(), ['readme', 'notes', 'calibration']) as DocumentName[];
    else if (flag === '--repeats') {
      const raw = next() ?? '';
      if (!/^\d+$/.test(raw) || Number(raw) < 3 || Number(raw) > 20) throw new UsageError(`--repeats: a whole number from 3 to 20 (every published cell has at least 3 runs), got "${raw}"`);
      args.repeats = Number(raw);
    } else throw new UsageError(`unknown argument: ${flag} (${usage})`);
  }
  if (args.acceptUncommitted && !args.fromResults) throw new UsageError('--accept-uncommitted applies to --from-results only: a sitting begun clean stops when tracked files change');
  if (args.fromResults && (args.only || args.brokers || args.profile === 'quick' || args.dryRun)) throw new UsageError('--from-results measures nothing: --quick, --only, --brokers and --dry-run do not apply to it');
  if (args.resume && (args.fromResults || argv.some((a) => planFlags.includes(a)))) throw new UsageError('--resume continues a sitting as it was planned: --from-results, --quick, --only, --brokers, --repeats and --dry-run do not apply to it');
  return args;
}
