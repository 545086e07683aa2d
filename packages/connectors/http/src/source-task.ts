import { setTimeout as delay } from 'node:timers/promises';
import { ConnectError, SourceRecord, SourceTask } from '@sluice/sdk';
import {
  NO_AUTH,
  OAuth2ClientCredentials,
  snippet,
  StaticAuth,
  TokenError,
  type Authenticator,
} from './auth.js';
import { parseHttpSourceConfig, type HttpSourceConfig } from './config.js';
import { HttpClient, TransportError, type HttpResponse } from './http-client.js';
import { JsonBodyError, parseJsonBody } from './json.js';
import { dataRecords, OffsetError, OffsetMode, PageError, type Position } from './offset-modes.js';
import { HTTP_SOURCE_CONFIG_DEF } from './config.js';
import { Redactor, shownUrl } from './redaction.js';
import { baseHeaders, configuredOrigin, partitionUrl, requestTarget, type RequestTarget } from './request.js';
import { isRetriableStatus, retryDelay } from './retry.js';
import { render } from './template.js';
import { StoreError, tlsOptions } from './tls.js';
import { VERSION } from './version.js';

/** Source partition keys: one partition per entity, or the `url` template when there are no entities. */
export const ENTITY_NAME_FIELD = 'entityName';
export const URL_FIELD = 'url';

/** The longest one `poll` waits for an entity's next request, so the runtime gets control back regularly. */
export const MAX_IDLE_WAIT_MS = 1000;

/**
 * The source partition of an entity (null: no `entity.names`). Without entities it is the `url` template
 * without user info and with fixed query values hidden ({@link partitionUrl}), so no key is stored with it.
 */
export function sourcePartition(
  config: Pick<HttpSourceConfig, 'url'>,
  entity: string | null,
): Record<string, string> {
  return entity === null ? { [URL_FIELD]: partitionUrl(config.url) } : { [ENTITY_NAME_FIELD]: entity };
}

interface Entity {
  readonly name: string | null;
  readonly partition: Readonly<Record<string, unknown>>;
  /** Where requests may go: url's origin (see configuredOrigin). */
  readonly origin: string;
  readonly topic: string;
  readonly mode: OffsetMode;
  position: Position;
  /** When the next request may be made (ms since the epoch). */
  dueAt: number;
}

/** Thrown inside the task when `stop`, or the runtime's pause or stop, cut a request or a wait short. */
class Stopped extends Error {}

/**
 * Polls an HTTP API for its entities, in turn: an entity whose last page had records is asked again at once,
 * one whose last page was empty (or failed) waits `request.interval.ms`. One `poll` makes at
 * most one request and returns that page's records (null when it had none, or when no entity is due within
 * {@link MAX_IDLE_WAIT_MS}). Offsets are read from the runtime once, at start; afterwards the task's own
 * positions are used, so records are never produced twice because offsets were not flushed yet. Failed
 * requests are retried inside `poll` (`max.retries`, backoff with jitter, `Retry-After`); what cannot be
 * retried, or still fails, fails the task with a `ConnectError` naming the request and the cause. A pause or a
 * stop (the context's `pollSignal`, or `stop`) cuts a request or a wait short at once: `poll` returns null and
 * the same request is made again when polling resumes.
 */
export class HttpSourceTask extends SourceTask {
  #config: HttpSourceConfig | null = null;
  #client: HttpClient | null = null;
  #auth: Authenticator = NO_AUTH;
  #headers: Readonly<Record<string, string>> = {};
  #entities: Entity[] = [];
  /** Where the round-robin over entities goes on. */
  #turn = 0;
  readonly #abort = new AbortController();
  #polling: Promise<unknown> | null = null;
  #redactor = new Redactor();

  version(): string {
    return VERSION;
  }

  async start(props: Record<string, string>): Promise<void> {
    this.#redactor = new Redactor(configSecrets(props));
    try {
      await this.#start(props);
    } catch (error) {
      throw this.#redactor.scrub(error);
    }
  }

  async #start(props: Record<string, string>): Promise<void> {
    const config = parseHttpSourceConfig(props);
    this.#config = config;
    for (const secret of derivedSecrets(config)) this.#redactor.add(secret);
    let tls = null;
    try {
      tls = config.tls === null ? null : await tlsOptions(config.tls);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      throw new ConnectError(`Invalid HTTP source configuration: ${error.message}`);
    }
    const client = new HttpClient({
      connectTimeoutMs: config.connectTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      tls,
      addressPolicy: config.addressPolicy,
    });
    this.#client = client;
    this.#auth = authenticator(config, client);
    this.#headers = baseHeaders(config);
    const names = config.entityNames.length > 0 ? config.entityNames : [null];
    const entities = names.map((name): Entity => {
      const mode = OffsetMode.of(config);
      return {
        name,
        partition: Object.freeze(sourcePartition(config, name)),
        origin: configuredOrigin(config, name ?? ''),
        topic: render(config.topicPattern, { entityName: name ?? '' }),
        mode,
        position: mode.initial(),
        dueAt: 0,
      };
    });
    // Before the partition hid its fixed query values it was the url template as is: its offset is read too,
    // so that a task started on an older store carries on where it was.
    const legacy = new Map(
      entities
        .filter((e) => e.name === null && e.partition[URL_FIELD] !== config.url)
        .map((e) => [e, Object.freeze({ [URL_FIELD]: config.url })]),
    );
    const committed = await this.context.offsetStorageReader.offsets([
      ...entities.map((e) => e.partition),
      ...legacy.values(),
    ]);
    for (const entity of entities) {
      const old = legacy.get(entity);
      const offset =
        committed.get(entity.partition) ?? (old === undefined ? null : committed.get(old)) ?? null;
      if (offset === null) continue;
      try {
        entity.position = entity.mode.restore(offset);
      } catch (error) {
        if (!(error instanceof OffsetError)) throw error;
        throw new ConnectError(
          `The committed offset ${JSON.stringify(offset, bigintText)} of source partition ${JSON.stringify(entity.partition)} does not fit ${config.offsetMode} mode: ${error.message}. Alter or reset it through the offsets REST API.`,
        );
      }
    }
    this.#entities = entities;
  }

  poll(): Promise<SourceRecord[] | null> {
    const polling = this.#poll().catch((error: unknown) => {
      if (error instanceof Stopped) return null;
      for (const secret of this.#auth.secrets()) this.#redactor.add(secret);
      throw this.#redactor.scrub(error);
    });
    this.#polling = polling;
    return polling;
  }

  async #poll(): Promise<SourceRecord[] | null> {
    const config = this.#config;
    // Stop (ours) or the runtime's pause and stop cut a request or a wait short.
    const polls = this.context.pollSignal;
    const signal = polls === undefined ? this.#abort.signal : AbortSignal.any([this.#abort.signal, polls]);
    if (config === null || signal.aborted) return null;
    const index = this.#nextEntity();
    const entity = this.#entities[index];
    if (entity === undefined) return null;
    const wait = entity.dueAt - Date.now();
    if (wait > 0) {
      await sleep(Math.min(wait, MAX_IDLE_WAIT_MS), signal);
      if (wait > MAX_IDLE_WAIT_MS) return null;
    }
    this.#turn = (index + 1) % this.#entities.length;
    const offset = entity.mode.template(entity.position);
    const target = requestTarget(config, { offset, entityName: entity.name ?? '' });
    const described = `${target.method} ${shownUrl(target.url, [offset, entity.name ?? ''])}`;
    if (target.url.origin !== entity.origin) {
      throw new ConnectError(
        `${described}: refused: the offset or next page reference points to ${target.url.origin}, not to ${entity.origin} where url points; requests, with their headers, parameters and credentials, go to url's origin only`,
      );
    }
    // Until a page with records arrives, the entity waits `request.interval.ms` before its next request;
    // while pages bring records it is asked again at once, so a backlog drains at the API's pace.
    let response: HttpResponse;
    try {
      response = await this.#send(config, target, described, signal);
    } catch (error) {
      // Cut short by a pause or a stop: asked again at once when polling resumes.
      if (!(error instanceof Stopped)) entity.dueAt = Date.now() + config.requestIntervalMs;
      throw error;
    }
    entity.dueAt = Date.now() + config.requestIntervalMs;
    let document: unknown;
    try {
      document = parseJsonBody(response.body);
    } catch (error) {
      if (!(error instanceof JsonBodyError)) throw error;
      const type = response.headers['content-type'];
      throw new ConnectError(
        `${described}: response body is not valid JSON (${error.message})${type === undefined ? '' : ` (Content-Type ${type})`}${snippet(response.body)}`,
        { cause: error },
      );
    }
    let page;
    try {
      page = entity.mode.page(entity.position, document, dataRecords(document, config.dataPointer));
    } catch (error) {
      if (!(error instanceof PageError)) throw error;
      throw new ConnectError(`${described}: ${error.message}`, { cause: error });
    }
    entity.position = page.next;
    if (page.records.length === 0) return null;
    entity.dueAt = Date.now();
    const timestamp = Date.now();
    return page.records.map(
      (record) =>
        new SourceRecord({
          sourcePartition: entity.partition,
          sourceOffset: entity.mode.sourceOffset(record.position),
          topic: entity.topic,
          value: record.value,
          timestamp,
        }),
    );
  }

  /** The entity due first; among those due alike, the next in turn. */
  #nextEntity(): number {
    let best = -1;
    let bestDue = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#entities.length; i++) {
      const index = (this.#turn + i) % this.#entities.length;
      const due = this.#entities[index]!.dueAt;
      if (due < bestDue) {
        best = index;
        bestDue = due;
      }
    }
    return best;
  }

  /** Sends a request until it succeeds, cannot be retried, or `max.retries` retries failed. */
  async #send(
    config: HttpSourceConfig,
    target: RequestTarget,
    described: string,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const body = target.body === null ? undefined : Buffer.from(target.body, 'utf8');
    let renewed = false;
    for (let retry = 0; ; retry++) {
      let status: number | null = null;
      let retryAfter: string | string[] | undefined;
      let cause: string;
      try {
        const authorization = await this.#auth.authorization(signal);
        for (const secret of this.#auth.secrets()) this.#redactor.add(secret);
        const headers =
          authorization === null ? this.#headers : { ...this.#headers, Authorization: authorization };
        const response = await this.#client!.send(
          { method: target.method, url: target.url, headers, body },
          signal,
        );
        if (response.status >= 200 && response.status <= 299) return response;
        status = response.status;
        cause = `HTTP ${status} ${response.statusText}${snippet(response.body)}`;
        // A refused token is replaced and the request made again at once, once; further refusals back off.
        if (this.#auth.renew(status) && !renewed) {
          renewed = true;
          retry--;
          continue;
        }
        if (!isRetriableStatus(config.retry, status)) {
          const redirect = status >= 300 && status <= 399 ? redirectHint(response, target.url) : '';
          throw new ConnectError(`${described}: ${cause}${redirect}`);
        }
        retryAfter = response.headers['retry-after'];
      } catch (error) {
        if (signal.aborted) throw new Stopped();
        if (error instanceof TransportError) {
          if (!error.retriable) throw new ConnectError(`${described}: ${error.message}`, { cause: error });
          cause = error.message;
        } else if (error instanceof TokenError) {
          if (!error.retriable) throw new ConnectError(error.message, { cause: error });
          cause = error.message;
        } else {
          throw error;
        }
      }
      if (retry >= config.retry.maxRetries) {
        throw new ConnectError(
          `${described}: failed after ${config.retry.maxRetries} retries (max.retries); last error: ${cause}`,
        );
      }
      await sleep(retryDelay(config.retry, retry + 1, status, retryAfter), signal);
    }
  }

  /** Cuts a running request or wait short; `poll` then returns null. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#polling?.catch(() => undefined);
  }
}

/** Waits, or throws {@link Stopped} as soon as `signal` fires. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new Stopped();
  }
}

function authenticator(config: HttpSourceConfig, client: HttpClient): Authenticator {
  const auth = config.auth;
  switch (auth.type) {
    case 'none':
      return NO_AUTH;
    case 'basic':
      return StaticAuth.basic(auth.user, auth.password);
    case 'bearer':
      return StaticAuth.bearer(auth.token);
    case 'oauth2':
      return new OAuth2ClientCredentials(auth, client);
  }
}

function redirectHint(response: HttpResponse, from: URL): string {
  let location: string | undefined;
  try {
    const header = response.headers.location;
    location = header === undefined ? undefined : shownUrl(new URL(header, from));
  } catch {
    location = undefined;
  }
  return ` (redirects are not followed${location === undefined ? '' : `; set url to the new location ${location}`})`;
}

/** The config's PASSWORD values as given (before parsing, so even an invalid config's are hidden). */
function configSecrets(props: Readonly<Record<string, string>>): string[] {
  const secrets: string[] = [];
  for (const key of HTTP_SOURCE_CONFIG_DEF.configKeys().values()) {
    const value = props[key.name];
    if (key.type === 'PASSWORD' && value !== undefined) secrets.push(value);
  }
  return secrets;
}

/**
 * Secrets the parsed config holds in pieces: each sensitive header value, the basic and bearer credentials,
 * the OAuth2 client secret, the TLS passwords, and fixed query values of url and http.request.parameters at
 * least eight characters long (an API key is often one; shorter ones are rarely secret and often appear in
 * messages for other reasons).
 */
function derivedSecrets(config: HttpSourceConfig): string[] {
  const secrets = config.sensitiveHeaders.map((header) => header.value);
  const auth = config.auth;
  if (auth.type === 'basic') secrets.push(auth.password);
  if (auth.type === 'bearer') secrets.push(auth.token);
  if (auth.type === 'oauth2') secrets.push(auth.clientSecret);
  if (config.tls !== null) {
    const { keystorePassword, keyPassword, truststorePassword } = config.tls;
    for (const password of [keystorePassword, keyPassword, truststorePassword]) {
      if (password !== null) secrets.push(password);
    }
  }
  const question = config.url.indexOf('?');
  const fixed = [
    ...(question < 0 ? [] : new URLSearchParams(config.url.slice(question + 1)).values()),
    ...config.parameters.map((parameter) => parameter.value),
  ];
  secrets.push(...fixed.filter((value) => value.length >= 8 && !value.includes('${')));
  return secrets;
}

function bigintText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
