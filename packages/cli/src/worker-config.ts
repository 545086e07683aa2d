import { ConfigError } from '@sluice/errors';
import {
  INTERNAL_REQUEST_SETTING_NAMES,
  resolveInternalRequestSettings,
  type InternalRequestSettings,
} from '@sluice/protocol';
import { WORKER_PROTOCOLS, type WorkerProtocolName } from '@sluice/coordinator';
import { parseAllowedHost, parseListeners, type Listener } from '@sluice/rest';
import { int, list, oneOf, text, type Parse } from '@sluice/settings';
import { hostedProxyProperties, resolveRestProxyConfig, type RestProxyConfig } from '@sluice/rest-proxy';
import { BASIC_AUTH_EXTENSION, jaasConfigPath } from './rest-auth.js';

export interface InternalTopic {
  name: string;
  replicationFactor: number;
  partitions: number;
}

/** A worker's configuration after validation: every value typed and defaulted. */
export interface WorkerConfig {
  /** `embedded` when `bootstrap.servers` is not set: one worker, state under `data.dir`. */
  mode: 'embedded' | 'distributed';
  listeners: Listener[];
  advertisedHostName: string | undefined;
  advertisedPort: number | undefined;
  advertisedListener: 'http' | 'https' | undefined;
  bootstrapServers: string[];
  groupId: string | undefined;
  dataDir: string;
  configStorage: InternalTopic;
  offsetStorage: InternalTopic;
  statusStorage: InternalTopic;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  taskShutdownGracefulTimeoutMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** 0 (Sluice's default) reassigns a departed worker's work at once; > 0 holds it as Connect does. */
  scheduledRebalanceMaxDelayMs: number;
  /** How long a worker behind the leader's config offset may take to catch up (`worker.sync.timeout.ms`). */
  workerSyncTimeoutMs: number;
  /** How long a worker that could not catch up waits before it rejoins (`worker.unsync.backoff.ms`). */
  workerUnsyncBackoffMs: number;
  /**
   * The worker group protocols this worker offers, newest first (`sluice.protocol` and every older one):
   * capped at `sluice-v1`, it joins its group as a worker that knows no newer version does.
   */
  groupProtocols: WorkerProtocolName[];
  /**
   * REST authentication: the JAAS file whose `KafkaConnect` entry lists the users (`rest.basic.auth.jaas.config`,
   * or `rest.extension.classes=…BasicAuthSecurityRestExtension` with `-Djava.security.auth.login.config` in
   * `KAFKA_OPTS`, as Connect reads it); undefined without.
   */
  restBasicAuth: { jaasPath: string; from: string } | undefined;
  /** `rest.allowed.hosts`: the Host headers the REST API serves; empty serves any. */
  restAllowedHosts: string[];
  /** KIP-507: how the leader's session key is made and rotated, and how internal requests are signed. */
  internalRequests: InternalRequestSettings;
  pluginPath: string[];
  keyConverter: string;
  valueConverter: string;
  headerConverter: string;
  clientId: string | undefined;
  /**
   * The Kafka REST Proxy this worker hosts on its log (`rest.proxy.listeners` and the other `rest.proxy.*`
   * settings, Confluent's names after the prefix); undefined without `rest.proxy.listeners`.
   */
  restProxy: RestProxyConfig | undefined;
  /** Every property as given, for prefixed settings (`listeners.https.ssl.*`, `key.converter.*`, …). */
  originals: ReadonlyMap<string, string>;
  /** Kafka Connect settings this worker accepts but has no use for; the worker logs them at start. */
  ignored: string[];
}

interface Definition {
  parse: Parse;
  default?: string;
  documentation: string;
}

const DEFINITIONS: Record<string, Definition> = {
  listeners: { parse: parseListeners, default: 'http://:8083', documentation: 'Where the REST API listens.' },
  'rest.advertised.host.name': {
    parse: text,
    documentation: 'Host name other workers use to reach this one.',
  },
  'rest.advertised.port': {
    parse: int(0, 65535),
    documentation: 'Port other workers use to reach this one.',
  },
  'rest.advertised.listener': { parse: oneOf('http', 'https'), documentation: 'Listener other workers use.' },
  'rest.extension.classes': {
    parse: (value, key) => {
      const classes = list(value);
      const other = classes.find((name) => name !== BASIC_AUTH_EXTENSION);
      if (other !== undefined) {
        throw new ConfigError(
          key,
          `${key}: ${other} is a Java REST extension, which Sluice cannot load; it supports ${BASIC_AUTH_EXTENSION}`,
        );
      }
      return classes;
    },
    default: '',
    documentation: "REST extensions; Connect's basic authentication is the one supported.",
  },
  'rest.basic.auth.jaas.config': {
    parse: text,
    documentation:
      'The JAAS file of REST basic authentication (its KafkaConnect entry); setting it turns authentication on.',
  },
  'rest.allowed.hosts': {
    parse: (value, key) => {
      const hosts = list(value);
      for (const host of hosts) {
        try {
          parseAllowedHost(host);
        } catch {
          throw new ConfigError(key, `${key} must be a list of host or host:port, got '${host}'`);
        }
      }
      return hosts;
    },
    default: '',
    documentation: 'Host headers the REST API serves (against DNS rebinding); empty serves any.',
  },
  'bootstrap.servers': { parse: list, default: '', documentation: 'Kafka brokers; unset runs embedded.' },
  'group.id': { parse: text, documentation: 'The Connect cluster this worker joins (distributed mode).' },
  'client.id': { parse: text, documentation: 'Client id prefix for Kafka clients.' },
  'data.dir': { parse: text, default: './data', documentation: 'Where the embedded store keeps its data.' },
  'config.storage.topic': { parse: text, documentation: 'Topic of connector configurations.' },
  'config.storage.replication.factor': { parse: int(-1, 32767), default: '3', documentation: '' },
  'offset.storage.topic': { parse: text, documentation: 'Topic of source offsets.' },
  'offset.storage.replication.factor': { parse: int(-1, 32767), default: '3', documentation: '' },
  'offset.storage.partitions': { parse: int(1), default: '25', documentation: '' },
  'status.storage.topic': { parse: text, documentation: 'Topic of connector and task statuses.' },
  'status.storage.replication.factor': { parse: int(-1, 32767), default: '3', documentation: '' },
  'status.storage.partitions': { parse: int(1), default: '5', documentation: '' },
  'offset.flush.interval.ms': {
    parse: int(1),
    default: '60000',
    documentation: 'How often offsets are committed.',
  },
  'offset.flush.timeout.ms': {
    parse: int(1),
    default: '5000',
    documentation: 'Time allowed for one commit.',
  },
  'task.shutdown.graceful.timeout.ms': {
    parse: int(0),
    default: '5000',
    documentation: 'Time a task has to stop.',
  },
  'session.timeout.ms': { parse: int(1), default: '10000', documentation: 'Group session timeout.' },
  'heartbeat.interval.ms': { parse: int(1), default: '3000', documentation: 'Group heartbeat interval.' },
  'rebalance.timeout.ms': { parse: int(1), default: '60000', documentation: 'Time allowed for a rebalance.' },
  'scheduled.rebalance.max.delay.ms': {
    parse: int(0, 2 ** 31 - 1),
    // Connect holds a departed worker's work for 5 minutes by default; Sluice reassigns it at once.
    default: '0',
    documentation: 'How long the work of a departed worker is held for it to come back (Connect: 300000).',
  },
  'worker.sync.timeout.ms': {
    parse: int(1, 2 ** 31 - 1),
    default: '3000',
    documentation: 'How long a worker behind the leader may take to read the config topic up to it.',
  },
  'worker.unsync.backoff.ms': {
    parse: int(0, 2 ** 31 - 1),
    default: '300000',
    documentation: 'How long a worker that could not catch up with the leader waits before it rejoins.',
  },
  'connect.protocol': {
    parse: oneOf('eager', 'compatible', 'sessioned'),
    default: 'sessioned',
    documentation:
      "Connect's group protocol; Sluice always rebalances incrementally and signs internal requests.",
  },
  'sluice.protocol': {
    parse: oneOf(...WORKER_PROTOCOLS),
    default: WORKER_PROTOCOLS[0],
    documentation:
      "The newest worker group protocol this worker offers; it offers the older ones too, as Connect's connect.protocol does. sluice-v1 offers only the first version (assignment without plugin lists), as a worker that knows no newer one: for a rollback to a release that speaks only it.",
  },
  'exactly.once.source.support': {
    parse: (value, key) => {
      const v = oneOf('disabled', 'enabled', 'preparing')(value, key);
      if (v !== 'disabled') {
        throw new ConfigError(
          key,
          `${key}=${value} is not supported by Sluice yet (exactly-once source is KIP-618)`,
        );
      }
      return v;
    },
    default: 'disabled',
    documentation: 'Exactly-once support for source connectors (KIP-618); only disabled.',
  },
  'plugin.path': { parse: list, default: '', documentation: 'Directories of connector packages.' },
  'key.converter': { parse: text, default: 'org.apache.kafka.connect.json.JsonConverter', documentation: '' },
  'value.converter': {
    parse: text,
    default: 'org.apache.kafka.connect.json.JsonConverter',
    documentation: '',
  },
  'header.converter': {
    parse: text,
    default: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
    documentation: '',
  },
};

/**
 * Kafka Connect worker settings Sluice accepts and does not use (Kafka client tuning that kafkajs has no
 * equivalent for, metrics, plugin discovery…): a Connect properties file starts unchanged, and the worker
 * names them in a warning.
 */
const IGNORED = new Set([
  'metadata.max.age.ms',
  'request.timeout.ms',
  'retry.backoff.ms',
  'retry.backoff.max.ms',
  'reconnect.backoff.ms',
  'reconnect.backoff.max.ms',
  'client.dns.lookup',
  'connections.max.idle.ms',
  'receive.buffer.bytes',
  'send.buffer.bytes',
  'socket.connection.setup.timeout.ms',
  'socket.connection.setup.timeout.max.ms',
  'metric.reporters',
  'metrics.num.samples',
  'metrics.recording.level',
  'metrics.sample.window.ms',
  'auto.include.jmx.reporter',
  'plugin.discovery',
  'topic.creation.enable',
  'topic.tracking.enable',
  'topic.tracking.allow.reset',
  'connector.client.config.override.policy',
  'access.control.allow.origin',
  'access.control.allow.methods',
  'response.http.headers.config',
  'admin.listeners',
  'rest.host.name',
  'rest.port',
  'config.storage.min.insync.replicas',
  'offset.storage.min.insync.replicas',
  'status.storage.min.insync.replicas',
]);

/** Families of settings passed through to a component that validates them itself. */
const PREFIXES = [
  'listeners.https.',
  'ssl.',
  'sasl.',
  'security.protocol',
  'key.converter.',
  'value.converter.',
  'header.converter.',
  'producer.',
  'consumer.',
  'admin.',
  'config.providers',
  'config.storage.',
  'offset.storage.',
  'status.storage.',
  // The hosted REST Proxy's, checked by its own resolver below.
  'rest.proxy.',
];

/**
 * Validates worker properties once, at start. Unknown keys are errors (a typo must not pass silently);
 * every message names the key. `env` gives `KAFKA_OPTS`, where Connect's JAAS file may be named.
 */
export function resolveWorkerConfig(
  properties: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): WorkerConfig {
  const errors: ConfigError[] = [];
  const values = new Map<string, unknown>();
  const ignored: string[] = [];
  for (const [key, raw] of properties) {
    const definition = DEFINITIONS[key];
    if (definition === undefined) {
      if (IGNORED.has(key) || key.startsWith('metrics.')) ignored.push(key);
      else if (
        !PREFIXES.some((prefix) => key.startsWith(prefix)) &&
        !INTERNAL_REQUEST_SETTING_NAMES.includes(key)
      ) {
        errors.push(new ConfigError(key, `${key} is not a worker setting`));
      }
      continue;
    }
    try {
      values.set(key, definition.parse(raw, key));
    } catch (error) {
      errors.push(error as ConfigError);
    }
  }
  for (const [key, definition] of Object.entries(DEFINITIONS)) {
    if (!values.has(key) && definition.default !== undefined && !errors.some((e) => e.key === key)) {
      values.set(key, definition.parse(definition.default, key));
    }
  }

  const get = <T>(key: string) => values.get(key) as T;
  const bootstrapServers = get<string[]>('bootstrap.servers');
  const mode = bootstrapServers.length === 0 ? 'embedded' : 'distributed';
  if (mode === 'distributed') {
    for (const key of ['group.id', 'config.storage.topic', 'offset.storage.topic', 'status.storage.topic']) {
      if (!values.has(key) && !errors.some((e) => e.key === key)) {
        errors.push(new ConfigError(key, `${key} is required when bootstrap.servers is set`));
      }
    }
  }
  const listeners = get<Listener[] | undefined>('listeners');
  const advertisedListener = get<'http' | 'https' | undefined>('rest.advertised.listener');
  if (advertisedListener !== undefined && listeners?.every((l) => l.protocol !== advertisedListener)) {
    errors.push(
      new ConfigError(
        'rest.advertised.listener',
        `rest.advertised.listener is ${advertisedListener} but no listener uses it`,
      ),
    );
  }
  let internalRequests: InternalRequestSettings | undefined;
  try {
    internalRequests = resolveInternalRequestSettings(properties);
  } catch (error) {
    errors.push(error as ConfigError);
  }
  const sessionTimeout = get<number | undefined>('session.timeout.ms');
  const heartbeat = get<number | undefined>('heartbeat.interval.ms');
  if (sessionTimeout !== undefined && heartbeat !== undefined && heartbeat >= sessionTimeout) {
    errors.push(
      new ConfigError(
        'heartbeat.interval.ms',
        `heartbeat.interval.ms must be lower than session.timeout.ms (${sessionTimeout}), got ${heartbeat}`,
      ),
    );
  }
  const extensions = get<string[] | undefined>('rest.extension.classes') ?? [];
  const jaas = jaasConfigPath(get<string | undefined>('rest.basic.auth.jaas.config'), env['KAFKA_OPTS']);
  if (extensions.includes(BASIC_AUTH_EXTENSION) && jaas === undefined) {
    errors.push(
      new ConfigError(
        'rest.extension.classes',
        `rest.extension.classes names ${BASIC_AUTH_EXTENSION}, but no JAAS file is named: set rest.basic.auth.jaas.config, or -Djava.security.auth.login.config=<file> in KAFKA_OPTS`,
      ),
    );
  }
  // A JAAS file in KAFKA_OPTS alone may be for the Kafka clients (SASL): as in Connect, only the extension
  // turns REST authentication on; Sluice's own setting does too.
  const restBasicAuth =
    jaas !== undefined &&
    (extensions.includes(BASIC_AUTH_EXTENSION) || jaas.from === 'rest.basic.auth.jaas.config')
      ? { jaasPath: jaas.path, from: jaas.from }
      : undefined;
  let restProxy: RestProxyConfig | undefined;
  const proxyProperties = hostedProxyProperties(properties);
  if (proxyProperties.size > 0) {
    if (!proxyProperties.has('listeners')) {
      const given = [...proxyProperties.keys()].map((k) => `rest.proxy.${k}`).join(', ');
      errors.push(
        new ConfigError(
          'rest.proxy.listeners',
          `rest.proxy.listeners must be set to host the REST Proxy (other rest.proxy.* settings are given: ${given})`,
        ),
      );
    } else {
      try {
        restProxy = resolveRestProxyConfig(proxyProperties, { hosted: true, keyPrefix: 'rest.proxy.' });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        errors.push(error);
      }
    }
  }
  if (errors.length > 0) {
    const error = new ConfigError(errors[0]!.key, errors.map((e) => e.message).join('; '));
    throw error;
  }

  const internalTopic = (
    prefix: string,
    fallback: string,
    partitions: number | undefined,
  ): InternalTopic => ({
    name: get<string | undefined>(`${prefix}.topic`) ?? fallback,
    replicationFactor: get<number>(`${prefix}.replication.factor`),
    partitions: partitions ?? 1,
  });
  return {
    mode,
    listeners: listeners!,
    advertisedHostName: get('rest.advertised.host.name'),
    advertisedPort: get('rest.advertised.port'),
    advertisedListener,
    bootstrapServers,
    groupId: get('group.id'),
    dataDir: get('data.dir'),
    configStorage: internalTopic('config.storage', 'sluice-configs', 1),
    offsetStorage: internalTopic('offset.storage', 'sluice-offsets', get('offset.storage.partitions')),
    statusStorage: internalTopic('status.storage', 'sluice-status', get('status.storage.partitions')),
    offsetFlushIntervalMs: get('offset.flush.interval.ms'),
    offsetFlushTimeoutMs: get('offset.flush.timeout.ms'),
    taskShutdownGracefulTimeoutMs: get('task.shutdown.graceful.timeout.ms'),
    sessionTimeoutMs: get('session.timeout.ms'),
    heartbeatIntervalMs: get('heartbeat.interval.ms'),
    rebalanceTimeoutMs: get('rebalance.timeout.ms'),
    scheduledRebalanceMaxDelayMs: get('scheduled.rebalance.max.delay.ms'),
    workerSyncTimeoutMs: get('worker.sync.timeout.ms'),
    workerUnsyncBackoffMs: get('worker.unsync.backoff.ms'),
    groupProtocols: WORKER_PROTOCOLS.slice(
      WORKER_PROTOCOLS.indexOf(get<WorkerProtocolName>('sluice.protocol')),
    ),
    restBasicAuth,
    restAllowedHosts: get('rest.allowed.hosts'),
    internalRequests: internalRequests!,
    pluginPath: get('plugin.path'),
    keyConverter: get('key.converter'),
    valueConverter: get('value.converter'),
    headerConverter: get('header.converter'),
    clientId: get('client.id'),
    restProxy,
    originals: new Map(properties),
    ignored,
  };
}
