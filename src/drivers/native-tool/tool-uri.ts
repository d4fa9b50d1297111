/**
 * Broker URLs as the RabbitMQ Java tools read them. Their clients decode a URI's user info with
 * URLDecoder as US-ASCII: a password percent-encoded as UTF-8 (%C3%A4 for 'ä') becomes replacement
 * characters and is refused. A raw 'ä' is a legal URI character to java.net.URI and passes the
 * decoder unchanged, so the user info is decoded once (url-credentials.ts) and written again with
 * ASCII characters percent-encoded and the others as they are.
 */
import { splitUrlCredentials, type UrlCredentials } from '../../util/url-credentials.js';
import type { UrlFromEnvironment } from './java.js';

/** Letters, marks, digits, punctuation and symbols beyond ASCII: what java.net.URI takes raw ("other" characters). */
const rawBeyondAscii = /^[^\x00-\x7f]$/u;
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function encodeForJava(text: string): string {
  return [...text].map((char) => (rawBeyondAscii.test(char) && printable.test(char) ? char : encodeURIComponent(char))).join('');
}

/** `user:password@`, ready to follow a scheme's `//`. */
export function javaUserInfo({ username, password }: UrlCredentials): string {
  return `${encodeForJava(username)}:${encodeForJava(password)}@`;
}

/** One broker URL rewritten for a Java tool; a URL without user info is returned as it is. */
export function javaToolUri(url: string): string {
  const { address, credentials } = splitUrlCredentials(url);
  if (!credentials) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(address)?.[0] ?? '';
  return `${scheme}${javaUserInfo(credentials)}${address.slice(scheme.length)}`;
}

/**
 * RabbitMQ's Java tools (PerfTest, stream-perf-test) read any option from an environment variable
 * named after it (URIS for --uris): the URIs go there, off the command line. Under a prefix of
 * mqbench's own (the variable `prefixVariable` names it), so that the user's variables that share
 * an option's name (TIME, SIZE, RATE) are not read as options. stream-perf-test splits such a value
 * at spaces: javaUserInfo encodes them.
 */
export function urisFromEnvironment(prefixVariable: string, uris: readonly string[]): UrlFromEnvironment {
  const prefix = 'MQBENCH_TOOL_';
  return { flag: '--uris', env: { [prefixVariable]: prefix, [`${prefix}URIS`]: uris.join(',') } };
}
