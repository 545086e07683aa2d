import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kafkaBootstrap, runTypeScript, waitFor, type TypeScriptChild } from '@sluice/test-kit';
import { WorkerProcess, type Backend } from './helpers-rest.js';

/** How the proxy runs: `sluice rest-proxy`, or inside `sluice worker` (`rest.proxy.listeners`). */
export type ProxyHost = 'standalone' | 'worker';

/** An answer as it came over the wire. */
export interface ProxyReply {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface SendOptions {
  headers?: Record<string, string>;
  /** A string or bytes as they are; anything else as JSON. */
  body?: unknown;
}

/** The JSON of an answer, for assertions. */
export function json<T = unknown>(reply: ProxyReply): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    throw new Error(`not JSON (status ${reply.status}): ${reply.text.slice(0, 500)}`);
  }
}

/** Sends exactly these headers and body (GET bodies too, which Confluent's offsets endpoint reads). */
export function send(
  base: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<ProxyReply> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
  const headers = { ...options.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const sent = request(base + path, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** A REST Proxy process for tests: standalone or hosted by a worker, on the embedded store or the test broker. */
export class ProxyProcess {
  readonly host: ProxyHost;
  readonly backend: Backend;
  /** The proxy's URL. */
  readonly base: string;
  readonly dir: string;
  /** The hosting worker (Connect's API at `worker.base`), when hosted. */
  readonly worker: WorkerProcess | undefined;
  readonly #child: TypeScriptChild | undefined;

  private constructor(
    host: ProxyHost,
    backend: Backend,
    base: string,
    dir: string,
    worker: WorkerProcess | undefined,
    child: TypeScriptChild | undefined,
  ) {
    this.host = host;
    this.backend = backend;
    this.base = base;
    this.dir = dir;
    this.worker = worker;
    this.#child = child;
  }

  /**
   * Starts a proxy. `properties` are REST Proxy settings (Confluent's names; a hosting worker gets them with
   * `rest.proxy.` before each). The proxy listens on 127.0.0.1 and a free port.
   */
  static async start(host: ProxyHost, backend: Backend, properties: string[] = []): Promise<ProxyProcess> {
    const port = await freePort();
    const listener = `listeners=http://127.0.0.1:${port}`;
    const base = `http://127.0.0.1:${port}`;
    if (host === 'worker') {
      const worker = await WorkerProcess.create(
        backend,
        [listener, ...properties].map((line) => `rest.proxy.${line}`),
      );
      return new ProxyProcess(host, backend, base, worker.dir, worker, undefined);
    }
    const dir = mkdtempSync(join(tmpdir(), 'sluice-rest-proxy-'));
    const lines = [
      listener,
      backend === 'embedded'
        ? `data.dir=${join(dir, 'data')}`
        : `bootstrap.servers=${kafkaBootstrap().join(',')}`,
      ...properties,
    ];
    const file = join(dir, 'kafka-rest.properties');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const child = runTypeScript('test/fixtures/sluice.ts', ['rest-proxy', file]);
    try {
      await child.waitForLine((line) => line.startsWith('REST Proxy listening on'), 60_000);
    } catch (error) {
      child.process.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new ProxyProcess(host, backend, base, dir, undefined, child);
  }

  send(method: string, path: string, options: SendOptions = {}): Promise<ProxyReply> {
    return send(this.base, method, path, options);
  }

  /** Everything the process wrote to stderr (its log). */
  log(): string {
    return this.worker?.log() ?? this.#child?.stderr() ?? '';
  }

  /** Stops the process: SIGTERM (graceful: instances are deleted, groups left) or SIGKILL. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.worker !== undefined) {
      await this.worker.stop(signal);
      return;
    }
    const child = this.#child!;
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill(signal);
      await child.exited;
    }
  }

  async close(): Promise<void> {
    if (this.worker !== undefined) {
      await this.worker.close();
      return;
    }
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const V2 = 'application/vnd.kafka.v2+json';
export const BINARY = 'application/vnd.kafka.binary.v2+json';
export const JSON_V2 = 'application/vnd.kafka.json.v2+json';

/** Reads a consumer instance's records until `count` arrived (or fails after `timeoutMs`). */
export async function consume<T = Record<string, unknown>>(
  base: string,
  instancePath: string,
  accept: string,
  count: number,
  timeoutMs = 30_000,
): Promise<T[]> {
  const records: T[] = [];
  await waitFor(
    `${count} records from ${instancePath}`,
    async () => {
      const reply = await send(base, 'GET', `${instancePath}/records?timeout=1000`, { headers: { accept } });
      if (reply.status !== 200) throw new Error(`records: ${reply.status} ${reply.text}`);
      records.push(...json<T[]>(reply));
      return records.length >= count ? true : undefined;
    },
    { timeoutMs, intervalMs: 10 },
  );
  return records;
}
