/**
 * What is wrong with any scheme://… endpoint URL, whatever the broker, checked before the plug-in's
 * own check so that the cause is named: `scheme://` names no host (a plug-in called it "not one
 * URL" of its kind), `scheme://:@` has an empty user and password (a client then silently went to
 * localhost), `scheme://…/%zz` has a '%' that starts no escape in its host, path or query (it failed later as "URI
 * malformed"; in a user or password a stray '%' is the character itself: util/url-credentials.ts).
 * Addresses without a scheme (a host:port list) are the plug-in's alone. Never echoes the URL:
 * it may carry a password.
 */
import { redactUrl } from '../util/redact.js';

const schemeUrl = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is;

interface Authority {
  /** before the last '@' ahead of the host; undefined when there is no '@' */
  userInfo: string | undefined;
  host: string;
  /** each listed URL's part after its user info: host, port, path, query */
  addresses: string[];
}

/** The user part, the host and each address of a scheme URL (or a cluster's list of them), or undefined without a scheme. */
function authorityOf(url: string): Authority | undefined {
  const rest = schemeUrl.exec(url.trim())?.[1];
  if (rest === undefined) return undefined;
  // a cluster's list (scheme://u:p@h1,scheme://u:p@h2): each item a URL of its own
  const items = rest.split(/,\s*[a-z][a-z0-9+.-]*:\/\//i);
  // the user part may hold a raw '/', '?' or '#' (the plug-ins name that problem): split at the last '@' first
  const addresses = items.map((item) => item.slice(item.lastIndexOf('@') + 1));
  const first = items[0] ?? rest;
  const at = first.lastIndexOf('@');
  return { userInfo: at >= 0 ? first.slice(0, at) : undefined, host: (addresses[0] ?? '').split(/[/?#,]/)[0] ?? '', addresses };
}

/** A '%' not followed by two hex digits: decodeURIComponent would throw, the client would misread the host, vhost or query. */
const badPercentEncoding = (text: string): boolean => /%(?![0-9a-f]{2})/i.test(text);

const namesNoHost = (host: string): boolean => host === '' || host.startsWith(':');

/**
 * One line naming what is wrong with a scheme URL, or undefined (then the plug-in's own check runs).
 * A host is required when the plug-in's own default URL names one (a test double's may not).
 */
export function endpointUrlProblem(url: string, defaultUrl: string): string | undefined {
  const authority = authorityOf(url);
  if (!authority) return undefined;
  if (authority.addresses.some(badPercentEncoding)) return "holds a '%' that is not followed by two hex digits (bad percent-encoding): write a '%' itself as %25";
  const hostRequired = !namesNoHost(authorityOf(defaultUrl)?.host ?? '');
  if (hostRequired && namesNoHost(authority.host)) return 'names no host, e.g. 127.0.0.1 after the scheme (the client would quietly use its own default)';
  if (authority.userInfo !== undefined && authority.userInfo.replace(':', '') === '') {
    return "has an empty user and password before '@': name them, or leave out the '@' to connect without";
  }
  return undefined;
}

/** The URL as an error line shows it: credentials removed; `mqtt://:@` shown as mqtt://, not as "mqtt:/". */
export function shownUrl(url: string): string {
  const redacted = redactUrl(url).slice(0, 80);
  return /^[a-z][a-z0-9+.-]*:\/$/i.test(redacted) ? `${redacted}/` : redacted;
}
