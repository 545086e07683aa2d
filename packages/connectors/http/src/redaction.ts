/** What messages show in place of a hidden value. */
export const HIDDEN = '[hidden]';

/** Secrets shorter than this are not searched for in messages (a one-letter password would garble them). */
const MIN_SECRET_LENGTH = 4;

/**
 * A URL for messages: without user info and fragment, and with every query parameter value hidden except
 * those in `shown` (the offset and entity name the request was made from, which the offsets REST API shows
 * anyway). An API key in the query (`?api_key=…`, perhaps resolved from a `${file:…}` variable) thus never
 * reaches a message, a status trace or the stored status.
 */
export function shownUrl(url: URL, shown: readonly string[] = []): string {
  const keep = new Set(shown.filter((value) => value !== ''));
  const base = `${url.protocol}//${url.host}${url.pathname}`;
  const query = url.search.slice(1);
  if (query === '') return base;
  const pairs = query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    if (equals < 0) return pair;
    const value = pair.slice(equals + 1);
    return keep.has(decodeQueryValue(value)) ? pair : `${pair.slice(0, equals)}=${HIDDEN}`;
  });
  return `${base}?${pairs.join('&')}`;
}

function decodeQueryValue(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Takes known secrets out of messages: the config's PASSWORD values, the values of sensitive headers and of
 * the query parameters the config sets, and the credentials derived from them at run time (`Authorization`
 * header values, an OAuth2 access token). An API may echo a key back in an error body, which a failure message
 * quotes; {@link scrub} replaces every occurrence with {@link HIDDEN} in an error, its stack and its causes.
 */
export class Redactor {
  /** Longest first, so that a secret containing another is hidden whole. */
  #secrets: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Adds a secret (ignored when shorter than four characters). */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.#secrets.includes(secret)) return;
    this.#secrets.push(secret);
    this.#secrets.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result.includes(secret)) result = result.split(secret).join(HIDDEN);
    }
    return result;
  }

  /** Hides the secrets in the message and stack of `error` and of its causes, in place; returns `error`. */
  scrub<T>(error: T): T {
    let current: unknown = error;
    // A cause chain is short; the bound only guards against a cycle.
    for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
      current.message = this.redact(current.message);
      if (current.stack !== undefined) current.stack = this.redact(current.stack);
      current = current.cause;
    }
    return error;
  }
}
