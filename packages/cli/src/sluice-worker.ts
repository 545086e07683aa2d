import { hostname } from 'node:os';
import { ConfigProviders } from '@sluice/config-providers';
import { CONNECT_API_VERSION, createConnectApp } from '@sluice/connect-rest';
import {
  ConfigStore,
  everything,
  followConfigChanges,
  OffsetStore,
  PluginCatalog,
  Reconciler,
  soleWorker,
  StatusStore,
  WorkerHerder,
} from '@sluice/coordinator';
import { EmbeddedLog, KafkaLog, type Log } from '@sluice/log';
import { Loggers } from '@sluice/logging';
import { PluginRegistry } from '@sluice/plugins';
import { listen, resolveHttpsOptions, type BoundListener, type ListeningServer } from '@sluice/rest';
import { HostedTaskRuntime, TaskHostPool } from '@sluice/worker';
import { loadJaasUsers } from './rest-auth.js';
import { SLUICE_COMMIT, SLUICE_VERSION } from './version.js';
import type { InternalTopic, WorkerConfig } from './worker-config.js';

/** How often a slow start reports what it is waiting for. */
const SLOW_START_REPORT_MS = 30_000;

/**
 * A Sluice worker: its log (embedded store or Kafka), the Connect state stores on it, the plugins, the
 * task host threads, the herder and the REST API.
 */
export class SluiceWorker {
  readonly config: WorkerConfig;
  readonly loggers = new Loggers();
  readonly #logger = this.loggers.get('sluice.worker');
  readonly #log: Log;
  readonly #servers: ListeningServer[] = [];
  readonly #listeners: BoundListener[] = [];
  #reconciler: Reconciler | undefined;
  #unfollow: (() => void) | undefined;
  #runtime: HostedTaskRuntime | undefined;
  #stopped = false;
  #ready = false;
  readonly #configProviders: ConfigProviders;

  private constructor(config: WorkerConfig, log: Log, configProviders: ConfigProviders) {
    this.config = config;
    this.#log = log;
    this.#configProviders = configProviders;
  }

  /**
   * Starts the worker. The REST API listens as soon as the log is open, before the internal topics are
   * read (as Connect's does): `GET /` answers at once, `/health` says 503 until the herder has started, and
   * `/connectors` requests wait for it.
   */
  static async start(config: WorkerConfig): Promise<SluiceWorker> {
    // Read and checked before anything starts, so a bad key store fails the start naming its key.
    const https = config.listeners.some((l) => l.protocol === 'https')
      ? resolveHttpsOptions(config.originals)
      : undefined;
    // The users are read before anything listens: a bad JAAS or users file fails the start, naming it.
    const basicAuth =
      config.restBasicAuth === undefined
        ? undefined
        : loadJaasUsers(config.restBasicAuth.jaasPath, config.restBasicAuth.from);
    const clientId = config.clientId ?? 'sluice-worker';
    // `config.providers*` are checked here too: a bad one fails the start naming its key. Warnings come
    // later, from transforms, once the worker (and its logger) exists.
    const started: { worker?: SluiceWorker } = {};
    const configProviders = ConfigProviders.fromWorkerProperties(Object.fromEntries(config.originals), {
      warn: (message) => {
        if (started.worker !== undefined) started.worker.#logger.warn(message);
      },
    });
    // Plugins load while the log connects; whichever fails, nothing is left open.
    const [loaded, opened] = await Promise.allSettled([
      PluginRegistry.load(config.pluginPath),
      config.mode === 'embedded'
        ? EmbeddedLog.open({ dataDir: config.dataDir })
        : KafkaLog.open({ brokers: config.bootstrapServers, clientId }),
    ]);
    if (loaded.status === 'rejected') {
      if (opened.status === 'fulfilled') await opened.value.close();
      throw loaded.reason;
    }
    if (opened.status === 'rejected') throw opened.reason;
    const plugins = loaded.value;
    const log = opened.value;
    const worker = new SluiceWorker(config, log, configProviders);
    started.worker = worker;
    let herderStarted: { resolve(herder: WorkerHerder): void; reject(error: unknown): void } | undefined;
    const herder = new Promise<WorkerHerder>((resolve, reject) => (herderStarted = { resolve, reject }));
    try {
      const info = {
        version: CONNECT_API_VERSION,
        commit: SLUICE_COMMIT,
        kafka_cluster_id: await log.clusterId(),
        sluice_version: SLUICE_VERSION,
      };
      const app = createConnectApp({
        info: () => info,
        ready: () => worker.#ready,
        loggers: worker.loggers,
        herder,
        catalog: new PluginCatalog(plugins, (connectorConfig) => configProviders.transform(connectorConfig)),
        ...(basicAuth === undefined ? {} : { basicAuth }),
        allowedHosts: config.restAllowedHosts,
        advertisedHosts: () => (worker.#listeners.length === 0 ? [] : [new URL(worker.advertisedUrl).host]),
      });
      for (const listener of config.listeners) {
        const server = await listen(app.fetch, listener, https);
        worker.#servers.push(server);
        worker.#listeners.push(server.listener);
      }
      worker.#logger.info(
        `REST API on ${worker.#listeners.map((l) => l.url).join(', ')}; reading the internal topics`,
      );
      if (config.ignored.length > 0) {
        worker.#logger.warn(
          `these Kafka Connect settings are accepted and not used: ${config.ignored.join(', ')}`,
        );
      }
      herderStarted!.resolve(await worker.#startHerder(plugins, clientId));
      worker.#ready = true;
      worker.#logger.info(
        `worker started (${config.mode}); REST API on ${worker.#listeners.map((l) => l.url).join(', ')}`,
      );
    } catch (error) {
      herderStarted!.reject(error);
      await worker.stop();
      throw error;
    }
    return worker;
  }

  /** The Connect state stores, the task threads and the herder, started. */
  async #startHerder(plugins: PluginRegistry, clientId: string): Promise<WorkerHerder> {
    const config = this.config;
    const log = this.#log;
    const topic = (t: InternalTopic, partitions = t.partitions) => ({
      name: t.name,
      partitions,
      replicationFactor: t.replicationFactor,
    });
    // A start that takes long says which internal topics it is still reading, every 30 s.
    const pending = new Set<string>();
    const track = <T>(name: string, opening: Promise<T>): Promise<T> => {
      pending.add(name);
      return opening.finally(() => pending.delete(name));
    };
    const slow = setInterval(
      () => this.#logger.warn(`still reading the internal topics: ${[...pending].join(', ') || 'none'}`),
      SLOW_START_REPORT_MS,
    );
    slow.unref();
    let stores: [ConfigStore, StatusStore, OffsetStore];
    try {
      stores = await Promise.all([
        track(config.configStorage.name, ConfigStore.open(log, topic(config.configStorage, 1))),
        track(config.statusStorage.name, StatusStore.open(log, topic(config.statusStorage))),
        track(config.offsetStorage.name, OffsetStore.open(log, topic(config.offsetStorage))),
      ]);
    } finally {
      clearInterval(slow);
    }
    const [configs, statuses, offsets] = stores;
    this.#runtime = new HostedTaskRuntime({
      pool: TaskHostPool.start({
        onBlocked: (event) =>
          this.#logger.error(
            `task thread ${event.thread} was blocked for ${event.blockedMs} ms by ${event.culprit ?? 'unknown code'}; it was replaced`,
          ),
      }),
      plugins,
      worker: config,
      loggers: this.loggers,
      log:
        config.mode === 'embedded'
          ? { backend: 'embedded', dataDir: config.dataDir }
          : { backend: 'kafka', brokers: config.bootstrapServers, clientId },
    });
    const workerId = () => new URL(this.advertisedUrl).host;
    const reconciler = new Reconciler({
      workerId,
      configs,
      statuses,
      plugins,
      runtime: this.#runtime,
      configProviders: this.#configProviders,
      logger: this.loggers.get('sluice.herder'),
      publishTaskConfigs: async (name, taskConfigs) => {
        await configs.putTaskConfigs(name, taskConfigs);
      },
    });
    this.#reconciler = reconciler;
    const herder = new WorkerHerder({
      configs,
      statuses,
      offsets,
      log,
      plugins,
      configProviders: this.#configProviders,
      cluster: soleWorker(() => this.advertisedUrl),
      reconciler,
      workerId,
    });
    const assignEverything = () =>
      void reconciler.assign(everything(configs.snapshot())).catch(() => undefined);
    this.#unfollow = followConfigChanges(configs, reconciler, assignEverything);
    await reconciler.assign(everything(configs.snapshot()));
    return herder;
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
    this.#unfollow?.();
    await this.#reconciler?.stop();
    await this.#runtime?.close();
    await Promise.all(this.#servers.map((server) => server.close()));
    await this.#log.close();
  }
}
