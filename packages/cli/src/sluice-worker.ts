import { hostname } from 'node:os';
import { ConfigProviders } from '@sluice/config-providers';
import { CONNECT_API_VERSION, createConnectApp } from '@sluice/connect-rest';
import {
  ConfigStore,
  everything,
  WorkerGroup,
  type ClusterRole,
  followConfigChanges,
  OffsetStore,
  PluginCatalog,
  Reconciler,
  soleWorker,
  StatusStore,
  WorkerHerder,
} from '@sluice/coordinator';
import { EmbeddedLog, KafkaLog, type AdminLog } from '@sluice/log';
import { Loggers } from '@sluice/logging';
import { PluginRegistry } from '@sluice/plugins';
import { SluiceError } from '@sluice/errors';
import { createKafka, KafkaGroupClient } from '@sluice/kafka-client';
import {
  encodePathSegment,
  listen,
  PeerClient,
  resolveHttpsOptions,
  type BoundListener,
  type ListeningServer,
} from '@sluice/rest';
import { RestProxy } from '@sluice/rest-proxy';
import { describeThreadLoss, HostedTaskRuntime, TaskHostPool } from '@sluice/worker';
import { loadJaasUsers } from './rest-auth.js';
import { SLUICE_COMMIT, SLUICE_VERSION } from './version.js';
import type { InternalTopic, WorkerConfig } from './worker-config.js';

/** How often a slow start reports what it is waiting for. */
const SLOW_START_REPORT_MS = 30_000;
/** The longest a worker in a cluster waits for its task threads to load before it joins all the same. */
const PRELOAD_WAIT_MS = 15_000;

/**
 * A Sluice worker: its log (embedded store or Kafka), the Connect state stores on it, the plugins, the
 * task host threads, the herder and the REST API.
 */
export class SluiceWorker {
  readonly config: WorkerConfig;
  readonly loggers = new Loggers();
  readonly #logger = this.loggers.get('sluice.worker');
  readonly #log: AdminLog;
  readonly #servers: ListeningServer[] = [];
  /** The Kafka REST Proxy this worker hosts (`rest.proxy.listeners`), on its log. */
  #restProxy: RestProxy | undefined;
  readonly #listeners: BoundListener[] = [];
  #reconciler: Reconciler | undefined;
  #stores: [ConfigStore, StatusStore, OffsetStore] | undefined;
  #group: WorkerGroup | undefined;
  /** How this worker calls others: task configs to the leader, forwarded REST requests. */
  #peers = new PeerClient();
  #unfollow: (() => void) | undefined;
  #runtime: HostedTaskRuntime | undefined;
  #stopped = false;
  #ready = false;
  readonly #configProviders: ConfigProviders;

  private constructor(config: WorkerConfig, log: AdminLog, configProviders: ConfigProviders) {
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
    if (https !== undefined) {
      // Other workers are called with this one's TLS trust and identity (mutual TLS when listeners ask).
      const { ca, cert, key, pfx, passphrase } = https;
      worker.#peers = new PeerClient({ tls: { ca, cert, key, pfx, passphrase } });
    }
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
        ready: () => worker.#ready && (worker.#group?.ready ?? true),
        loggers: worker.loggers,
        herder,
        peers: worker.#peers,
        cluster: () => worker.#group?.describe() ?? worker.#soleDescription(),
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
      if (config.restProxy !== undefined) {
        const proxyLogger = worker.loggers.get('sluice.rest-proxy');
        const proxyAccess = worker.loggers.get('sluice.rest-proxy.requests');
        worker.#restProxy = await RestProxy.start({
          config: config.restProxy,
          log,
          brokers: config.bootstrapServers,
          clientId: `${clientId}-rest-proxy`,
          logger: proxyLogger,
          accessLog: (line) => proxyAccess.info(line),
        });
      }
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
    // A record the stores cannot read is skipped, as Connect's backing stores skip it, and said here.
    const stored = { onError: (error: Error) => this.#logger.warn(error.message) };
    let stores: [ConfigStore, StatusStore, OffsetStore];
    try {
      stores = await Promise.all([
        track(config.configStorage.name, ConfigStore.open(log, topic(config.configStorage, 1), stored)),
        track(config.statusStorage.name, StatusStore.open(log, topic(config.statusStorage), stored)),
        track(config.offsetStorage.name, OffsetStore.open(log, topic(config.offsetStorage), stored)),
      ]);
    } finally {
      clearInterval(slow);
    }
    const [configs, statuses, offsets] = stores;
    this.#stores = stores;
    // Several workers share the topics in distributed mode: each follows what the others write.
    if (config.mode === 'distributed') await Promise.all([configs.start(), statuses.start()]);
    this.#runtime = new HostedTaskRuntime({
      pool: TaskHostPool.start({
        onThreadLost: (event) => this.#logger.error(describeThreadLoss(event)),
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
    let group: WorkerGroup | undefined;
    const reconciler = new Reconciler({
      workerId,
      configs,
      statuses,
      plugins,
      runtime: this.#runtime,
      configProviders: this.#configProviders,
      logger: this.loggers.get('sluice.herder'),
      publishTaskConfigs: async (name, taskConfigs) => {
        if (group === undefined) await configs.putTaskConfigs(name, taskConfigs);
        else await group.publishTaskConfigs(name, taskConfigs);
      },
    });
    this.#reconciler = reconciler;
    let cluster: ClusterRole;
    if (config.mode === 'embedded') {
      // The worker is its whole cluster: it leads, and runs everything the config topic has.
      cluster = soleWorker(() => this.advertisedUrl);
      const assignEverything = () =>
        void reconciler.assign(everything(configs.snapshot())).started.catch(() => undefined);
      this.#unfollow = followConfigChanges(configs, reconciler, assignEverything);
      await reconciler.assign(everything(configs.snapshot())).started;
    } else {
      // A worker in a cluster is about to be given tasks: its task threads start and load the task runners
      // before it joins. That is a second or more of CPU, which would otherwise slow the rebalance its join
      // causes, while the whole cluster's revoked work waits; the work it has keeps running meanwhile.
      await this.#runtime.preload(PRELOAD_WAIT_MS);
      group = this.#workerGroup(plugins, clientId, { configs, statuses, reconciler });
      this.#group = group;
      cluster = group;
      const joined = group;
      // Work added or removed anywhere: every worker rejoins at once, so the leader reassigns promptly.
      this.#unfollow = followConfigChanges(configs, reconciler, () => joined.requestRejoin());
      await group.start();
    }
    const herder = new WorkerHerder({
      configs,
      statuses,
      offsets,
      log,
      plugins,
      configProviders: this.#configProviders,
      cluster,
      reconciler,
      workerId,
      verifyInternalRequest:
        group === undefined ? undefined : (request) => group.verifyInternalRequest(request),
    });
    return herder;
  }

  /** This worker's membership in its Connect cluster (distributed mode). */
  #workerGroup(
    plugins: PluginRegistry,
    clientId: string,
    parts: { configs: ConfigStore; statuses: StatusStore; reconciler: Reconciler },
  ): WorkerGroup {
    const config = this.config;
    const peers = this.#peers;
    return new WorkerGroup({
      groupId: config.groupId!,
      selfUrl: this.advertisedUrl,
      sluiceVersion: SLUICE_VERSION,
      plugins: plugins.names(['source', 'sink']),
      ...parts,
      // A client of its own: a group's coordinator serves one connection's requests one at a time.
      client: new KafkaGroupClient(
        createKafka({ brokers: config.bootstrapServers, clientId: `${clientId}-group` }),
      ),
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      rebalanceTimeoutMs: config.rebalanceTimeoutMs,
      scheduledRebalanceMaxDelayMs: config.scheduledRebalanceMaxDelayMs,
      workerSyncTimeoutMs: config.workerSyncTimeoutMs,
      workerUnsyncBackoffMs: config.workerUnsyncBackoffMs,
      protocols: config.groupProtocols,
      internalRequests: config.internalRequests,
      onLease: (expiresAt) => this.#runtime?.setLease(expiresAt),
      sendTaskConfigs: async (leaderUrl, connector, body, headers) => {
        const url = new URL(
          `connectors/${encodePathSegment(connector)}/tasks`,
          leaderUrl.endsWith('/') ? leaderUrl : `${leaderUrl}/`,
        );
        const answer = await peers.request(url.href, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body,
        });
        if (answer.status >= 300) {
          throw new SluiceError(
            'SLUICE_TASK_CONFIGS_REFUSED',
            `the leader (${leaderUrl}) answered ${answer.status} to the task configs of ${connector}: ${answer.body.toString('utf8')}`,
            { retriable: true },
          );
        }
      },
      logger: this.loggers.get('sluice.group'),
    });
  }

  /** `GET /sluice/v1/cluster` of a worker that is its whole cluster. */
  #soleDescription(): Record<string, unknown> {
    const assignment = this.#reconciler?.assignment;
    return {
      groupId: null,
      url: this.advertisedUrl,
      state: this.#ready ? 'stable' : 'starting',
      generation: null,
      memberId: null,
      protocol: null,
      leader: true,
      leaderUrl: this.advertisedUrl,
      assignment: {
        connectors: [...(assignment?.connectors ?? [])].sort(),
        tasks: [...(assignment?.tasks ?? [])].sort(),
      },
      members: null,
      problem: null,
    };
  }

  /** Where the hosted REST Proxy listens (`rest.proxy.listeners`); none without one. */
  get restProxyListeners(): readonly BoundListener[] {
    return this.#restProxy?.listeners ?? [];
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
    // The REST API first, as Connect stops it before its herder: requests that would wait on a worker
    // leaving its group go to the others instead. The requests in progress finish meanwhile.
    const closing = Promise.all(this.#servers.map((server) => server.close()));
    // Leaving the group revokes everything this worker runs, then tells the others at once.
    await this.#group?.stop();
    this.#unfollow?.();
    await this.#reconciler?.stop();
    await this.#runtime?.close();
    await closing;
    await Promise.all((this.#stores ?? []).map((store) => store.close()));
    await this.#restProxy?.stop();
    await this.#log.close();
  }
}
