/**
 * mqbench's NATS URL form: nats://[user:password@|token@]host:port (one server). Credentials are
 * taken out of the URL and handed to the client as options, so no server address (which the client
 * may print in its errors) carries them.
 */
export interface NatsAddress {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

/** The NATS endpoint used when none is named. */
export const defaultNatsUrl = 'nats://127.0.0.1:4222';

/** Splits an mqbench NATS URL into the server address and the credentials. */
export function natsAddressOf(url: string): NatsAddress {
  const parsed = new URL(url.trim());
  const address: NatsAddress = { servers: [`${parsed.hostname}:${parsed.port || '4222'}`] };
  if (parsed.username === '') return address;
  // nats://token@host carries a token; nats://user:password@host a user and a password
  if (parsed.password === '') return { ...address, token: decodeURIComponent(parsed.username) };
  return { ...address, user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) };
}

/** What is wrong with a NATS URL the user gave, or undefined when it can be used (checked before connecting). */
export function natsUrlProblem(url: string): string | undefined {
  if (!/^nats:\/\/\S+$/i.test(url)) return 'must be one nats:// URL, e.g. nats://user:password@host:4222 (a server list is not supported)';
  const rest = url.replace(/^nats:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /[/?#,]/.test(rest.slice(0, at))) return "the user or password holds '/', '?', '#' or ',': percent-encode them (%2F, %3F, %23, %2C)";
  if (rest.includes(',')) return 'must be one nats:// URL (a server list is not supported)';
  try {
    new URL(url);
  } catch {
    return 'is not a URL a parser can read, e.g. nats://user:password@host:4222';
  }
  return undefined;
}
