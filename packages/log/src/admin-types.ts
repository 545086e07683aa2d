import type { Log } from './types.js';

/** One broker of the cluster. The embedded store is broker 0, with no network address of its own. */
export interface BrokerInfo {
  id: number;
  host: string | null;
  port: number | null;
  rack: string | null;
}

export interface ClusterInfo {
  clusterId: string;
  /** The active controller's broker id; null when the cluster did not say. */
  controllerId: number | null;
  brokers: BrokerInfo[];
}

/** A partition's replicas as the cluster metadata has them. */
export interface PartitionInfo {
  partition: number;
  /** The leader's broker id; null while the partition has none. */
  leader: number | null;
  replicas: number[];
  /** In-sync replicas. */
  isr: number[];
}

/** Where a config's value comes from, by the names of Kafka's `ConfigEntry.ConfigSource`. */
export type ConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'UNKNOWN';

/** One config of a topic or broker, as Kafka's DescribeConfigs answers it (with synonyms). */
export interface ConfigEntry {
  name: string;
  /** Null for a sensitive value or one without a value. */
  value: string | null;
  isDefault: boolean;
  isReadOnly: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  /** Where else the value could come from, most specific first. */
  synonyms: Array<{ name: string; value: string | null; source: ConfigSource }>;
}

/** A change to one topic config: a value to set, or null to remove the override (back to the default). */
export interface ConfigChange {
  name: string;
  value: string | null;
}

/** Kafka's consumer group states (`ConsumerGroupState`). */
export type GroupState =
  'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';

export interface GroupListing {
  groupId: string;
  /** `consumer` for consumer groups; '' for a group that only stores offsets. */
  protocolType: string;
}

/** A group as DescribeGroups answers it. Member metadata and assignments are the protocol's bytes. */
export interface GroupInfo {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** The assignment protocol (assignor) of the current generation; '' when the group has none. */
  protocol: string;
  /** The group coordinator's broker id; null when unknown. */
  coordinatorId: number | null;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }>;
}

/**
 * What an administrator of the cluster reads and changes besides topics and records: brokers, partition
 * replicas, topic and broker configs, consumer groups, offsets by time. Kafka's answers on the Kafka backend
 * (its admin API); the embedded store answers as a one-broker cluster whose groups are those with committed
 * offsets (it has no group coordinator).
 */
export interface ClusterAdmin {
  describeCluster(): Promise<ClusterInfo>;
  /** A topic's partitions; fails with `SLUICE_UNKNOWN_TOPIC_OR_PARTITION` for a topic that does not exist. */
  describePartitions(topic: string): Promise<PartitionInfo[]>;
  /** Every config of a topic, defaults included, sorted by name. */
  describeTopicConfigs(topic: string): Promise<ConfigEntry[]>;
  /** Every config of a broker, sorted by name; fails with `SLUICE_UNKNOWN_BROKER` for an unknown id. */
  describeBrokerConfigs(brokerId: number): Promise<ConfigEntry[]>;
  /**
   * Sets or removes topic config overrides, all or none; `validateOnly` checks without changing anything.
   * An unknown config name or a value the topic cannot take fails with `SLUICE_INVALID_TOPIC_CONFIG`.
   */
  alterTopicConfigs(
    topic: string,
    changes: readonly ConfigChange[],
    options?: { validateOnly?: boolean },
  ): Promise<void>;
  listGroups(): Promise<GroupListing[]>;
  /** One entry per id asked for; a group nobody knows is `Dead`, without members. */
  describeGroups(groupIds: readonly string[]): Promise<GroupInfo[]>;
  /**
   * The earliest offset of a partition whose record's timestamp is at or after `timestamp`; the partition's
   * end offset when there is none (as a consumer seeking by time lands at the end).
   */
  offsetForTime(topic: string, partition: number, timestamp: number): Promise<number>;
}

/** A log that can also be administered: both backends are. */
export type AdminLog = Log & ClusterAdmin;
