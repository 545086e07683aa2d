import type { ConfigEntry } from '../admin-types.js';
import { InvalidTopicConfigError } from '../errors.js';

const NEVER = '9223372036854775807';

/**
 * Kafka 3.9's topic configs and their defaults (`TopicConfig`, `LogConfig`). The embedded store keeps any of
 * them on a topic and reports them as Kafka does; it acts on `cleanup.policy` only (compaction is immediate,
 * there is no retention), which the README says.
 */
export const TOPIC_CONFIG_DEFAULTS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'compression.gzip.level': '-1',
  'compression.lz4.level': '9',
  'compression.type': 'producer',
  'compression.zstd.level': '3',
  'delete.retention.ms': '86400000',
  'file.delete.delay.ms': '60000',
  'flush.messages': NEVER,
  'flush.ms': NEVER,
  'follower.replication.throttled.replicas': '',
  'index.interval.bytes': '4096',
  'leader.replication.throttled.replicas': '',
  'local.retention.bytes': '-2',
  'local.retention.ms': '-2',
  'max.compaction.lag.ms': NEVER,
  'max.message.bytes': '1048588',
  'message.downconversion.enable': 'true',
  'message.format.version': '3.0-IV1',
  'message.timestamp.after.max.ms': NEVER,
  'message.timestamp.before.max.ms': NEVER,
  'message.timestamp.difference.max.ms': NEVER,
  'message.timestamp.type': 'CreateTime',
  'min.cleanable.dirty.ratio': '0.5',
  'min.compaction.lag.ms': '0',
  'min.insync.replicas': '1',
  preallocate: 'false',
  'remote.storage.enable': 'false',
  'retention.bytes': '-1',
  'retention.ms': '604800000',
  'segment.bytes': '1073741824',
  'segment.index.bytes': '10485760',
  'segment.jitter.ms': '0',
  'segment.ms': '604800000',
  'unclean.leader.election.enable': 'false',
};

/** The broker settings the embedded store behaves as if it had, all fixed. */
export const EMBEDDED_BROKER_CONFIGS: Readonly<Record<string, string>> = {
  'auto.create.topics.enable': 'false',
  'broker.id': '0',
  'compression.type': 'producer',
  'default.replication.factor': '1',
  'delete.topic.enable': 'true',
  'log.cleanup.policy': 'delete',
  'log.retention.hours': '168',
  'message.max.bytes': '1048588',
  'min.insync.replicas': '1',
  'num.partitions': '1',
  'offsets.topic.replication.factor': '1',
};

/**
 * Checks a topic config override (or its removal, `value` null) as Kafka would refuse it: unknown names, and
 * policies it does not know.
 */
export function checkTopicConfig(name: string, value: string | null): void {
  if (!(name in TOPIC_CONFIG_DEFAULTS))
    throw new InvalidTopicConfigError(`Unknown topic config name: ${name}`);
  if (name === 'cleanup.policy' && value !== null) {
    const policies = value.split(',').map((policy) => policy.trim());
    if (policies.length === 0 || policies.some((policy) => policy !== 'delete' && policy !== 'compact')) {
      throw new InvalidTopicConfigError(
        `Invalid value ${value} for configuration cleanup.policy: String must be one of: compact, delete`,
      );
    }
  }
}

/** Every topic config, overrides from `set` and Kafka's defaults for the rest, sorted by name. */
export function describeTopicConfigEntries(set: Readonly<Record<string, string>>): ConfigEntry[] {
  const names = new Set([...Object.keys(TOPIC_CONFIG_DEFAULTS), ...Object.keys(set)]);
  return [...names].sort().map((name) => {
    const fallback = TOPIC_CONFIG_DEFAULTS[name] ?? null;
    const value = set[name];
    const synonyms: ConfigEntry['synonyms'] = [];
    if (value !== undefined) synonyms.push({ name, value, source: 'DYNAMIC_TOPIC_CONFIG' });
    if (fallback !== null) synonyms.push({ name, value: fallback, source: 'DEFAULT_CONFIG' });
    return {
      name,
      value: value ?? fallback,
      isDefault: value === undefined,
      isReadOnly: false,
      isSensitive: false,
      source: value === undefined ? 'DEFAULT_CONFIG' : 'DYNAMIC_TOPIC_CONFIG',
      synonyms,
    };
  });
}

/** The embedded broker's configs, all read-only defaults. */
export function describeBrokerConfigEntries(): ConfigEntry[] {
  return Object.entries(EMBEDDED_BROKER_CONFIGS)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({
      name,
      value,
      isDefault: true,
      isReadOnly: true,
      isSensitive: false,
      source: 'DEFAULT_CONFIG',
      synonyms: [{ name, value, source: 'DEFAULT_CONFIG' }],
    }));
}
