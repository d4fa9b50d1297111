/**
 * The user and password of a broker URL (`scheme://user:password@host...`), read once and the same
 * way for every broker: the user info is what precedes the last '@' (each broker's URL check refuses
 * a '/', '?' or '#' before it), the user ends at its first ':' (the password may hold more), and each
 * is percent-decoded as UTF-8. Clients that decode on their own get this wrong in different ways
 * (one read %C3%A4 as two Latin-1 characters, another split at the password's last ':'), so the
 * drivers hand them the decoded values instead of the URL's user info.
 */

export interface UrlCredentials {
  username: string;
  password: string;
}

export interface SplitUrl {
  /** the URL without its user info: `scheme://host:port/path?query` */
  address: string;
  /** undefined when the URL names no user info (no '@') */
  credentials?: UrlCredentials;
}

const schemePattern = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Percent-decoding as a URL's user info means it: %XX sequences are bytes, read as UTF-8; a '%' not
 * followed by two hex digits is the character itself (a password typed unencoded, "50%off"). Bytes
 * that are not UTF-8 are refused in one line: sent as replacement characters they would only fail
 * later, as a wrong password.
 */
export function percentDecodeUtf8(text: string): string {
  if (!text.includes('%')) return text;
  const escape = /^%[0-9a-f]{2}$/i;
  // the split keeps each %XX as a part of its own: a byte; the text between is UTF-8 already
  const parts = text.split(/(%[0-9a-f]{2})/i).map((part) => (escape.test(part) ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part, 'utf8')));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts));
  } catch {
    throw new Error("the URL's user or password holds percent-encoded bytes that are not UTF-8");
  }
}

/** The URL's user info, decoded, and the URL without it (see the top of this file). */
export function splitUrlCredentials(url: string): SplitUrl {
  const scheme = schemePattern.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return { address: url };
  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(':');
  const username = percentDecodeUtf8(colon >= 0 ? userInfo.slice(0, colon) : userInfo);
  const password = colon >= 0 ? percentDecodeUtf8(userInfo.slice(colon + 1)) : '';
  return { address: `${scheme}${rest.slice(at + 1)}`, credentials: { username, password } };
}
