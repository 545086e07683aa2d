import { hostname } from 'node:os';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { SluiceError } from '@sluice/errors';
import { EmbeddedLog, KafkaLog, type AdminLog } from '@sluice/log';
import {
  listen,
  PeerClient,
  resolveHttpsOptions,
  type BoundListener,
  type ListeningServer,
} from '@sluice/rest';
import { createRestProxyApp } from './app.js';
import type { RestProxyConfig } from './config.js';
import { ConsumerManager } from './consumers/consumer-manager.js';
import {
  InProcessGroupCoordination,
  KafkaGroupCoordination,
  type GroupCoordination,
} from './consumers/coordination.js';
import { ConsumerRegistry } from './consumers/registry.js';
import type { ProxyContext } from './context.js';
import { ProduceQueue } from './produce-queue.js';
import { TopicCache } from './topic-cache.js';

/** Where the proxy reports what it does (the worker's named logger, or the console of `sluice rest-proxy`). */
export interface RestProxyLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RestProxyOptions {
  config: RestProxyConfig;
  /**
   * The log to serve: a worker passes its own. Without one the proxy opens (and closes) its own: Kafka at
   * `bootstrap.servers`, or the embedded store under `data.dir`.
   */
  log?: AdminLog;
  /** The Kafka cluster, for the consumer groups' own connections. @default the config's `bootstrap.servers` */
  brokers?: string[];
  /** Prefix of the Kafka client ids. @default 'sluice-rest-proxy' (with `-<id>` when `id` is set) */
  clientId?: string;
  logger?: RestProxyLogger;
  /** One line per request. @default none */
  accessLog?: (line: string) => void;
}

const silent: RestProxyLogger = { info: () => undefined, warn: () => undefined };

/**
 * A running REST Proxy: its listeners, consumer instances and (when it opened it) its log. Start it alone
 * (`sluice rest-proxy`) or inside a worker on the worker's log.
 */
export class RestProxy {
  readonly config: RestProxyConfig;
  readonly #servers: ListeningServer[] = [];
  readonly #listeners: BoundListener[] = [];
  readonly #log: AdminLog;
  readonly #ownsLog: boolean;
  #consumers: ConsumerManager | undefined;
  #groups: GroupCoordination | undefined;
  #registry: ConsumerRegistry | undefined;
  #stopped = false;

  private constructor(config: RestProxyConfig, log: AdminLog, ownsLog: boolean) {
    this.config = config;
    this.#log = log;
    this.#ownsLog = ownsLog;
  }

  static async start(options: RestProxyOptions): Promise<RestProxy> {
    const { config } = options;
    // Read before anything opens, so that a bad key store fails the start naming its key.
    const https: HttpsServerOptions | undefined = config.listeners.some((l) => l.protocol === 'https')
      ? resolveHttpsOptions(config.originals)
      : undefined;
    const clientId = options.clientId ?? `sluice-rest-proxy${config.id === '' ? '' : `-${config.id}`}`;
    const brokers = options.brokers ?? config.bootstrapServers;
    const log =
      options.log ??
      (brokers.length > 0
        ? await KafkaLog.open({
            brokers,
            clientId,
            producer: { acks: config.producer.acks, compression: config.producer.compressionType },
          })
        : await EmbeddedLog.open({ dataDir: config.dataDir }));
    const proxy = new RestProxy(config, log, options.log === undefined);
    try {
      await proxy.#start(options, https, brokers, clientId);
    } catch (error) {
      await proxy.stop();
      throw error;
    }
    return proxy;
  }

  async #start(
    options: RestProxyOptions,
    https: HttpsServerOptions | undefined,
    brokers: string[],
    clientId: string,
  ): Promise<void> {
    const { config } = this;
    const logger = options.logger ?? silent;
    const log = this.#log;
    if (log.backend === 'kafka') {
      if (brokers.length === 0) {
        throw new SluiceError(
          'SLUICE_CONFIG_INVALID',
          'a REST Proxy on a Kafka log needs the bootstrap servers of its groups',
        );
      }
      this.#groups = new KafkaGroupCoordination(brokers, clientId, log);
      this.#registry = await ConsumerRegistry.open(
        log,
        config.registryTopic,
        config.registryReplicationFactor,
      );
    } else {
      this.#groups = new InProcessGroupCoordination(log);
    }
    this.#consumers = new ConsumerManager({
      log,
      groups: this.#groups,
      config,
      registry: this.#registry,
      warn: (message) => logger.warn(message),
    });
    const { ca, cert, key, pfx, passphrase } = https ?? {};
    const context: ProxyContext = {
      config,
      log,
      clusterId: await log.clusterId(),
      producer: new ProduceQueue(log),
      topics: new TopicCache(log),
      consumers: this.#consumers,
      groups: this.#groups,
      peers: new PeerClient(https === undefined ? {} : { tls: { ca, cert, key, pfx, passphrase } }),
      selfUrl: () => this.url,
    };
    const app = createRestProxyApp(
      context,
      options.accessLog === undefined ? {} : { accessLog: options.accessLog },
    );
    for (const listener of config.listeners) {
      const server = await listen(app.fetch, listener, https);
      this.#servers.push(server);
      this.#listeners.push(server.listener);
    }
    for (const note of config.notes) logger.warn(note);
    if (config.ignored.length > 0) {
      logger.warn(`these REST Proxy settings are accepted and not used: ${config.ignored.join(', ')}`);
    }
    logger.info(`REST Proxy on ${this.#listeners.map((l) => l.url).join(', ')} (${log.backend} log)`);
  }

  /** Where the proxy listens, in the order of `listeners`. */
  get listeners(): readonly BoundListener[] {
    return this.#listeners;
  }

  /**
   * This instance's own URL, which other instances forward requests for its consumers to: its first
   * advertised listener, else its first listener with `host.name` (or the machine's name for every interface).
   */
  get url(): string {
    const advertised = this.config.advertisedListeners[0];
    if (advertised !== undefined) return advertised.origin;
    const listener = this.#listeners[0];
    if (listener === undefined) return '';
    const every = listener.host === '' || listener.host === '0.0.0.0' || listener.host === '::';
    const host = this.config.hostName ?? (every ? hostname() : listener.host);
    return `${listener.protocol}://${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
  }

  /** Stops listening, deletes the consumer instances (leaving their groups), and closes what it opened. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.#servers.map((server) => server.close()));
    await this.#consumers?.close();
    await this.#registry?.close();
    await this.#groups?.close();
    if (this.#ownsLog) await this.#log.close();
  }
}
