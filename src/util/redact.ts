/** Removes credentials from a URL so it can be stored in results, reports and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    if (parsed.username) parsed.username = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

/** Removes every occurrence of the URL's password from free text (error messages from clients). */
export function redactSecretsIn(text: string, urls: readonly string[]): string {
  let out = text;
  for (const url of urls) {
    try {
      const { password } = new URL(url);
      if (password) out = out.split(decodeURIComponent(password)).join('***').split(password).join('***');
    } catch {
      // not a URL: nothing to redact
    }
  }
  return out;
}
