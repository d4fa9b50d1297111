/** The rabbitmq-stream:// URL form: rabbitmq-stream://user:password@host:port/vhost (RabbitMQ's stream URI). */
import { splitUrlCredentials } from '../../util/url-credentials.js';

export interface StreamEndpoint {
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
}

export const streamDefaultPort = 5552;

/** What is wrong with a URL the user gave, or undefined (checked before connecting). */
export function streamUrlProblem(url: string): string | undefined {
  if (!/^rabbitmq-stream:\/\/\S+$/i.test(url)) return 'must be a rabbitmq-stream:// URL, e.g. rabbitmq-stream://user:password@host:5552/vhost';
  const rest = url.replace(/^rabbitmq-stream:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /[/?#]/.test(rest.slice(0, at))) return "the user or password holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)";
  try {
    new URL(url.replace(/^rabbitmq-stream:/i, 'http:'));
  } catch {
    return 'is not a valid URL (host:port/vhost)';
  }
  try {
    splitUrlCredentials(url);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

export function parseStreamUrl(url: string): StreamEndpoint {
  // the user info read once, as every broker's (url-credentials.ts); an http URL parses the same host and path
  const { address, credentials } = splitUrlCredentials(url);
  const parsed = new URL(address.replace(/^rabbitmq-stream:/i, 'http:'));
  const path = parsed.pathname.slice(1);
  return {
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? streamDefaultPort : Number(parsed.port),
    username: credentials?.username || 'guest',
    password: credentials?.password || 'guest',
    vhost: path === '' ? '/' : decodeURIComponent(path),
  };
}
