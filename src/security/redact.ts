/**
 * Secrets never reach a log line, an error or `--help`: a connection URL is shown without its
 * password (in the user part or a `password=` parameter), a secret value as `***`.
 */

export const REDACTED = '***';

/** `url` with any password replaced by `***`; text that is not a URL loses everything before its last `@`. */
export function redactUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // Unparsable, or no host (`user:pw@ host` reads as an odd scheme): keep the scheme and what
  // follows the last `@`, drop anything before it that may be credentials.
  if (parsed === undefined || parsed.host === '') {
    const at = url.lastIndexOf('@');
    const scheme = url.indexOf('://');
    return at < 0 ? url : `${scheme < 0 ? '' : url.slice(0, scheme + 3)}${REDACTED}${url.slice(at)}`;
  }
  if (parsed.password !== '') parsed.password = REDACTED;
  for (const name of [...parsed.searchParams.keys()]) {
    if (/pass/i.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  // URL encodes the asterisks of the user part: show them as written.
  return parsed.toString().replaceAll('%2A%2A%2A', REDACTED);
}

/** A secret's value as it may be shown: that it is set, never what it is. */
export const redactSecret = (value: string): string => (value === '' ? '(none)' : REDACTED);
