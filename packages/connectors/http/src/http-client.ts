import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  bareHost,
  blockedReason,
  BlockedAddressError,
  guardedLookup,
  type AddressPolicy,
  type LookupFunction,
} from './address-guard.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpClientOptions {
  /** Most time to open the connection (TCP and TLS handshake), in ms (`http.connect.timeout.ms`). */
  readonly connectTimeoutMs: number;
  /** Most time from the open connection to the end of the response, in ms (`http.request.timeout.ms`). */
  readonly requestTimeoutMs: number;
  /** Largest response body accepted, in bytes (`http.response.max.bytes`). */
  readonly maxResponseBytes: number;
  /** TLS settings for `https:` URLs (trust store, client certificate, versions); none: Node's defaults. */
  readonly tls: ConnectionOptions | null;
  readonly addressPolicy: AddressPolicy;
  /** DNS lookup before the address check. @default dns.lookup */
  readonly lookup?: Parameters<typeof guardedLookup>[1];
}

/** Why a request got no complete response. */
export type TransportFailure =
  'connect-timeout' | 'timeout' | 'network' | 'tls' | 'too-large' | 'blocked' | 'aborted';

/** A request that got no complete response; `retriable` when trying again may help (timeouts, resets). */
export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }

  get retriable(): boolean {
    return this.failure === 'connect-timeout' || this.failure === 'timeout' || this.failure === 'network';
  }
}

/**
 * One HTTP/1.1 exchange at a time with node:http(s): a fresh connection per request (so the connect timeout
 * always means the same thing and no idle pooled socket is found reset), the body collected up to a limit,
 * the destination address checked (literal hosts before connecting, names through the DNS lookup), and the
 * whole exchange aborted by a signal. Redirects are not followed: a 3xx is returned like any other status.
 */
export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #lookup: LookupFunction;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#lookup = guardedLookup(options.addressPolicy, options.lookup);
  }

  send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const { url } = request;
    const host = bareHost(url.hostname);
    const blocked = blockedReason(this.#options.addressPolicy, host);
    if (blocked !== null) return Promise.reject(new TransportError('blocked', blocked));
    if (signal?.aborted) return Promise.reject(new TransportError('aborted', 'the request was aborted'));
    const https = url.protocol === 'https:';
    const options: RequestOptions & ConnectionOptions = {
      method: request.method,
      headers: {
        ...request.headers,
        ...(request.body === undefined ? {} : { 'Content-Length': String(request.body.length) }),
      },
      lookup: this.#lookup,
      agent: false,
      ...(https ? (this.#options.tls ?? {}) : {}),
    };
    return new Promise<HttpResponse>((resolve, reject) => {
      const exchange = new Exchange(this.#options, resolve, reject);
      const req = (https ? httpsRequest : httpRequest)(url, options);
      exchange.attach(req, https, signal);
      req.end(request.body);
    });
  }
}

/** The state of one request: timers, the collected body, and settling exactly once. */
class Exchange {
  readonly #options: HttpClientOptions;
  readonly #resolve: (response: HttpResponse) => void;
  readonly #reject: (error: TransportError) => void;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;
  #destroy: (error: Error) => void = () => undefined;
  #cleanup: () => void = () => undefined;

  constructor(
    options: HttpClientOptions,
    resolve: (r: HttpResponse) => void,
    reject: (e: TransportError) => void,
  ) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  attach(req: ReturnType<typeof httpRequest>, https: boolean, signal: AbortSignal | undefined): void {
    this.#destroy = (error) => req.destroy(error);
    const onAbort = () => this.fail(new TransportError('aborted', 'the request was aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#cleanup = () => signal?.removeEventListener('abort', onAbort);
    const { connectTimeoutMs, requestTimeoutMs } = this.#options;
    this.#arm(
      connectTimeoutMs,
      () =>
        new TransportError(
          'connect-timeout',
          `no connection within ${connectTimeoutMs} ms (http.connect.timeout.ms)`,
        ),
    );
    req.on('socket', (socket: Socket) => {
      const connected = () =>
        this.#arm(
          requestTimeoutMs,
          () =>
            new TransportError(
              'timeout',
              `no complete response within ${requestTimeoutMs} ms (http.request.timeout.ms)`,
            ),
        );
      if (https) socket.once('secureConnect', connected);
      else if (socket.connecting) socket.once('connect', connected);
      else connected();
    });
    req.on('error', (error) => this.fail(classify(error)));
    req.on('response', (response) => this.#read(response));
  }

  #arm(ms: number, error: () => TransportError): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.fail(error()), ms);
  }

  #read(response: IncomingMessage): void {
    const max = this.#options.maxResponseBytes;
    const tooLarge = () =>
      new TransportError('too-large', `response body is larger than http.response.max.bytes (${max} bytes)`);
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      this.fail(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) this.fail(tooLarge());
      else chunks.push(chunk);
    });
    response.on('end', () => {
      this.#settle(() =>
        this.#resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: response.headers,
          body: Buffer.concat(chunks, size),
        }),
      );
    });
    response.on('error', (error) => this.fail(classify(error)));
    response.on('close', () => {
      if (!response.complete) {
        this.fail(new TransportError('network', 'the connection closed before the response was complete'));
      }
    });
  }

  fail(error: TransportError): void {
    this.#settle(() => {
      this.#destroy(error);
      this.#reject(error);
    });
  }

  #settle(action: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#cleanup();
    action();
  }
}

const TLS_CODE = /CERT|SSL|TLS|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED|DEPTH_ZERO|HOSTNAME|ALTNAME/;

/** A transport error from node:http's error (a TransportError we destroyed the request with stays as is). */
function classify(error: Error): TransportError {
  if (error instanceof TransportError) return error;
  if (error instanceof BlockedAddressError)
    return new TransportError('blocked', error.message, { cause: error });
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const text = code === '' ? error.message : `${error.message} (${code})`;
  if (TLS_CODE.test(code) || (code === 'EPROTO' && error.message.includes('SSL routines')))
    return new TransportError('tls', `TLS failure: ${text}`, { cause: error });
  return new TransportError('network', text, { cause: error });
}
