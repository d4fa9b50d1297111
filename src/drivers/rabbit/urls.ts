import amqp from 'amqplib';
import { splitUrlCredentials } from '../../util/url-credentials.js';

/**
 * A cluster's nodes as one endpoint: `amqp://u:p@h1:5701,amqp://u:p@h2:5702` or, shorter,
 * `amqp://u:p@h1:5701,h2:5702` (later addresses take the first one's scheme, credentials and vhost).
 */
export function rabbitUrlList(url: string): string[] {
  // split only where a node follows (a URL, or host:port): a comma inside a password stays put
  const parts = url.split(/,(?=\s*(?:amqps?:\/\/|[^,@/:]+:\d+))/i).map((part) => part.trim()).filter((part) => part !== '');
  const first = parts[0] ?? url;
  const match = /^(amqps?:\/\/)([^@/]*@)?([^/]*)(\/.*)?$/i.exec(first);
  if (!match) return parts;
  const [, scheme = 'amqp://', userInfo = '', , path = ''] = match;
  return parts.map((part, index) => (index === 0 || /^amqps?:\/\//i.test(part) ? part : `${scheme}${userInfo}${part}${path}`));
}

/** host:port of one node's URL, for events and errors (never its credentials). */
export function nodeAddressOf(url: string): string {
  const match = /^amqps?:\/\/(?:[^@/]*@)?([^/?#]*)/i.exec(url);
  return match?.[1] ?? 'the node';
}

/** What amqplib.connect takes for one node: the URL without its user info, and the login apart. */
export interface AmqpTarget {
  url: string;
  /** socket options: the SASL PLAIN login, when the URL names a user */
  socketOptions: { credentials?: ReturnType<typeof amqp.credentials.plain> };
}

/**
 * amqplib decodes a URL's user and password with unescape(), byte by byte as Latin-1: a password
 * percent-encoded as UTF-8 (%C3%A4 for 'ä') reaches the broker as other characters and is refused.
 * They are decoded here (url-credentials.ts) and given as the login instead; a URL without them
 * logs in as guest, as amqplib does.
 */
export function amqpTargetOf(url: string): AmqpTarget {
  const { address, credentials } = splitUrlCredentials(url);
  if (!credentials || (credentials.username === '' && credentials.password === '')) return { url: address, socketOptions: {} };
  return { url: address, socketOptions: { credentials: amqp.credentials.plain(credentials.username, credentials.password) } };
}

/** amqplib.connect on one node's URL, the login decoded as above; `socketOptions` as amqplib takes them. */
export function connectAmqp(url: string, socketOptions: Record<string, unknown> = {}): Promise<amqp.ChannelModel> {
  const target = amqpTargetOf(url);
  return amqp.connect(target.url, { ...socketOptions, ...target.socketOptions });
}
