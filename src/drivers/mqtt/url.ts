/**
 * mqtt.js reads a URL's user info itself: it decodes %3A and then splits user from password at the
 * last ':', so a password holding ':' (raw or %3A) reaches the broker cut, and is refused. The user
 * info is read here instead (url-credentials.ts, the first ':' ends the user) and given as the
 * username and password options, the URL passed without it.
 */
import { splitUrlCredentials } from '../../util/url-credentials.js';

export interface MqttTarget {
  /** the URL without its user info */
  url: string;
  /** mqtt.js options: each present only when the URL names it */
  login: { username?: string; password?: string };
}

export function mqttTargetOf(url: string): MqttTarget {
  const { address, credentials } = splitUrlCredentials(url);
  const { username = '', password = '' } = credentials ?? {};
  return { url: address, login: { ...(username !== '' && { username }), ...(password !== '' && { password }) } };
}
