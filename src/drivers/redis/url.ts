/** mqbench's Redis URL form: redis[s]://[[user]:password@]host[:port][/db], as node-redis reads it. */

/** The Redis endpoint used when none is named. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/** What is wrong with a Redis URL the user gave, or undefined when it can be used (checked before connecting). */
export function redisUrlProblem(url: string): string | undefined {
  if (!/^rediss?:\/\/\S+$/i.test(url)) return 'must be a redis:// or rediss:// URL, e.g. redis://:password@host:6379 or rediss://user:password@host:6380/0';
  const rest = url.replace(/^rediss?:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /[/?#]/.test(rest.slice(0, at))) return "the user or password holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL a parser can read, e.g. redis://:password@host:6379';
  }
  if (!/^\/?(\d+)?$/.test(parsed.pathname)) return `the path must be a database number (e.g. /0), got "${parsed.pathname}"`;
  return undefined;
}
