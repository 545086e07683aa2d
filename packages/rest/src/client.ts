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

/** The call did not get an answer: the peer is down, unreachable, or too slow. */
export class PeerUnreachableError extends SluiceError {
  readonly url: string;

  constructor(url: string, message: string, cause?: unknown) {
    super('SLUICE_PEER_UNREACHABLE', message, { cause, retriable: true });
    this.url = url;
  }
}

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
      const sent = send(
        target,
        {
          method: init.method,
          headers,
          ...(target.protocol === 'https:' ? this.#options.tls : {}),
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            if (size > limit) {
              response.destroy(
                new PeerUnreachableError(url, `the answer from ${url} is larger than ${limit} bytes`),
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
          response.on('error', (error) => reject(unreachable(url, error)));
        },
      );
      sent.on('timeout', () =>
        sent.destroy(new PeerUnreachableError(url, `no answer from ${url} within ${timeoutMs} ms`)),
      );
      sent.on('error', (error) => reject(unreachable(url, error)));
      sent.end(init.body === undefined ? undefined : Buffer.from(init.body));
    });
  }
}

function unreachable(url: string, error: Error): PeerUnreachableError {
  if (error instanceof PeerUnreachableError) return error;
  return new PeerUnreachableError(url, `IO Error trying to forward REST request: ${error.message}`, error);
}
