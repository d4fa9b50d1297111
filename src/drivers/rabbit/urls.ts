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
