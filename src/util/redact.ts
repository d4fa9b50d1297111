/**
 * Credentials never reach a result, report or log line, whatever the URL's form: a scheme or none,
 * a comma-separated list (Kafka bootstrap servers), reserved characters left unencoded in a password
 * (`scheme://user:pa/ss@host`), which a URL parser would read as a path.
 */

const schemeOf = (url: string): string => /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';

/** The part after the last '@' of one address (its user:password dropped). */
function withoutUserInfo(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1) : address;
}

/**
 * A list of scheme URLs (a cluster's nodes: `scheme://u:p@h1:5701,scheme://u:p@h2:5702`): each item is
 * a URL of its own. Told apart from one URL whose password holds a comma by the scheme after the comma.
 */
function schemeUrlItems(url: string): string[] | undefined {
  if (!schemeOf(url)) return undefined;
  const items = url.split(/,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i);
  return items.length > 1 ? items : undefined;
}

/** Removes credentials from a URL or an address list so it can be stored in results, reports and logs. */
export function redactUrl(url: string): string {
  const items = schemeUrlItems(url);
  if (items) return items.map((item) => redactUrl(item.trim())).join(',');
  const scheme = schemeOf(url);
  const rest = url.slice(scheme.length);
  // with a scheme there is one user part (before the host); without, each listed address may carry one
  const cleaned = scheme ? withoutUserInfo(rest) : rest.split(',').map(withoutUserInfo).join(',');
  return `${scheme.toLowerCase()}${cleaned}`.replace(/\/$/, '');
}

/** The passwords (and user:password pairs) a URL or an address list carries. */
function secretsOf(url: string): string[] {
  const items = schemeUrlItems(url);
  if (items) return [...new Set(items.flatMap((item) => secretsOf(item.trim())))].sort((a, b) => b.length - a.length);
  const scheme = schemeOf(url);
  const rest = url.slice(scheme.length);
  const parts = scheme ? [rest] : rest.split(',');
  const secrets: string[] = [];
  for (const part of parts) {
    const at = part.lastIndexOf('@');
    if (at < 0) continue;
    const userInfo = part.slice(0, at);
    const colon = userInfo.indexOf(':');
    const password = colon >= 0 ? userInfo.slice(colon + 1) : userInfo;
    if (password === '') continue;
    secrets.push(userInfo, password);
    try {
      secrets.push(decodeURIComponent(password));
    } catch {
      // not percent-encoded: the raw form is enough
    }
  }
  // longest first, so a password inside user:password is replaced as a whole
  return [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/** Removes every occurrence of the URLs' passwords from free text (error messages from clients). */
export function redactSecretsIn(text: string, urls: readonly string[]): string {
  let out = text;
  for (const secret of urls.flatMap(secretsOf)) out = out.split(secret).join('***');
  return out;
}
