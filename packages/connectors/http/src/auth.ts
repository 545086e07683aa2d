import type { HttpClient, HttpResponse } from './http-client.js';
import { TransportError } from './http-client.js';
import { JsonBodyError, parseJsonBody } from './json.js';
import { JsonPointer } from './json-pointer.js';
import { shownUrl } from './redaction.js';
import { ALWAYS_RETRIED } from './retry.js';
import type { StatusCodes } from './status-codes.js';

/** Supplies the `Authorization` header of API requests (`auth.type`). */
export interface Authenticator {
  /** The header value, or null for none. May fetch a token; throws a {@link TokenError} when that fails. */
  authorization(signal?: AbortSignal): Promise<string | null>;
  /**
   * Told that the API answered `status`: true when the credentials were dropped so that the request should be
   * sent again at once with new ones (OAuth2 on 401 or `oauth2.refresh.on.status.codes`).
   */
  renew(status: number): boolean;
  /** The credentials it sends now, to be kept out of messages. */
  secrets(): string[];
}

/** `auth.type=none`. */
export const NO_AUTH: Authenticator = {
  authorization: () => Promise.resolve(null),
  renew: () => false,
  secrets: () => [],
};

/** A fixed header: `auth.type=basic` or `bearer`. */
export class StaticAuth implements Authenticator {
  readonly #value: string;

  private constructor(value: string) {
    this.#value = value;
  }

  /** `Authorization: Basic base64(user:password)`, UTF-8 (RFC 7617). */
  static basic(user: string, password: string): StaticAuth {
    return new StaticAuth(`Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`);
  }

  static bearer(token: string): StaticAuth {
    return new StaticAuth(`Bearer ${token}`);
  }

  authorization(): Promise<string> {
    return Promise.resolve(this.#value);
  }

  renew(_status: number): boolean {
    return false;
  }

  secrets(): string[] {
    return [this.#value];
  }
}

/** A failed OAuth2 token request; `retriable` when trying again may help (timeouts, 5xx, 429). */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export interface OAuth2Settings {
  /** `oauth2.token.url`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `oauth2.token.property`: a top-level member name, or a JSON pointer when it starts with `/`. */
  readonly tokenProperty: string;
  /** `oauth2.client.scope`; empty: no scope parameter. */
  readonly scope: string;
  /** `oauth2.client.mode`: `header` (HTTP Basic client authentication) or `url` (form parameters). */
  readonly mode: 'header' | 'url';
  /** `oauth2.refresh.on.status.codes`: API statuses that make the token be fetched again. */
  readonly refreshOn: StatusCodes;
}

/** Refresh this long before `expires_in` runs out, but never more than a tenth of the token's lifetime. */
export const EXPIRY_MARGIN_MS = 30_000;

/**
 * OAuth2 client credentials grant (RFC 6749 §4.4). The token is fetched on first use, cached until shortly
 * before `expires_in` ends (forever when the server gives no `expires_in`), and dropped when the API answers
 * a refresh status. Concurrent callers share one token request.
 */
export class OAuth2ClientCredentials implements Authenticator {
  readonly #settings: OAuth2Settings;
  readonly #client: HttpClient;
  readonly #now: () => number;
  readonly #pointer: JsonPointer | null;
  #token: { value: string; refreshAt: number } | null = null;
  #pending: Promise<string> | null = null;

  constructor(settings: OAuth2Settings, client: HttpClient, now: () => number = Date.now) {
    this.#settings = settings;
    this.#client = client;
    this.#now = now;
    this.#pointer = settings.tokenProperty.startsWith('/') ? JsonPointer.parse(settings.tokenProperty) : null;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    const token = this.#token;
    if (token !== null && this.#now() < token.refreshAt) return `Bearer ${token.value}`;
    this.#pending ??= this.#fetch(signal).finally(() => {
      this.#pending = null;
    });
    return `Bearer ${await this.#pending}`;
  }

  renew(status: number): boolean {
    if (status !== 401 && !this.#settings.refreshOn.has(status)) return false;
    this.#token = null;
    return true;
  }

  secrets(): string[] {
    const { clientId, clientSecret } = this.#settings;
    const client = `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`;
    return this.#token === null ? [client] : [client, this.#token.value, `Bearer ${this.#token.value}`];
  }

  async #fetch(signal: AbortSignal | undefined): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope, mode } = this.#settings;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== '') form.set('scope', scope);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (mode === 'header') {
      headers.Authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const where = `OAuth2 token request POST ${shownUrl(new URL(tokenUrl))}`;
    const requested = this.#now();
    let response: HttpResponse;
    try {
      response = await this.#client.send(
        { method: 'POST', url: new URL(tokenUrl), headers, body: Buffer.from(form.toString(), 'utf8') },
        signal,
      );
    } catch (error) {
      if (error instanceof TransportError) {
        throw new TokenError(`${where}: ${error.message}`, error.retriable, { cause: error });
      }
      throw error;
    }
    if (response.status < 200 || response.status > 299) {
      const retriable =
        response.status >= 500 || (ALWAYS_RETRIED.includes(response.status) && response.status !== 401);
      throw new TokenError(
        `${where}: HTTP ${response.status} ${response.statusText}${snippet(response.body)}`,
        retriable,
      );
    }
    let document: unknown;
    try {
      document = parseJsonBody(response.body);
    } catch (error) {
      if (!(error instanceof JsonBodyError)) throw error;
      throw new TokenError(
        `${where}: the response is not valid JSON (${error.message})${snippet(response.body)}`,
        false,
      );
    }
    const property = this.#settings.tokenProperty;
    const value: unknown =
      this.#pointer !== null
        ? this.#pointer.get(document)
        : document instanceof Map
          ? (document as Map<unknown, unknown>).get(property)
          : undefined;
    if (typeof value !== 'string' || value === '') {
      throw new TokenError(
        `${where}: the response has no string '${property}' (oauth2.token.property)`,
        false,
      );
    }
    const expiresIn =
      document instanceof Map ? Number((document as Map<unknown, unknown>).get('expires_in')) : Number.NaN;
    const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : null;
    this.#token = {
      value,
      refreshAt:
        lifetime === null
          ? Number.POSITIVE_INFINITY
          : requested + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10),
    };
    return value;
  }
}

/** `: <the start of the body>` for error messages, or nothing for an empty body. */
export function snippet(body: Buffer, max = 200): string {
  if (body.length === 0) return '';
  const text = body.subarray(0, max).toString('utf8').replace(/\s+/g, ' ').trim();
  return `: ${text}${body.length > max ? '…' : ''}`;
}
