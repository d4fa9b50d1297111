/** Running the brokers' Java tools, fetched into brokers/tools/lib on first use (or by `npm run fetch:tools`). */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ExitCode, MqbenchError, UsageError } from '../../errors.js';
import { repoRoot } from '../../util/paths.js';
import { redactSecretsIn } from '../../util/redact.js';

export const toolsDir = join(repoRoot, 'brokers', 'tools');
const libDir = join(toolsDir, 'lib');
const execFileAsync = promisify(execFile);

/** The file name of the jar in brokers/tools/lib whose name starts with `prefix`, if there is one. */
export function jarNamed(prefix: string): string | undefined {
  return existsSync(libDir) ? readdirSync(libDir).find((name) => name.startsWith(prefix) && name.endsWith('.jar')) : undefined;
}

/** Fetches the tools of brokers/tools/pom.xml from Maven Central into brokers/tools/lib (`npm run fetch:tools`). */
async function fetchTools(): Promise<void> {
  await execFileAsync('mvn', ['-q', '-B', '-f', join(toolsDir, 'pom.xml'), 'dependency:copy-dependencies'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The tool's jar, fetched from Maven Central on first use as `bench run` fetches Kafka's jars (a fresh
 * clone said "run `npm run fetch:tools`" where `bench run` fetched by itself). Maven missing or
 * failing: one line, exit 3. A tool that is not on Maven Central: its own hint, exit 2.
 */
export async function ensureJar(prefix: string, obtainHint: string | undefined, log: (line: string) => void, fetch: () => Promise<void> = fetchTools): Promise<void> {
  if (jarNamed(prefix) !== undefined) return;
  if (obtainHint !== undefined) throw new UsageError(`no ${prefix}*.jar in brokers/tools/lib: ${obtainHint}`);
  log('fetching the brokers\' benchmark tools from Maven Central (mvn -f brokers/tools/pom.xml) ...');
  try {
    await fetch();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'mvn is not installed' : 'mvn failed';
    throw new MqbenchError(`cannot fetch the brokers' benchmark tools: ${reason} (run \`npm run fetch:tools\` to see why)`, ExitCode.brokerUnreachable);
  }
  if (jarNamed(prefix) === undefined) throw new MqbenchError(`mvn ran but no ${prefix}*.jar is in brokers/tools/lib`, ExitCode.brokerUnreachable);
}

/** Exit 3: something the machine needs is not there. */
export async function checkJava(): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn('java', ['-version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  if (!ok) throw new MqbenchError('java not found: calibrate runs the brokers\' own Java tools; install a JDK 17+ (e.g. apt-get install openjdk-17-jre-headless)', ExitCode.brokerUnreachable);
}

/**
 * A broker URL a tool reads from its environment: on its command line, `ps` would show the password
 * to every user of the machine for the whole run; a process's environment only its own user (and
 * root) can read.
 */
export interface UrlFromEnvironment {
  /** the tool's option for the URL: the recorded command shows `<flag> <url>`, as a user would type it */
  flag: string;
  /** the variables that carry it, and any the tool needs to look them up */
  env: Readonly<Record<string, string>>;
}

export interface JavaRun {
  /** the broker URLs among the arguments or in `fromEnvironment`, never shown: <url> in the command, secrets masked in errors */
  urls?: readonly string[];
  fromEnvironment?: UrlFromEnvironment;
}

/** Runs `java -jar` on the executable jar in brokers/tools/lib whose name starts with `prefix`. */
export function runJavaJar(prefix: string, args: readonly string[], timeoutMs: number, run: JavaRun = {}): Promise<JavaOutput> {
  const jar = jarNamed(prefix);
  if (jar === undefined) return Promise.reject(new Error(`no ${prefix}*.jar in brokers/tools/lib`));
  return runJvm(['-jar', join(libDir, jar), ...args], `java -jar brokers/tools/lib/${jar} ${typedArgs(args, run)}`, jar, timeoutMs, run);
}

export interface JavaOutput {
  stdout: string;
  stderr: string;
  /** the command line as a user would type it, each of the tool's URLs shown as <url> */
  command: string;
}

/** Runs a tool's main class; rejects with its last stderr line on failure or when it overruns. */
export function runJava(mainClass: string, args: readonly string[], timeoutMs: number, run: JavaRun = {}): Promise<JavaOutput> {
  // logback.xml: without it the Kafka clients log every DEBUG line to stdout, slowing the tool measured
  const jvm = [`-Dlogback.configurationFile=${join(toolsDir, 'logback.xml')}`, '-cp', `${join(libDir, '*')}`, mainClass, ...args];
  const command = `java -cp 'brokers/tools/lib/*' ${mainClass} ${typedArgs(args, run)}`;
  return runJvm(jvm, command, mainClass.split('.').pop() ?? mainClass, timeoutMs, run);
}

/** The arguments as a user would type them: the URL the tool reads from its environment in front, as <url>. */
function typedArgs(args: readonly string[], run: JavaRun): string {
  return (run.fromEnvironment ? [run.fromEnvironment.flag, '<url>', ...args] : args).join(' ');
}

/**
 * The child's environment: ours, and the variables that carry its URL. Java decodes its environment
 * in the locale's charset; under C or POSIX a non-ASCII password would arrive as '?', so such a
 * value gets a UTF-8 locale (unless one is set already).
 */
export function toolEnvironment(fromEnvironment: UrlFromEnvironment | undefined, inherited: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!fromEnvironment) return inherited;
  const values = Object.values(fromEnvironment.env);
  const locale = inherited.LC_ALL || inherited.LC_CTYPE || inherited.LANG || '';
  const needsUtf8 = values.some((value) => /[^\x00-\x7f]/.test(value)) && !/utf-?8/i.test(locale);
  return { ...inherited, ...fromEnvironment.env, ...(needsUtf8 && { LC_ALL: 'C.UTF-8' }) };
}

function runJvm(jvm: readonly string[], typed: string, toolName: string, timeoutMs: number, run: JavaRun): Promise<JavaOutput> {
  const urls = run.urls ?? [];
  const command = urls.reduce((text, url) => text.split(url).join('<url>'), typed);
  return new Promise((resolve, reject) => {
    const child = spawn('java', jvm, { stdio: ['ignore', 'pipe', 'pipe'], env: toolEnvironment(run.fromEnvironment) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr, command });
      const why = signal === 'SIGKILL' ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : `exited with ${code ?? signal}`;
      // the tool's last output line may echo its URL, credentials included
      reject(new Error(redactSecretsIn(`${toolName} ${why}: ${lastLine(stderr) || lastLine(stdout)}`, urls)));
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
