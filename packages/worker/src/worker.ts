import type { AddressInfo } from 'node:net';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import { hostname } from 'node:os';
import { serve, type ServerType } from '@hono/node-server';
import { SluiceError } from '@sluice/errors';
import { EmbeddedLog, KafkaLog, type Log } from '@sluice/log';
import type { Listener, WorkerConfig } from './config/worker-config.js';
import { Loggers } from './logging/loggers.js';
import { createRestApp } from './rest/app.js';
import { resolveHttpsOptions } from './rest/tls.js';
import { SLUICE_VERSION } from './version.js';

export interface BoundListener extends Listener {
  /** The URL clients use, with the port actually bound. */
  url: string;
}

/**
 * A Sluice worker: its log (embedded store or Kafka) and its REST API.
 * The connector runtime plugs in here as it lands.
 */
export class Worker {
  readonly config: WorkerConfig;
  readonly loggers = new Loggers();
  readonly #logger = this.loggers.get('sluice.worker');
  readonly #log: Log;
  readonly #servers: ServerType[] = [];
  readonly #listeners: BoundListener[] = [];
  #stopped = false;

  private constructor(config: WorkerConfig, log: Log) {
    this.config = config;
    this.#log = log;
  }

  static async start(config: WorkerConfig): Promise<Worker> {
    // Read and checked before anything starts, so a bad key store fails the start naming its key.
    const https = config.listeners.some((l) => l.protocol === 'https')
      ? resolveHttpsOptions(config.originals)
      : undefined;
    const log =
      config.mode === 'embedded'
        ? await EmbeddedLog.open({ dataDir: config.dataDir })
        : await KafkaLog.open({
            brokers: config.bootstrapServers,
            clientId: config.clientId ?? 'sluice-worker',
          });
    const worker = new Worker(config, log);
    try {
      const info = { version: SLUICE_VERSION, commit: 'unknown', kafka_cluster_id: await log.clusterId() };
      const app = createRestApp({ info: () => info, loggers: worker.loggers });
      for (const listener of config.listeners) await worker.#listen(app.fetch, listener, https);
      worker.#logger.info(
        `worker started (${config.mode}); REST API on ${worker.#listeners.map((l) => l.url).join(', ')}`,
      );
    } catch (error) {
      await worker.stop();
      throw error;
    }
    return worker;
  }

  /** Where the REST API listens, in the order of `listeners`. */
  get listeners(): readonly BoundListener[] {
    return this.#listeners;
  }

  /** The URL other workers reach this one at (`rest.advertised.*`); also this worker's id. */
  get advertisedUrl(): string {
    const listener =
      this.#listeners.find((l) => l.protocol === this.config.advertisedListener) ?? this.#listeners[0]!;
    const host = this.config.advertisedHostName ?? (listener.host === '' ? hostname() : listener.host);
    const port = this.config.advertisedPort ?? listener.port;
    return `${listener.protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    await this.#log.close();
  }

  async #listen(
    fetch: (request: Request) => Response | Promise<Response>,
    listener: Listener,
    https: HttpsServerOptions | undefined,
  ): Promise<void> {
    const server = await new Promise<ServerType>((resolve, reject) => {
      const created = serve(
        {
          fetch,
          port: listener.port,
          ...(listener.host === '' ? {} : { hostname: listener.host }),
          ...(listener.protocol === 'https' ? { createServer: createHttpsServer, serverOptions: https } : {}),
        },
        () => resolve(created),
      );
      created.once('error', (error: Error) =>
        reject(
          new SluiceError(
            'SLUICE_LISTEN_FAILED',
            `listeners: cannot listen on ${listener.protocol}://${listener.host}:${listener.port}: ${error.message}`,
            { cause: error },
          ),
        ),
      );
    });
    this.#servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const host =
      listener.host === '' ? 'localhost' : listener.host.includes(':') ? `[${listener.host}]` : listener.host;
    this.#listeners.push({ ...listener, port, url: `${listener.protocol}://${host}:${port}` });
  }
}
