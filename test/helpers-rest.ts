import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLog, KafkaLog, type Log } from '@sluice/log';
import {
  freePort,
  kafkaBootstrap,
  runTypeScript,
  uniqueName,
  waitFor,
  type TypeScriptChild,
} from '@sluice/test-kit';

export type Backend = 'embedded' | 'kafka';

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A reply as it came over the wire: raw headers (lower-case names) and the body's text. */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Worker property lines for a backend: a data directory for the embedded store, or a broker with a group
 * and internal topics named after `id` (unique per worker). `kafka`: other brokers than the test broker,
 * and the internal topics' replicas (default 1).
 */
export function backendProperties(
  backend: Backend,
  dataDir: string,
  id = uniqueName('worker'),
  kafka: { bootstrap?: readonly string[]; replicationFactor?: number } = {},
): string[] {
  const replicas = kafka.replicationFactor ?? 1;
  return backend === 'embedded'
    ? [`data.dir=${dataDir}`]
    : [
        `bootstrap.servers=${(kafka.bootstrap ?? kafkaBootstrap()).join(',')}`,
        `group.id=${id}`,
        `config.storage.topic=${id}-configs`,
        `offset.storage.topic=${id}-offsets`,
        `status.storage.topic=${id}-status`,
        `config.storage.replication.factor=${replicas}`,
        `offset.storage.replication.factor=${replicas}`,
        `status.storage.replication.factor=${replicas}`,
        'offset.storage.partitions=3',
        'status.storage.partitions=2',
      ];
}

/** A real `sluice worker` process for REST tests, with its own data, topics and group. */
export class WorkerProcess {
  readonly base: string;
  readonly dir: string;
  readonly #properties: string;
  readonly #env: NodeJS.ProcessEnv;
  #child: TypeScriptChild | undefined;
  /** Everything the worker wrote to stderr (its log), across restarts. */
  #log = '';

  private constructor(base: string, dir: string, properties: string, env: NodeJS.ProcessEnv) {
    this.base = base;
    this.dir = dir;
    this.#properties = properties;
    this.#env = env;
  }

  /** `env`: environment variables of the worker process, besides the test's own. */
  static async create(
    backend: Backend,
    extra: string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): Promise<WorkerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-rest-'));
    const port = await freePort();
    const id = uniqueName('rest');
    const lines = [
      `listeners=http://127.0.0.1:${port}`,
      'offset.flush.interval.ms=500',
      'task.shutdown.graceful.timeout.ms=3000',
      ...backendProperties(backend, join(dir, 'data'), id),
      ...extra,
    ];
    const properties = join(dir, 'worker.properties');
    writeFileSync(properties, `${lines.join('\n')}\n`);
    const worker = new WorkerProcess(`http://127.0.0.1:${port}`, dir, properties, env);
    try {
      await worker.start();
    } catch (error) {
      await worker.close();
      throw error;
    }
    return worker;
  }

  async start(): Promise<void> {
    this.#child = runTypeScript('test/fixtures/sluice.ts', ['worker', this.#properties], this.#env);
    this.#child.process.stderr?.on('data', (chunk: string | Buffer) => (this.#log += chunk.toString()));
    await this.#child.waitForLine((line) => line.startsWith('REST API listening on'), 60_000);
  }

  /** Stops the worker: SIGTERM (graceful) or SIGKILL. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.process.exitCode !== null) return child?.process.exitCode ?? null;
    child.process.kill(signal);
    return (await child.exited).code;
  }

  stderr(): string {
    return this.#child?.stderr() ?? '';
  }

  /** The worker's whole log (stderr) so far, across restarts. */
  log(): string {
    return this.#log;
  }

  /** Lines the worker wrote to stdout. */
  stdout(): readonly string[] {
    return this.#child?.lines ?? [];
  }

  /** The worker process's resident memory (Linux), in bytes. */
  rss(): number {
    const pid = this.#child?.process.pid;
    if (pid === undefined) throw new Error('the worker is not running');
    const kib = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib) * 1024;
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    const response = await fetch(this.base + path, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }

  /**
   * Sends exactly these headers and body (fetch would add a Content-Type to a text body), for tests of
   * media types and of the response head.
   */
  async send(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer } = {},
  ): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const sent = request(this.base + path, { method, headers: options.headers ?? {} }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
        response.on('error', reject);
      });
      sent.on('error', reject);
      sent.end(options.body);
    });
  }

  /** Polls GET `path` until `accept` holds for its body. */
  async until<T>(path: string, accept: (body: T) => boolean, timeoutMs = 30_000): Promise<T> {
    let last: unknown;
    return waitFor(
      `${path} to match`,
      async () => {
        const reply = await this.call('GET', path);
        last = reply;
        return reply.status === 200 && accept(reply.body as T) ? (reply.body as T) : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    ).catch((error: unknown) => {
      // What it answered last says why it never matched (a FAILED task's trace, …).
      throw new Error(`${(error as Error).message}; the last answer: ${JSON.stringify(last)}`, {
        cause: error,
      });
    });
  }
}

/** The log a worker stored its topics in: its embedded data directory, or the test broker. */
export function openWorkerLog(backend: Backend, worker: WorkerProcess): Promise<Log> {
  return backend === 'embedded'
    ? EmbeddedLog.open({ dataDir: join(worker.dir, 'data') })
    : KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('test-reader') });
}
