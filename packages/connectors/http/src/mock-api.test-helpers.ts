// Test support: a real HTTP(S) server on a free loopback port, recording every request, and a fake task context.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { OffsetStorageReader, SourceRecord, SourceTaskContext } from '@sluice/sdk';

/** One request the mock API received. */
export interface Received {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type Handler = (request: Received, response: ServerResponse, index: number) => void | Promise<void>;

/** A mock API; `handler` answers each request (the index counts from 0). */
export class MockApi {
  readonly requests: Received[];
  readonly #server: Server;
  readonly #secure: boolean;

  private constructor(server: Server, secure: boolean, requests: Received[]) {
    this.#server = server;
    this.#secure = secure;
    this.requests = requests;
  }

  static async start(handler: Handler, tls?: ServerOptions): Promise<MockApi> {
    const requests: Received[] = [];
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: Received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        requests.push(received);
        Promise.resolve(handler(received, res, requests.length - 1)).catch((error: unknown) => {
          res.statusCode = 599;
          res.end(String(error));
        });
      });
    };
    const server = tls === undefined ? createServer(listener) : createHttpsServer(tls, listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new MockApi(server, tls !== undefined, requests);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The URL of `path` on this server. */
  url(path = '/', scheme = this.#secure ? 'https' : 'http'): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  /** The path and query of each request so far. */
  paths(): string[] {
    return this.requests.map((r) => r.url);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    const closed = once(this.#server, 'close');
    this.#server.close();
    await closed;
  }
}

/** Answers with a JSON body (a value, or text sent as is). */
export function reply(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(text);
}

/**
 * A task context whose offset reader returns `committed` for partitions with that JSON, and counts reads;
 * `pause()` aborts the poll signal as the runtime does on pause, `resume()` gives a fresh one.
 */
export function fakeContext(
  props: Record<string, string>,
  committed: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): SourceTaskContext & { reads: number; pause(): void; resume(): void } {
  let polls = new AbortController();
  const context = {
    reads: 0,
    configs: () => props,
    offsetStorageReader: undefined as unknown as OffsetStorageReader,
    get pollSignal() {
      return polls.signal;
    },
    pause: () => polls.abort(),
    resume: () => {
      polls = new AbortController();
    },
  };
  context.offsetStorageReader = {
    offset: (partition) => {
      context.reads++;
      return Promise.resolve(committed.get(JSON.stringify(partition)) ?? null);
    },
    offsets: (partitions) => {
      context.reads++;
      return Promise.resolve(new Map(partitions.map((p) => [p, committed.get(JSON.stringify(p)) ?? null])));
    },
  };
  return context;
}

/** Values and offsets of records, plain (Maps as objects, bigints as numbers) for readable expectations. */
export function summary(
  records: SourceRecord[] | null,
): { value: unknown; offset: unknown; topic: string }[] {
  return (records ?? []).map((r) => ({
    value: plain(r.value),
    offset: plain(r.sourceOffset),
    topic: r.topic,
  }));
}

export function plain(value: unknown): unknown {
  if (value instanceof Map)
    return Object.fromEntries([...(value as Map<string, unknown>)].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
