import { ConfigError } from '@sluice/errors';
import { parseListeners, type Listener } from '@sluice/rest';
import { bool, int, list, oneOf, text, type Parse } from '@sluice/settings';

/** How the proxy's Kafka producer acknowledges: all in-sync replicas (-1) or the leader only (1). */
export type ProducerAcks = -1 | 1;

/** The proxy's configuration after validation: Confluent REST Proxy's property names, typed and defaulted. */
export interface RestProxyConfig {
  /** `listeners`. @default http://0.0.0.0:8082 */
  listeners: Listener[];
  /** `advertised.listeners`: the URLs other instances and clients reach this one at, one per scheme. */
  advertisedListeners: URL[];
  /** `host.name`: the host of absolute URLs in answers (`base_uri`, v3 links) when no listener is advertised. */
  hostName: string | undefined;
  /** `id`: this instance's id, in the names of consumer instances created without one. @default '' */
  id: string;
  /** `bootstrap.servers`, `host:port` (a `PLAINTEXT://` prefix is dropped); empty runs on the embedded store. */
  bootstrapServers: string[];
  /** `data.dir` (Sluice's): where a standalone proxy without Kafka keeps its embedded store. @default ./data */
  dataDir: string;
  /** `consumer.instance.timeout.ms`: an idle consumer instance is deleted after this long. @default 300000 */
  consumerInstanceTimeoutMs: number;
  /** `consumer.request.timeout.ms`: longest wait of a records request. @default 1000 */
  consumerRequestTimeoutMs: number;
  /** `consumer.request.max.bytes`: most key and value bytes one records answer carries. @default 67108864 */
  consumerRequestMaxBytes: number;
  /** `consumer.iterator.backoff.ms`: wait between polls of a consumer that found nothing. @default 50 */
  consumerIteratorBackoffMs: number;
  /** `fetch.min.bytes`: a records answer waits for this many bytes (-1: until its timeout). @default -1 */
  fetchMinBytes: number;
  /** Settings of consumer group members (`consumer.*`, Kafka's consumer names). */
  consumer: {
    /** `consumer.session.timeout.ms`. @default 45000 (Kafka's consumer) */
    sessionTimeoutMs: number;
    /** `consumer.heartbeat.interval.ms`. @default 3000 */
    heartbeatIntervalMs: number;
    /** `consumer.max.poll.interval.ms`, the group's rebalance timeout. @default 300000 */
    maxPollIntervalMs: number;
    /** `consumer.auto.commit.interval.ms`. @default 5000 */
    autoCommitIntervalMs: number;
    /** `consumer.auto.offset.reset`, for instances created without one. @default latest */
    autoOffsetReset: AutoOffsetReset;
    /** `consumer.enable.auto.commit`, for instances created without `auto.commit.enable`. @default true */
    enableAutoCommit: boolean;
  };
  /** Settings of the shared producer (`producer.*`). */
  producer: {
    /** `producer.max.request.size`: the largest produce request body. @default 1048576 */
    maxRequestSize: number;
    /** `producer.compression.type`: none or gzip (kafkajs has no other codec built in). @default none */
    compressionType: 'none' | 'gzip';
    /** `producer.acks`. @default all */
    acks: ProducerAcks;
  };
  /** `api.v2.enable` and `api.v3.enable`. @default true */
  apiV2Enabled: boolean;
  apiV3Enabled: boolean;
  /**
   * `sluice.consumer.registry.topic`: the compacted topic where instances on Kafka record which of them owns
   * each consumer instance, so that any instance can forward a request to the owner.
   * @default _sluice_rest_proxy_consumers
   */
  registryTopic: string;
  /** `sluice.consumer.registry.replication.factor`. @default -1 (the broker's default) */
  registryReplicationFactor: number;
  /** Every property as given: `ssl.*` of an https listener. */
  originals: ReadonlyMap<string, string>;
  /** Confluent settings accepted and not used; the proxy names them in a warning at start. */
  ignored: string[];
  /** Things to tell the operator at start (a schema registry URL Sluice cannot use yet). */
  notes: string[];
}

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

const urlList: Parse = (value, key) =>
  list(value).map((item) => {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError(key, `${key} must be a list of http(s)://host:port URLs, got '${item}'`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      throw new ConfigError(key, `${key} must be a list of http(s)://host:port URLs, got '${item}'`);
    }
    return url;
  });

/** `bootstrap.servers` as Confluent writes it (`PLAINTEXT://host:9092`): plaintext only, the prefix dropped. */
const bootstrapList: Parse = (value, key) =>
  list(value).map((item) => {
    const match = /^(?:([A-Za-z_]+):\/\/)?([^/]+:\d+)$/.exec(item);
    if (match === null) throw new ConfigError(key, `${key} must be a list of host:port, got '${item}'`);
    const protocol = match[1]?.toUpperCase();
    if (protocol !== undefined && protocol !== 'PLAINTEXT') {
      throw new ConfigError(
        key,
        `${key}: ${protocol} listeners are not supported by Sluice's REST Proxy yet; use a PLAINTEXT listener`,
      );
    }
    return match[2]!;
  });

interface Definition {
  parse: Parse;
  default?: string;
}

const DEFINITIONS: Record<string, Definition> = {
  listeners: { parse: parseListeners, default: 'http://0.0.0.0:8082' },
  'advertised.listeners': { parse: urlList, default: '' },
  'host.name': { parse: text, default: '' },
  id: { parse: text, default: '' },
  'bootstrap.servers': { parse: bootstrapList, default: '' },
  'data.dir': { parse: text, default: './data' },
  'consumer.instance.timeout.ms': { parse: int(1, 2 ** 31 - 1), default: '300000' },
  'consumer.request.timeout.ms': { parse: int(1, 2 ** 31 - 1), default: '1000' },
  'consumer.request.max.bytes': { parse: int(1), default: String(64 * 1024 * 1024) },
  'consumer.iterator.backoff.ms': { parse: int(1, 60_000), default: '50' },
  'fetch.min.bytes': { parse: int(-1, 10_000_000), default: '-1' },
  'consumer.session.timeout.ms': { parse: int(1, 2 ** 31 - 1), default: '45000' },
  'consumer.heartbeat.interval.ms': { parse: int(1, 2 ** 31 - 1), default: '3000' },
  'consumer.max.poll.interval.ms': { parse: int(1, 2 ** 31 - 1), default: '300000' },
  'consumer.auto.commit.interval.ms': { parse: int(0, 2 ** 31 - 1), default: '5000' },
  'consumer.auto.offset.reset': { parse: oneOf('earliest', 'latest', 'none'), default: 'latest' },
  'consumer.enable.auto.commit': { parse: bool, default: 'true' },
  'producer.max.request.size': { parse: int(1, 2 ** 31 - 1), default: '1048576' },
  'producer.compression.type': {
    parse: (value, key) => {
      const v = value.trim().toLowerCase();
      if (v === 'none' || v === 'gzip') return v;
      if (['snappy', 'lz4', 'zstd'].includes(v)) {
        throw new ConfigError(
          key,
          `${key}=${v} needs a codec the Kafka client (kafkajs) lacks; use none or gzip`,
        );
      }
      throw new ConfigError(key, `${key} must be one of none, gzip, got '${value}'`);
    },
    default: 'none',
  },
  'producer.acks': {
    parse: (value, key) => {
      const v = value.trim().toLowerCase();
      if (v === 'all' || v === '-1') return -1;
      if (v === '1') return 1;
      if (v === '0') {
        throw new ConfigError(
          key,
          `${key}=0 is not supported: the REST Proxy answers each record's offset, which acks=0 never gives`,
        );
      }
      throw new ConfigError(key, `${key} must be all, -1 or 1, got '${value}'`);
    },
    default: 'all',
  },
  'client.security.protocol': {
    parse: (value, key) => {
      const v = value.trim().toUpperCase();
      if (v !== 'PLAINTEXT') {
        throw new ConfigError(
          key,
          `${key}=${value} is not supported by Sluice's REST Proxy yet; only PLAINTEXT`,
        );
      }
      return v;
    },
  },
  'schema.registry.url': { parse: text },
  'api.v2.enable': { parse: bool, default: 'true' },
  'api.v3.enable': { parse: bool, default: 'true' },
  'sluice.consumer.registry.topic': { parse: text, default: '_sluice_rest_proxy_consumers' },
  'sluice.consumer.registry.replication.factor': { parse: int(-1, 32767), default: '-1' },
};

/** Confluent REST Proxy settings accepted and not used (Jetty, metrics, Confluent Server features…). */
const IGNORED = new Set([
  'port',
  'debug',
  'zookeeper.connect',
  'consumer.threads',
  'consumer.iterator.timeout.ms',
  'simpleconsumer.pool.size.max',
  'simpleconsumer.pool.timeout.ms',
  'producer.threads',
  'max.poll.records',
  'shutdown.graceful.ms',
  'request.logger.name',
  'compression.enable',
  'idle.timeout.ms',
  'request.timeout.ms',
  'client.timeout.ms',
  'client.init.timeout.ms',
  'client.zk.session.timeout.ms',
  'kafka.rest.resource.extension.class',
  'resource.extension.classes',
  'rest.servlet.initializor.classes',
  'websocket.servlet.initializor.classes',
  'http2.enabled',
  'hsts.header.enable',
  'use.custom.request.logging',
  'null.request.body.always.publish.empty.record',
  'streaming.connection.max.duration.ms',
  'streaming.connection.max.duration.grace.period.ms',
  'key.subject.name.strategy',
  'value.subject.name.strategy',
]);

/** Families of Confluent settings accepted and not used. */
const IGNORED_PREFIXES = [
  'metrics.',
  'metric.',
  'response.mediatype.',
  'access.control.',
  'authentication.',
  'confluent.',
  'api.endpoints.',
  'api.v3.produce.',
  'rate.limit.',
  'thread.pool.',
  'request.queue.',
  'dos.filter.',
  'listener.protocol.map',
  'kafka.rest.',
  'schema.registry.',
  'basic.auth.',
  'bearer.auth.',
];

/** What a proxy in a worker takes from the worker's log rather than from its own settings. */
const HOSTED_FIXED = new Set(['bootstrap.servers', 'data.dir', 'producer.acks', 'producer.compression.type']);

/** Kafka client overrides Sluice passes on where it has an equivalent; the others are accepted and named. */
const CLIENT_PREFIXES = ['producer.', 'consumer.', 'client.', 'admin.'];

export interface ResolveOptions {
  /**
   * The proxy runs in a worker, on the worker's log: `bootstrap.servers` and `data.dir` are the worker's and
   * may not be set here.
   */
  hosted?: boolean;
  /** Put before each key in messages: `rest.proxy.` in a worker's properties. @default '' */
  keyPrefix?: string;
}

/**
 * Validates REST Proxy properties once, at start, into a resolved config. Unknown keys are errors (a typo
 * must not pass silently), Confluent settings Sluice has no use for are accepted and reported, and every
 * message names its key.
 */
export function resolveRestProxyConfig(
  properties: ReadonlyMap<string, string>,
  options: ResolveOptions = {},
): RestProxyConfig {
  const errors: ConfigError[] = [];
  const values = new Map<string, unknown>();
  const ignored: string[] = [];
  const notes: string[] = [];
  const prefix = options.keyPrefix ?? '';
  for (const [key, raw] of properties) {
    const shown = prefix + key;
    const definition = DEFINITIONS[key];
    if (definition === undefined) {
      if (key.startsWith('ssl.')) continue; // the https listener's, read by resolveHttpsOptions
      if (
        IGNORED.has(key) ||
        IGNORED_PREFIXES.some((prefix) => key.startsWith(prefix)) ||
        CLIENT_PREFIXES.some((prefix) => key.startsWith(prefix))
      ) {
        ignored.push(shown);
      } else {
        errors.push(new ConfigError(shown, `${shown} is not a REST Proxy setting`));
      }
      continue;
    }
    if (options.hosted === true && HOSTED_FIXED.has(key)) {
      const what = key === 'bootstrap.servers' || key === 'data.dir' ? key : 'producer';
      errors.push(
        new ConfigError(
          shown,
          `${shown} cannot be set: a REST Proxy in a worker uses the worker's log (its ${what})`,
        ),
      );
      continue;
    }
    try {
      values.set(key, definition.parse(raw, shown));
    } catch (error) {
      errors.push(error as ConfigError);
    }
  }
  for (const [key, definition] of Object.entries(DEFINITIONS)) {
    if (!values.has(key) && definition.default !== undefined && !errors.some((e) => e.key === prefix + key)) {
      values.set(key, definition.parse(definition.default, prefix + key));
    }
  }
  const get = <T>(key: string) => values.get(key) as T;
  const session = get<number | undefined>('consumer.session.timeout.ms');
  const heartbeat = get<number | undefined>('consumer.heartbeat.interval.ms');
  if (session !== undefined && heartbeat !== undefined && heartbeat >= session) {
    errors.push(
      new ConfigError(
        `${prefix}consumer.heartbeat.interval.ms`,
        `${prefix}consumer.heartbeat.interval.ms must be lower than ${prefix}consumer.session.timeout.ms (${session}), got ${heartbeat}`,
      ),
    );
  }
  const listeners = get<Listener[] | undefined>('listeners');
  const advertised = get<URL[] | undefined>('advertised.listeners') ?? [];
  const schemes = new Set<string>();
  for (const url of advertised) {
    if (schemes.has(url.protocol)) {
      errors.push(
        new ConfigError(
          `${prefix}advertised.listeners`,
          `${prefix}advertised.listeners names ${url.protocol.slice(0, -1)} twice; give one URL per scheme`,
        ),
      );
    }
    schemes.add(url.protocol);
  }
  if (errors.length > 0) throw new ConfigError(errors[0]!.key, errors.map((e) => e.message).join('; '));

  const registryUrl = get<string | undefined>('schema.registry.url');
  if (registryUrl !== undefined && registryUrl !== '') {
    notes.push(
      `schema.registry.url is set, but Sluice has no schema registry client yet: Avro, Protobuf and JSON Schema ` +
        `requests are answered 422 (use the binary or json format)`,
    );
  }
  return {
    listeners: listeners!,
    advertisedListeners: advertised,
    hostName: get<string>('host.name') || undefined,
    id: get('id'),
    bootstrapServers: get('bootstrap.servers'),
    dataDir: get('data.dir'),
    consumerInstanceTimeoutMs: get('consumer.instance.timeout.ms'),
    consumerRequestTimeoutMs: get('consumer.request.timeout.ms'),
    consumerRequestMaxBytes: get('consumer.request.max.bytes'),
    consumerIteratorBackoffMs: get('consumer.iterator.backoff.ms'),
    fetchMinBytes: get('fetch.min.bytes'),
    consumer: {
      sessionTimeoutMs: get('consumer.session.timeout.ms'),
      heartbeatIntervalMs: get('consumer.heartbeat.interval.ms'),
      maxPollIntervalMs: get('consumer.max.poll.interval.ms'),
      autoCommitIntervalMs: get('consumer.auto.commit.interval.ms'),
      autoOffsetReset: get('consumer.auto.offset.reset'),
      enableAutoCommit: get('consumer.enable.auto.commit'),
    },
    producer: {
      maxRequestSize: get('producer.max.request.size'),
      compressionType: get('producer.compression.type'),
      acks: get('producer.acks'),
    },
    apiV2Enabled: get('api.v2.enable'),
    apiV3Enabled: get('api.v3.enable'),
    registryTopic: get('sluice.consumer.registry.topic'),
    registryReplicationFactor: get('sluice.consumer.registry.replication.factor'),
    originals: new Map(properties),
    ignored,
    notes,
  };
}

/** The properties of a REST Proxy hosted by a worker: its `rest.proxy.*` settings without the prefix. */
export function hostedProxyProperties(workerProperties: ReadonlyMap<string, string>): Map<string, string> {
  const properties = new Map<string, string>();
  for (const [key, value] of workerProperties) {
    if (key.startsWith('rest.proxy.')) properties.set(key.slice('rest.proxy.'.length), value);
  }
  return properties;
}
