import type { ConfigEntry, GroupInfo, PartitionInfo } from '@sluice/log';
import { absoluteUrl, crn } from '../urls.js';

/** Links of v3 resources: `metadata.self`, `resource_name` and `related`, as Confluent's `UrlFactory` makes them. */
export class V3Links {
  readonly #base: string;
  readonly clusterId: string;

  constructor(base: string, clusterId: string) {
    this.#base = base;
    this.clusterId = clusterId;
  }

  /** `<base>/v3/clusters/<id>/<segments…>`. */
  url(...segments: Array<string | number>): string {
    return absoluteUrl(this.#base, 'v3', 'clusters', this.clusterId, ...segments);
  }

  /** `<base>/v3/clusters` (the cluster list). */
  clusters(): string {
    return absoluteUrl(this.#base, 'v3', 'clusters');
  }

  related(...segments: Array<string | number>): { related: string } {
    return { related: this.url(...segments) };
  }

  metadata(
    segments: Array<string | number>,
    names: Array<string | number>,
  ): { self: string; resource_name: string } {
    return { self: this.url(...segments), resource_name: crn('kafka', this.clusterId, ...names) };
  }

  /** A list resource: `{kind, metadata: {self, next: null}, data}`. */
  list(kind: string, self: string, data: unknown[]): unknown {
    return { kind, metadata: { self, next: null }, data };
  }
}

export function clusterData(links: V3Links, controllerId: number | null): unknown {
  return {
    kind: 'KafkaCluster',
    metadata: { self: links.url(), resource_name: crn('kafka', links.clusterId) },
    cluster_id: links.clusterId,
    controller: controllerId === null ? null : links.related('brokers', controllerId),
    acls: links.related('acls'),
    brokers: links.related('brokers'),
    broker_configs: links.related('broker-configs'),
    consumer_groups: links.related('consumer-groups'),
    topics: links.related('topics'),
    partition_reassignments: links.related('topics', '-', 'partitions', '-', 'reassignment'),
  };
}

export function brokerData(
  links: V3Links,
  broker: { id: number; host: string | null; port: number | null; rack: string | null },
): unknown {
  return {
    kind: 'KafkaBroker',
    metadata: links.metadata(['brokers', broker.id], ['broker', broker.id]),
    cluster_id: links.clusterId,
    broker_id: broker.id,
    host: broker.host,
    port: broker.port,
    rack: broker.rack,
    configs: links.related('brokers', broker.id, 'configs'),
    partition_replicas: links.related('brokers', broker.id, 'partition-replicas'),
  };
}

function configFields(entry: ConfigEntry) {
  return {
    name: entry.name,
    value: entry.isSensitive ? null : entry.value,
    is_default: entry.isDefault,
    is_read_only: entry.isReadOnly,
    is_sensitive: entry.isSensitive,
    source: entry.source,
    synonyms: entry.synonyms.map((synonym) => ({
      name: synonym.name,
      value: entry.isSensitive ? null : synonym.value,
      source: synonym.source,
    })),
  };
}

export function brokerConfigData(links: V3Links, brokerId: number, entry: ConfigEntry): unknown {
  return {
    kind: 'KafkaBrokerConfig',
    metadata: links.metadata(
      ['brokers', brokerId, 'configs', entry.name],
      ['broker', brokerId, 'config', entry.name],
    ),
    cluster_id: links.clusterId,
    broker_id: brokerId,
    ...configFields(entry),
  };
}

export function topicConfigData(links: V3Links, topic: string, entry: ConfigEntry): unknown {
  return {
    kind: 'KafkaTopicConfig',
    metadata: links.metadata(
      ['topics', topic, 'configs', entry.name],
      ['topic', topic, 'config', entry.name],
    ),
    cluster_id: links.clusterId,
    topic_name: topic,
    ...configFields(entry),
  };
}

export function topicData(
  links: V3Links,
  topic: string,
  partitions: readonly PartitionInfo[],
  replicationFactor?: number,
): unknown {
  return {
    kind: 'KafkaTopic',
    metadata: links.metadata(['topics', topic], ['topic', topic]),
    cluster_id: links.clusterId,
    topic_name: topic,
    is_internal: topic.startsWith('__'),
    replication_factor: replicationFactor ?? partitions[0]?.replicas.length ?? 0,
    partitions_count: partitions.length,
    partitions: links.related('topics', topic, 'partitions'),
    configs: links.related('topics', topic, 'configs'),
    partition_reassignments: links.related('topics', topic, 'partitions', '-', 'reassignment'),
    authorized_operations: [],
  };
}

export function partitionData(links: V3Links, topic: string, partition: PartitionInfo): unknown {
  return {
    kind: 'KafkaPartition',
    metadata: links.metadata(
      ['topics', topic, 'partitions', partition.partition],
      ['topic', topic, 'partition', partition.partition],
    ),
    cluster_id: links.clusterId,
    topic_name: topic,
    partition_id: partition.partition,
    leader:
      partition.leader === null
        ? null
        : links.related('topics', topic, 'partitions', partition.partition, 'replicas', partition.leader),
    replicas: links.related('topics', topic, 'partitions', partition.partition, 'replicas'),
    reassignment: links.related('topics', topic, 'partitions', partition.partition, 'reassignment'),
  };
}

export function replicaData(
  links: V3Links,
  topic: string,
  partition: PartitionInfo,
  brokerId: number,
): unknown {
  return {
    kind: 'KafkaReplica',
    metadata: links.metadata(
      ['topics', topic, 'partitions', partition.partition, 'replicas', brokerId],
      ['topic', topic, 'partition', partition.partition, 'replica', brokerId],
    ),
    cluster_id: links.clusterId,
    topic_name: topic,
    partition_id: partition.partition,
    broker_id: brokerId,
    is_leader: partition.leader === brokerId,
    is_in_sync: partition.isr.includes(brokerId),
    broker: links.related('brokers', brokerId),
  };
}

/** Confluent's `ConsumerGroup.State` names. */
const STATES: Readonly<Record<GroupInfo['state'], string>> = {
  Unknown: 'UNKNOWN',
  PreparingRebalance: 'PREPARING_REBALANCE',
  CompletingRebalance: 'COMPLETING_REBALANCE',
  Stable: 'STABLE',
  Dead: 'DEAD',
  Empty: 'EMPTY',
};

export function consumerGroupData(links: V3Links, group: GroupInfo): unknown {
  return {
    kind: 'KafkaConsumerGroup',
    metadata: links.metadata(['consumer-groups', group.groupId], ['consumer-group', group.groupId]),
    cluster_id: links.clusterId,
    consumer_group_id: group.groupId,
    is_simple: group.protocol === '',
    partition_assignor: group.protocol,
    state: STATES[group.state],
    type: 'CLASSIC',
    is_mixed_consumer_group: false,
    coordinator: group.coordinatorId === null ? null : links.related('brokers', group.coordinatorId),
    consumers: links.related('consumer-groups', group.groupId, 'consumers'),
    lag_summary: links.related('consumer-groups', group.groupId, 'lag-summary'),
  };
}

export interface GroupConsumer {
  consumerId: string;
  instanceId: string | null;
  clientId: string;
  partitions: Array<{ topic: string; partition: number }>;
}

export function consumerData(links: V3Links, groupId: string, consumer: GroupConsumer): unknown {
  return {
    kind: 'KafkaConsumer',
    metadata: links.metadata(
      ['consumer-groups', groupId, 'consumers', consumer.consumerId],
      ['consumer-group', groupId, 'consumer', consumer.consumerId],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    consumer_id: consumer.consumerId,
    instance_id: consumer.instanceId,
    client_id: consumer.clientId,
    assignments: links.related('consumer-groups', groupId, 'consumers', consumer.consumerId, 'assignments'),
  };
}

export function assignmentData(
  links: V3Links,
  groupId: string,
  consumerId: string,
  tp: { topic: string; partition: number },
): unknown {
  return {
    kind: 'KafkaConsumerAssignment',
    metadata: links.metadata(
      [
        'consumer-groups',
        groupId,
        'consumers',
        consumerId,
        'assignments',
        tp.topic,
        'partitions',
        tp.partition,
      ],
      [
        'consumer-group',
        groupId,
        'consumer',
        consumerId,
        'assignment',
        `${tp.topic}/partition=${tp.partition}`,
      ],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    consumer_id: consumerId,
    topic_name: tp.topic,
    partition_id: tp.partition,
    partition: links.related('topics', tp.topic, 'partitions', tp.partition),
    lag: links.related('consumer-groups', groupId, 'lags', tp.topic, 'partitions', tp.partition),
  };
}

export interface Lag {
  topic: string;
  partition: number;
  currentOffset: number;
  logEndOffset: number;
  consumer: GroupConsumer | undefined;
}

export function lagData(links: V3Links, groupId: string, lag: Lag): unknown {
  return {
    kind: 'KafkaConsumerLag',
    metadata: links.metadata(
      ['consumer-groups', groupId, 'lags', lag.topic, 'partitions', lag.partition],
      ['consumer-group', groupId, 'lag', `${lag.topic}/partition=${lag.partition}`],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    topic_name: lag.topic,
    partition_id: lag.partition,
    current_offset: lag.currentOffset,
    log_end_offset: lag.logEndOffset,
    lag: lag.logEndOffset - lag.currentOffset,
    consumer_id: lag.consumer?.consumerId ?? '',
    instance_id: lag.consumer?.instanceId ?? null,
    client_id: lag.consumer?.clientId ?? '',
  };
}

export function lagSummaryData(links: V3Links, groupId: string, lags: readonly Lag[]): unknown {
  let max = lags[0]!;
  let total = 0;
  for (const lag of lags) {
    const value = lag.logEndOffset - lag.currentOffset;
    total += value;
    if (value > max.logEndOffset - max.currentOffset) max = lag;
  }
  const consumerId = max.consumer?.consumerId ?? '';
  return {
    kind: 'KafkaConsumerGroupLagSummary',
    metadata: links.metadata(
      ['consumer-groups', groupId, 'lag-summary'],
      ['consumer-group', groupId, 'lag-summary'],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    max_lag_consumer_id: consumerId,
    max_lag_instance_id: max.consumer?.instanceId ?? null,
    max_lag_client_id: max.consumer?.clientId ?? '',
    max_lag_topic_name: max.topic,
    max_lag_partition_id: max.partition,
    max_lag: max.logEndOffset - max.currentOffset,
    total_lag: total,
    max_lag_consumer: links.related('consumer-groups', groupId, 'consumers', consumerId),
    max_lag_partition: links.related('topics', max.topic, 'partitions', max.partition),
  };
}
