import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { SluiceError } from '@sluice/errors';

/** What a call to another worker's REST API came back with. */
export interface PeerResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How to call other workers: TLS trust and client identity for https URLs, and a time limit. */
export interface PeerClientOptions {
  /** Trusted CAs, a client certificate and key for mutual TLS (from the listener's settings). */
  tls?: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'rejectUnauthorized'>;
  /** @default 90000 (Kafka Connect's REST request timeout) */
  timeoutMs?: number;
  /** Largest response body read; more fails the call. @default 16 MiB */
  maxResponseBytes?: number;
}

/**
 * The call did not get an answer. `sent` says whether the request may have reached the peer: only one that
 * was never sent (no connection) can be sent again without the risk of doing the same thing twice.
 */
export class PeerUnreachableError extends SluiceError {
  readonly url: string;
  readonly sent: boolean;

  constructor(url: string, message: string, options: { cause?: unknown; sent: boolean }) {
    super('SLUICE_PEER_UNREACHABLE', message, { cause: options.cause, retriable: !options.sent });
    this.url = url;
    this.sent = options.sent;
  }
}

/** Methods whose request does the same when sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * A small HTTP client for requests between workers (forwarded REST requests, task configs sent to the
 * leader): node's own http and https, so a worker's TLS settings apply, and the body is sent byte for byte
 * as given (a signature over it stays valid).
 */
export class PeerClient {
  readonly #options: PeerClientOptions;

  constructor(options: PeerClientOptions = {}) {
    this.#options = options;
  }

  request(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: Uint8Array | undefined },
  ): Promise<PeerResponse> {
    const target = new URL(url);
    const timeoutMs = this.#options.timeoutMs ?? 90_000;
    const limit = this.#options.maxResponseBytes ?? 16 * 1024 * 1024;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(init.body.byteLength);
    return new Promise<PeerResponse>((resolve, reject) => {
      // Whether the connection was made: from then on the peer may have acted on the request.
      let connected = false;
      let answered = false;
      // Except on a kept-alive connection that ends before any answer: the peer most likely closed it as
      // idle as the request went out (a worker stopping closes its idle connections), and an idempotent
      // request may be sent again whatever happened (RFC 9110 §9.2.2).
      const mayResend = () => sent.reusedSocket && !answered && IDEMPOTENT.has(init.method.toUpperCase());
      const unreachable = (error: Error) =>
        error instanceof PeerUnreachableError
          ? error
          : new PeerUnreachableError(url, `IO Error trying to forward REST request: ${error.message}`, {
              cause: error,
              sent: connected && !mayResend(),
            });
      const sent = send(
        target,
        {
          method: init.method,
          headers,
          ...(target.protocol === 'https:' ? this.#options.tls : {}),
          // A kept-alive connection may be closing (the peer closes idle ones, or just died) as a request
          // goes out, and then a request that is not idempotent cannot be sent again: it gets its own.
          ...(IDEMPOTENT.has(init.method.toUpperCase()) ? {} : { agent: false }),
          timeout: timeoutMs,
        },
        (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            if (size > limit) {
              response.destroy(
                new PeerUnreachableError(url, `the answer from ${url} is larger than ${limit} bytes`, {
                  sent: true,
                }),
              );
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', (error) => reject(unreachable(error)));
        },
      );
      sent.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      sent.on('timeout', () =>
        sent.destroy(
          new PeerUnreachableError(url, `no answer from ${url} within ${timeoutMs} ms`, { sent: connected }),
        ),
      );
      sent.on('error', (error) => reject(unreachable(error)));
      sent.end(init.body === undefined ? undefined : Buffer.from(init.body));
    });
  }
}
