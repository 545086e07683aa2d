import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import {
  BatchProducer,
  BrokerClient,
  createKafka,
  encodeRecordBatch,
  type BatchRecord,
  type PartitionBatch,
  GroupErrorCode,
  GroupRequestError,
  KafkaGroupClient,
  type KafkaClientConfig,
} from '@sluice/kafka-client';
import kafkajs from 'kafkajs';
import type { Admin, CompressionTypes, Kafka, Producer } from 'kafkajs';
import type {
  ClusterAdmin,
  ClusterInfo,
  ConfigChange,
  ConfigEntry,
  ConfigSource,
  GroupInfo,
  GroupListing,
  GroupState,
  PartitionInfo,
} from '../admin-types.js';
import {
  InvalidRecordError,
  InvalidRequestError,
  InvalidTopicConfigError,
  LogClosedError,
  OffsetOutOfRangeError,
  TopicExistsError,
  UnknownBrokerError,
  UnknownTopicError,
} from '../errors.js';
import { partitionForKey, routeRecords, StickyPartitions, toBuffer } from '../partitioner.js';
import { validateTopicName } from '../topic-name.js';
import type {
  FetchOptions,
  FetchResult,
  GroupOffset,
  Log,
  LogReader,
  LogRecord,
  PartitionFetchResult,
  PartitionOffsets,
  PartitionPosition,
  PollOptions,
  ProduceRecord,
  RecordPosition,
  TopicDescription,
  TopicPartitionFetchResult,
  TopicPartitionPosition,
  TopicSpec,
} from '../types.js';

export interface KafkaLogOptions extends KafkaClientConfig {
  /** Replication factor of topics created without one. @default -1, the broker's default */
  defaultReplicationFactor?: number;
  /** How produced records are sent (the REST Proxy's `producer.*` overrides). */
  producer?: {
    /** -1 waits for every in-sync replica (`acks=all`), 1 for the leader. @default -1 */
    acks?: -1 | 1;
    /** Record batch compression; kafkajs has gzip built in, no other codec. @default 'none' */
    compression?: 'none' | 'gzip';
  };
}

/** kafkajs sends a whole `send()` as one batch per partition; keep batches under the broker's 1 MB default. */
const MAX_SEND_BYTES = 512 * 1024;
const RECORD_OVERHEAD_BYTES = 32;
/** How long a topic's partition count and cleanup policy are trusted before they are described again. */
const TOPIC_INFO_TTL_MS = 10_000;
const DEFAULT_MAX_FETCH_BYTES = 1024 * 1024;
const TOPIC_CONFIG_RESOURCE = 2;
const BROKER_CONFIG_RESOURCE = 4;
/** Kafka's `ConfigEntry.ConfigSource` by its wire id (DescribeConfigs v1+). */
const CONFIG_SOURCES: Readonly<Record<number, ConfigSource>> = {
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
};
const GROUP_STATES = new Set<GroupState>([
  'Unknown',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
  'Empty',
]);
/** Kafka's own topics, which are not data. */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__cluster_metadata']);

const TRANSIENT_RETRY_MS = 15_000;
const LEADER_WAIT_MS = 30_000;
/** How long an alter of topic configs waits for the broker to describe the change (see `#untilOverridesShow`). */
const ALTER_VISIBLE_WAIT_MS = 5_000;
/** Answers that mean "ask again soon": a coordinator or leader moved or is loading; nothing was done. */
const TRANSIENT_ERRORS = new Set([
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
]);

interface TopicInfo {
  partitions: number;
  configs: Record<string, string>;
  compacted: boolean;
  expires: number;
}

interface KafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  partition: number;
  timestamp: string | undefined;
  // Array form (ordered, duplicates, null values) is what our kafkajs patch accepts; see patches/.
  headers: unknown;
}

/** The log on a Kafka cluster: topics are Kafka topics, acknowledged means `acks=all`. */
export class KafkaLog implements Log, ClusterAdmin {
  readonly backend = 'kafka';
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  #producer: Producer;
  /** The producer's connection, made at its first send. */
  #producerConnected: Promise<void> | undefined;
  readonly #broker: BrokerClient;
  readonly #groups: KafkaGroupClient;
  readonly #defaultReplicationFactor: number;
  readonly #acks: -1 | 1;
  readonly #compression: CompressionTypes;
  readonly #topics = new Map<string, TopicInfo>();
  /** Topics `offsets` found to exist, and until when it takes that as known (as `#topics`'s entries). */
  readonly #existing = new Map<string, number>();
  readonly #sticky = new StickyPartitions();
  readonly #readers = new Set<KafkaLogReader>();
  /** `produceDirect`'s producer, made on its first use. */
  #direct: BatchProducer | undefined;
  /** A broker answered that it is too old for `produceDirect`'s Produce version: `produce` from then on. */
  #directUnsupported = false;
  #closed = false;

  private constructor(kafka: Kafka, options: KafkaLogOptions) {
    this.#kafka = kafka;
    this.#admin = kafka.admin();
    this.#producer = createProducer(kafka);
    this.#broker = new BrokerClient(kafka);
    this.#groups = new KafkaGroupClient(kafka);
    this.#defaultReplicationFactor = options.defaultReplicationFactor ?? -1;
    this.#acks = options.producer?.acks ?? -1;
    this.#compression =
      options.producer?.compression === 'gzip'
        ? kafkajs.CompressionTypes.GZIP
        : kafkajs.CompressionTypes.None;
  }

  static async open(options: KafkaLogOptions): Promise<KafkaLog> {
    const log = new KafkaLog(createKafka(options), options);
    try {
      // The admin client proves Kafka reachable. The others connect when first used (the broker and group
      // clients do so by themselves): a sink task never produces unless it has a DLQ, and every connection
      // costs the broker and the task thread an ApiVersions and a Metadata round.
      await log.#admin.connect();
    } catch (error) {
      await log.close().catch(() => undefined);
      throw new SluiceError(
        'SLUICE_KAFKA_UNREACHABLE',
        `cannot connect to Kafka at ${options.brokers.join(',')}: ${(error as Error).message}`,
        { cause: error, retriable: true },
      );
    }
    return log;
  }

  async clusterId(): Promise<string> {
    this.#assertOpen();
    return (await this.#call(undefined, () => this.#admin.describeCluster())).clusterId;
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    this.#assertOpen();
    validateTopicName(spec.name);
    const partitions = spec.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new SluiceError(
        'SLUICE_INVALID_PARTITIONS',
        `partitions must be a positive integer, got ${partitions}`,
      );
    }
    const created = await this.#call(spec.name, () =>
      this.#admin.createTopics({
        // kafkajs's own wait gives up on the UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers at first.
        waitForLeaders: false,
        topics: [
          {
            topic: spec.name,
            numPartitions: partitions,
            replicationFactor: spec.replicationFactor ?? this.#defaultReplicationFactor,
            configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
      }),
    );
    if (!created) throw new TopicExistsError(spec.name);
    this.#topics.delete(spec.name);
    await this.#waitForLeaders(spec.name, partitions);
  }

  async ensureTopic(spec: TopicSpec): Promise<TopicDescription> {
    const existing = await this.describeTopic(spec.name);
    if (existing !== undefined) return existing;
    try {
      await this.createTopic(spec);
    } catch (error) {
      if (!(SluiceError.is(error) && error.code === 'SLUICE_TOPIC_EXISTS')) throw error;
    }
    // Created a moment ago, by us or by another client (workers starting together): each broker learns of a
    // new topic a little after the controller, and the one asked may not know it yet.
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      const description = await this.describeTopic(spec.name);
      if (description !== undefined) return description;
      if (Date.now() > deadline) throw new UnknownTopicError(spec.name);
      await delay(100);
    }
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    this.#assertOpen();
    validateTopicName(name);
    this.#topics.delete(name);
    const info = await this.#topicInfo(name).catch((error: unknown) => {
      if (SluiceError.is(error) && error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION') return undefined;
      throw error;
    });
    return info === undefined
      ? undefined
      : { name, partitions: info.partitions, configs: { ...info.configs } };
  }

  async partitionCount(name: string): Promise<number | undefined> {
    this.#assertOpen();
    validateTopicName(name);
    try {
      const metadata = await this.#call(name, () => this.#admin.fetchTopicMetadata({ topics: [name] }));
      return metadata.topics[0]!.partitions.length;
    } catch (error) {
      if (SluiceError.is(error) && error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION') return undefined;
      throw error;
    }
  }

  async listTopics(): Promise<string[]> {
    this.#assertOpen();
    const names = await this.#call(undefined, () => this.#admin.listTopics());
    return names.filter((name) => !INTERNAL_TOPICS.has(name)).sort();
  }

  async deleteTopic(name: string): Promise<void> {
    this.#assertOpen();
    validateTopicName(name);
    // kafkajs retries an unknown topic for seconds before giving up; ask first.
    if (!(await this.#call(name, () => this.#admin.listTopics())).includes(name))
      throw new UnknownTopicError(name);
    await this.#call(name, () => this.#admin.deleteTopics({ topics: [name] }));
    this.#topics.delete(name);
    this.#existing.delete(name);
    await this.#replaceProducer();
    this.#sticky.forget(name);
  }

  async produce(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> {
    this.#assertOpen();
    validateTopicName(topic);
    const info = await this.#topicInfo(topic);
    const messages = this.#toMessages(topic, info, records);
    const positions: RecordPosition[] = [];
    for (const chunk of chunksBySize(messages)) {
      const send = () =>
        this.#call(topic, async () =>
          (await this.#connectedProducer()).send({
            topic,
            acks: this.#acks,
            compression: this.#compression,
            messages: chunk as Parameters<Producer['send']>[0]['messages'],
          }),
        );
      const metadata = await send().catch(async (error: unknown) => {
        // A topic deleted elsewhere poisons the producer's metadata; start afresh once.
        if (!(SluiceError.is(error) && error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION')) throw error;
        await this.#replaceProducer();
        return send();
      });
      const next = new Map(metadata.map((entry) => [entry.partition, Number(entry.baseOffset)]));
      for (const message of chunk) {
        const offset = next.get(message.partition)!;
        positions.push({ partition: message.partition, offset });
        next.set(message.partition, offset + 1);
      }
    }
    return positions;
  }

  /**
   * `produce`, with the records encoded here into one uncompressed record batch per partition and sent by a
   * `BatchProducer` (its own connections) instead of kafkajs's producer, whose record-by-record encoding was
   * most of the REST Proxy's streaming produce CPU. The same routing (`routeRecords`' rules, sticky
   * partitions), acks, positions and errors (as `produce` maps them); batches of at most 512 KB, a
   * partition's sent one after another. With compression configured, or a broker older than Kafka 2.1, it is
   * `produce`.
   */
  async produceDirect(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> {
    if (this.#compression !== kafkajs.CompressionTypes.None || this.#directUnsupported)
      return this.produce(topic, records);
    this.#assertOpen();
    validateTopicName(topic);
    const info = await this.#topicInfo(topic);
    const sticky = this.#sticky.next(topic, info.partitions);
    // Each partition's records in order, cut into batches by size; records whose key or value is text (or
    // whose timestamp is unset) are copied with bytes, the others encoded as they are (no object per record).
    const now = Date.now();
    const byPartition = new Map<number, { batches: BatchRecord[][]; indexes: number[][]; bytes: number }>();
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const key = record.key;
      const value = record.value;
      // An empty header list is written as none, as kafkajs writes it.
      const batchRecord: BatchRecord =
        typeof key === 'string' || typeof value === 'string' || record.timestamp === undefined
          ? {
              key: toBuffer(key),
              value: toBuffer(value),
              timestamp: record.timestamp ?? now,
              headers: record.headers,
            }
          : (record as BatchRecord);
      const headers = record.headers;
      const partition = partitionOf(topic, info, batchRecord.key ?? null, record.partition, sticky, index);
      let size = RECORD_OVERHEAD_BYTES + (batchRecord.key?.length ?? 0) + (batchRecord.value?.length ?? 0);
      if (headers !== undefined)
        for (const header of headers) size += header.key.length + (header.value?.length ?? 0) + 8;
      let entry = byPartition.get(partition);
      if (entry === undefined)
        byPartition.set(partition, (entry = { batches: [[]], indexes: [[]], bytes: 0 }));
      if (entry.bytes > 0 && entry.bytes + size > MAX_SEND_BYTES) {
        entry.batches.push([]);
        entry.indexes.push([]);
        entry.bytes = 0;
      }
      entry.batches[entry.batches.length - 1]!.push(batchRecord);
      entry.indexes[entry.indexes.length - 1]!.push(index);
      entry.bytes += size;
    }
    const positions = new Array<RecordPosition>(records.length);
    for (let round = 0; ; round++) {
      const batches: PartitionBatch[] = [];
      const indexes: number[][] = [];
      for (const [partition, entry] of byPartition) {
        const batch = entry.batches[round];
        if (batch === undefined) continue;
        batches.push({ partition, batch: encodeRecordBatch(batch) });
        indexes.push(entry.indexes[round]!);
      }
      if (batches.length === 0) return positions;
      let offsets: number[];
      try {
        offsets = await this.#directProducer().produce(topic, batches);
      } catch (error) {
        if (SluiceError.is(error) && error.code === 'SLUICE_KAFKA_PRODUCE_UNSUPPORTED' && round === 0) {
          this.#directUnsupported = true;
          return this.produce(topic, records);
        }
        this.#assertOpen();
        throw toSluiceError(error, topic);
      }
      for (let b = 0; b < batches.length; b++) {
        const partition = batches[b]!.partition;
        const base = offsets[b]!;
        const list = indexes[b]!;
        for (let k = 0; k < list.length; k++) positions[list[k]!] = { partition, offset: base + k };
      }
    }
  }

  #directProducer(): BatchProducer {
    this.#direct ??= new BatchProducer(this.#kafka, { acks: this.#acks });
    return this.#direct;
  }

  async fetch(
    topic: string,
    partition: number,
    offset: number,
    options: FetchOptions = {},
  ): Promise<FetchResult> {
    this.#assertOpen();
    validateTopicName(topic);
    const info = await this.#topicInfo(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions) {
      throw new UnknownTopicError(topic, partition);
    }
    try {
      const result = await this.#broker.fetch({
        topic,
        partition,
        offset,
        maxBytes: options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES,
        maxWaitMs: options.maxWaitMs ?? 0,
      });
      return {
        highWatermark: result.highWatermark,
        records: result.records.map((record) => ({ topic, partition, ...record })),
      };
    } catch (error) {
      if (SluiceError.is(error) && error.code === 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE') {
        const range = (await this.offsets(topic)).find((p) => p.partition === partition)!;
        throw new OffsetOutOfRangeError(topic, partition, offset, range.beginning, range.end);
      }
      throw error;
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    this.#assertOpen();
    validateTopicName(topic);
    // Only whether the topic exists (kafkajs answers for a missing one badly): what is cached says so, else
    // one metadata lookup (a topic's full description costs a DescribeConfigs and more metadata rounds).
    const now = Date.now();
    if ((this.#topics.get(topic)?.expires ?? 0) <= now && (this.#existing.get(topic) ?? 0) <= now) {
      if ((await this.partitionCount(topic)) === undefined) throw new UnknownTopicError(topic);
      this.#existing.set(topic, now + TOPIC_INFO_TTL_MS);
    }
    const offsets = await this.#call(topic, () =>
      this.#admin.fetchTopicOffsets(topic).catch((error: unknown) => {
        // kafkajs fails with a TypeError when its metadata has no leader for a topic created a moment ago
        // (it asks no broker and reads an empty answer): the same "ask again soon" as a missing leader.
        if (error instanceof TypeError) {
          throw Object.assign(new Error(`no partition leader known yet for '${topic}'`, { cause: error }), {
            type: 'LEADER_NOT_AVAILABLE',
          });
        }
        throw error;
      }),
    );
    return offsets
      .map((entry) => ({ partition: entry.partition, beginning: Number(entry.low), end: Number(entry.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async latestByKey(topic: string): Promise<LogRecord[]> {
    const latest = new Map<string, LogRecord>();
    for (const range of await this.offsets(topic)) {
      let offset = range.beginning;
      while (offset < range.end) {
        const { records } = await this.fetch(topic, range.partition, offset, { maxBytes: 4 * 1024 * 1024 });
        if (records.length === 0) break;
        for (const record of records) {
          if (record.offset >= range.end) break;
          if (record.key !== null) latest.set(`${range.partition}:${record.key.toString('base64')}`, record);
        }
        offset = records[records.length - 1]!.offset + 1;
      }
    }
    return [...latest.values()]
      .filter((record) => record.value !== null)
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  }

  async commitGroupOffsets(groupId: string, offsets: readonly GroupOffset[]): Promise<void> {
    this.#assertOpen();
    for (const entry of offsets) validateTopicName(entry.topic);
    // Generation -1 and no member id: a commit for a group with no active members, as an admin makes it.
    const commit = () => this.#groups.commitOffsets({ groupId, generationId: -1, memberId: '', offsets });
    const deadline = Date.now() + TRANSIENT_RETRY_MS;
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1000)) {
      try {
        return await commit();
      } catch (error) {
        const retry =
          error instanceof GroupRequestError && error.code === GroupErrorCode.COORDINATOR_UNAVAILABLE;
        if (!retry || Date.now() + backoff > deadline) throw toSluiceError(error, offsets[0]?.topic);
        await delay(backoff);
      }
    }
  }

  /**
   * All of a group's offsets: the group is deleted (DeleteGroups). Some of them: kafkajs has no
   * OffsetDelete, so the group is deleted and the others committed again; a group with no active members
   * (a stopped sink connector's) loses nothing in between that anyone reads.
   */
  async deleteGroupOffsets(
    groupId: string,
    partitions?: readonly { topic: string; partition: number }[],
  ): Promise<void> {
    this.#assertOpen();
    let kept: GroupOffset[] = [];
    if (partitions !== undefined) {
      const all = await this.fetchGroupOffsets(groupId);
      const removed = (o: GroupOffset) =>
        partitions.some((p) => p.topic === o.topic && p.partition === o.partition);
      if (!all.some(removed)) return; // nothing of these to delete
      kept = all.filter((o) => !removed(o));
    }
    await this.#deleteGroup(groupId);
    if (kept.length === 0) return;
    try {
      await this.commitGroupOffsets(groupId, kept);
    } catch (error) {
      const lost = kept.map((o) => `${o.topic}/${o.partition}=${o.offset}`).join(', ');
      throw new SluiceError(
        'SLUICE_GROUP_OFFSETS_LOST',
        `deleted group ${groupId} but could not commit its other offsets again (${lost}): ${String(error)}`,
        { cause: error },
      );
    }
  }

  /** DeleteGroups; a group that does not exist is fine, a coordinator moving or loading is retried. */
  async #deleteGroup(groupId: string): Promise<void> {
    const deadline = Date.now() + TRANSIENT_RETRY_MS;
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1000)) {
      try {
        await this.#admin.deleteGroups([groupId]);
        return;
      } catch (error) {
        const code = groupErrorCode(error);
        if (code === GROUP_ID_NOT_FOUND) return;
        if (code === NON_EMPTY_GROUP)
          throw new SluiceError(
            'SLUICE_GROUP_NOT_EMPTY',
            `consumer group ${groupId} still has active members; its offsets can only be deleted once they leave`,
            { cause: error },
          );
        if (code === undefined || !COORDINATOR_MOVING.has(code) || Date.now() + backoff > deadline)
          throw toSluiceError(error, undefined);
        await delay(backoff);
      }
    }
  }

  async fetchGroupOffsets(groupId: string, topic?: string): Promise<GroupOffset[]> {
    this.#assertOpen();
    if (topic !== undefined) validateTopicName(topic);
    const response = await this.#call(topic, () =>
      this.#admin.fetchOffsets(topic === undefined ? { groupId } : { groupId, topics: [topic] }),
    );
    return response
      .flatMap((entry) =>
        entry.partitions.map((p) => ({
          topic: entry.topic,
          partition: p.partition,
          offset: Number(p.offset),
        })),
      )
      .filter((entry) => entry.offset >= 0)
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async describeCluster(): Promise<ClusterInfo> {
    this.#assertOpen();
    const cluster = await this.#call(undefined, () => this.#admin.describeCluster());
    return {
      clusterId: cluster.clusterId,
      controllerId: cluster.controller,
      brokers: cluster.brokers
        .map((broker) => ({ id: broker.nodeId, host: broker.host, port: broker.port, rack: null }))
        .sort((a, b) => a.id - b.id),
    };
  }

  async describePartitions(topic: string): Promise<PartitionInfo[]> {
    this.#assertOpen();
    validateTopicName(topic);
    const metadata = await this.#call(topic, () => this.#admin.fetchTopicMetadata({ topics: [topic] }));
    return (metadata.topics[0]?.partitions ?? [])
      .map((p) => ({
        partition: p.partitionId,
        leader: p.leader >= 0 ? p.leader : null,
        replicas: [...p.replicas],
        isr: [...p.isr],
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  async describeTopicConfigs(topic: string): Promise<ConfigEntry[]> {
    this.#assertOpen();
    validateTopicName(topic);
    return this.#describeConfigs(TOPIC_CONFIG_RESOURCE, topic, topic);
  }

  async describeBrokerConfigs(brokerId: number): Promise<ConfigEntry[]> {
    this.#assertOpen();
    const { brokers } = await this.describeCluster();
    if (!brokers.some((broker) => broker.id === brokerId)) throw new UnknownBrokerError(brokerId);
    return this.#describeConfigs(BROKER_CONFIG_RESOURCE, String(brokerId), undefined);
  }

  async #describeConfigs(type: number, name: string, topic: string | undefined): Promise<ConfigEntry[]> {
    const described = await this.#call(topic, () =>
      this.#admin.describeConfigs({ includeSynonyms: true, resources: [{ type, name }] }),
    );
    const resource = described.resources[0];
    if (resource === undefined) return [];
    if (resource.errorCode !== 0) {
      if (topic !== undefined && resource.errorCode === UNKNOWN_TOPIC_OR_PARTITION)
        throw new UnknownTopicError(topic);
      throw new SluiceError('SLUICE_KAFKA_ERROR', `Kafka request failed: ${resource.errorMessage}`);
    }
    return resource.configEntries
      .map((entry) => ({
        name: entry.configName,
        value: entry.configValue ?? null,
        isDefault: entry.isDefault,
        isReadOnly: entry.readOnly,
        isSensitive: entry.isSensitive,
        source: CONFIG_SOURCES[entry.configSource] ?? 'UNKNOWN',
        synonyms: (entry.configSynonyms ?? []).map((synonym) => ({
          name: synonym.configName,
          value: synonym.configValue ?? null,
          source: CONFIG_SOURCES[synonym.configSource] ?? 'UNKNOWN',
        })),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * kafkajs has no IncrementalAlterConfigs: the topic's current overrides are read, changed and written back
   * whole (AlterConfigs replaces a topic's overrides), so a concurrent change by another client between the
   * read and the write is lost, as with `kafka-configs` of Kafka before 2.3.
   */
  async alterTopicConfigs(
    topic: string,
    changes: readonly ConfigChange[],
    options: { validateOnly?: boolean } = {},
  ): Promise<void> {
    const current = await this.describeTopicConfigs(topic);
    const overrides = new Map(
      current
        .filter((entry) => entry.source === 'DYNAMIC_TOPIC_CONFIG' && entry.value !== null)
        .map((entry) => [entry.name, entry.value!]),
    );
    for (const { name, value } of changes) {
      if (!current.some((entry) => entry.name === name)) {
        throw new InvalidTopicConfigError(`Unknown topic config name: ${name}`);
      }
      if (value === null) overrides.delete(name);
      else overrides.set(name, value);
    }
    await this.#call(topic, () =>
      this.#admin.alterConfigs({
        validateOnly: options.validateOnly ?? false,
        resources: [
          {
            type: TOPIC_CONFIG_RESOURCE,
            name: topic,
            configEntries: [...overrides].map(([name, value]) => ({ name, value })),
          },
        ],
      }),
    );
    this.#topics.delete(topic);
    if (!options.validateOnly) await this.#untilOverridesShow(topic, overrides);
  }

  /**
   * Waits (a few seconds at most) until the broker describes the topic with exactly these overrides: on
   * KRaft a broker applies an accepted change to its metadata a moment after the controller answered, so
   * a describe right after the alter could show the old configs.
   */
  async #untilOverridesShow(topic: string, overrides: ReadonlyMap<string, string>): Promise<void> {
    const deadline = Date.now() + ALTER_VISIBLE_WAIT_MS;
    for (;;) {
      const shown = (await this.describeTopicConfigs(topic)).filter(
        (entry) => entry.source === 'DYNAMIC_TOPIC_CONFIG',
      );
      const same =
        shown.length === overrides.size &&
        // Sensitive values are described as null: their names must match.
        shown.every(
          (entry) =>
            overrides.has(entry.name) &&
            (entry.value ?? overrides.get(entry.name)) === overrides.get(entry.name),
        );
      if (same || Date.now() > deadline) return;
      await delay(50);
    }
  }

  async listGroups(): Promise<GroupListing[]> {
    this.#assertOpen();
    const { groups } = await this.#call(undefined, () => this.#admin.listGroups());
    return groups
      .map((group) => ({ groupId: group.groupId, protocolType: group.protocolType }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupInfo[]> {
    this.#assertOpen();
    if (groupIds.length === 0) return [];
    const { groups } = await this.#call(undefined, () => this.#admin.describeGroups([...groupIds]));
    const coordinators = await Promise.all(
      groupIds.map((groupId) => this.#groups.coordinatorOf(groupId).catch(() => null)),
    );
    return groupIds.map((groupId, index) => {
      const group = groups.find((g) => g.groupId === groupId);
      const state = group?.state;
      return {
        groupId,
        state:
          state !== undefined && GROUP_STATES.has(state) ? state : group === undefined ? 'Dead' : 'Unknown',
        protocolType: group?.protocolType ?? '',
        protocol: group?.protocol ?? '',
        coordinatorId: coordinators[index] ?? null,
        members: (group?.members ?? []).map((member) => ({
          memberId: member.memberId,
          // kafkajs's DescribeGroups (v2) has no group.instance.id.
          groupInstanceId: null,
          clientId: member.clientId,
          clientHost: member.clientHost,
          metadata: new Uint8Array(member.memberMetadata),
          assignment: new Uint8Array(member.memberAssignment),
        })),
      };
    });
  }

  async offsetForTime(topic: string, partition: number, timestamp: number): Promise<number> {
    this.#assertOpen();
    validateTopicName(topic);
    const info = await this.#topicInfo(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions) {
      throw new UnknownTopicError(topic, partition);
    }
    // kafkajs answers the high watermark for a partition without a record that late, as a seek to the end.
    const offsets = await this.#call(topic, () => this.#admin.fetchTopicOffsetsByTimestamp(topic, timestamp));
    const found = offsets.find((entry) => entry.partition === partition);
    if (found === undefined) throw new UnknownTopicError(topic, partition);
    return Number(found.offset);
  }

  /** A reader on a cluster connection of its own (its own sockets to every broker it reads from). */
  async openReader(): Promise<LogReader> {
    this.#assertOpen();
    const reader = new KafkaLogReader(
      new BrokerClient(this.#kafka),
      (topic) => this.offsets(topic),
      () => this.#readers.delete(reader),
    );
    this.#readers.add(reader);
    try {
      await reader.connect();
    } catch (error) {
      await reader.close();
      throw toSluiceError(error, undefined);
    }
    return reader;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([
      ...[...this.#readers].map((reader) => reader.close()),
      this.#producer.disconnect(),
      this.#direct?.disconnect(),
      this.#admin.disconnect(),
      this.#broker.disconnect(),
      this.#groups.disconnect(),
    ]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new LogClosedError();
  }

  /** Waits until every partition of a new topic has a leader, so that the next call can use it. */
  async #waitForLeaders(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      try {
        const metadata = await this.#admin.fetchTopicMetadata({ topics: [topic] });
        const ready = metadata.topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
        if (ready >= partitions) return;
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE')
          throw toSluiceError(error, topic);
      }
      if (Date.now() > deadline) {
        throw new SluiceError(
          'SLUICE_KAFKA_ERROR',
          `topic '${topic}' was created but has no leader after ${LEADER_WAIT_MS} ms`,
          {
            retriable: true,
          },
        );
      }
      await delay(100);
    }
  }

  /**
   * kafkajs's producer refreshes metadata for every topic it ever sent to and fails while one of them
   * no longer exists; after a topic is deleted, a fresh producer is the only remedy its API offers.
   */
  async #replaceProducer(): Promise<void> {
    const previous = this.#producer;
    this.#producer = createProducer(this.#kafka);
    this.#producerConnected = undefined;
    await Promise.all([previous.disconnect().catch(() => undefined), this.#connectedProducer()]);
  }

  /** The producer, connected (once; a failed connect is tried again at the next send). */
  async #connectedProducer(): Promise<Producer> {
    const producer = this.#producer;
    this.#producerConnected ??= producer.connect().catch((error: unknown) => {
      if (this.#producer === producer) this.#producerConnected = undefined;
      throw error;
    });
    await this.#producerConnected;
    // Closed while it connected: close() found it not yet connected, so its connection would stay open.
    if (this.#closed) {
      await producer.disconnect().catch(() => undefined);
      throw new LogClosedError();
    }
    return producer;
  }

  #toMessages(topic: string, info: TopicInfo, records: readonly ProduceRecord[]): KafkaMessage[] {
    const routes = routeRecords(
      { name: topic, partitions: info.partitions, compacted: info.compacted },
      records,
      this.#sticky.next(topic, info.partitions),
    );
    // One object literal of one shape per record: spreading the route was a tenth of the produce path's CPU.
    const messages = new Array<KafkaMessage>(records.length);
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const route = routes[index]!;
      messages[index] = {
        key: route.key,
        value: toBuffer(record.value),
        partition: route.partition,
        timestamp: record.timestamp === undefined ? undefined : String(record.timestamp),
        headers: record.headers !== undefined && record.headers.length > 0 ? record.headers : undefined,
      };
    }
    return messages;
  }

  async #topicInfo(topic: string): Promise<TopicInfo> {
    const cached = this.#topics.get(topic);
    if (cached !== undefined && cached.expires > Date.now()) return cached;
    const metadata = await this.#call(topic, () => this.#admin.fetchTopicMetadata({ topics: [topic] }));
    const described = await this.#call(topic, () =>
      this.#admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: TOPIC_CONFIG_RESOURCE, name: topic }],
      }),
    );
    const configs: Record<string, string> = {};
    for (const entry of described.resources[0]?.configEntries ?? []) {
      if ((!entry.isDefault || entry.configName === 'cleanup.policy') && entry.configValue !== null) {
        configs[entry.configName] = entry.configValue;
      }
    }
    configs['cleanup.policy'] ??= 'delete';
    const info: TopicInfo = {
      partitions: metadata.topics[0]!.partitions.length,
      configs,
      compacted: configs['cleanup.policy'].split(',').includes('compact'),
      expires: Date.now() + TOPIC_INFO_TTL_MS,
    };
    this.#topics.set(topic, info);
    return info;
  }

  /**
   * Runs a kafkajs call, turning its errors into Sluice errors with stable codes. Coordinator and leader
   * moves and loads (common right after `__consumer_offsets` or a topic is created) are retried for a while.
   */
  async #call<T>(topic: string | undefined, operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + TRANSIENT_RETRY_MS;
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1000)) {
      // A call that was waiting (metadata, a backoff) when the log closed must not reach kafkajs: its
      // clients reconnect on use, and the new connection would keep the process alive.
      this.#assertOpen();
      try {
        return await operation();
      } catch (error) {
        const type = kafkaErrorType(error);
        if (type === undefined || !TRANSIENT_ERRORS.has(type) || Date.now() + backoff > deadline) {
          throw toSluiceError(error, topic);
        }
        await delay(backoff);
      }
    }
  }
}

/** `LogReader` on Kafka: a `BrokerClient` (so a cluster connection) of its own. */
class KafkaLogReader implements LogReader {
  readonly #client: BrokerClient;
  readonly #offsets: (topic: string) => Promise<PartitionOffsets[]>;
  readonly #onClose: () => void;
  /** Rejects the polls under way when the reader closes. */
  readonly #abandon = new Set<(error: Error) => void>();
  #closed = false;

  constructor(
    client: BrokerClient,
    offsets: (topic: string) => Promise<PartitionOffsets[]>,
    onClose: () => void,
  ) {
    this.#client = client;
    this.#offsets = offsets;
    this.#onClose = onClose;
  }

  connect(): Promise<void> {
    return this.#client.connect();
  }

  async fetchPartitions(
    topic: string,
    positions: readonly PartitionPosition[],
    options: FetchOptions = {},
  ): Promise<PartitionFetchResult[]> {
    if (this.#closed) throw new LogClosedError();
    validateTopicName(topic);
    const results = await this.fetchTopicPartitions(
      positions.map(({ partition, offset }) => ({ topic, partition, offset })),
      options,
    );
    return results.map(({ partition, records, highWatermark, nextOffset }) => ({
      partition,
      records,
      highWatermark,
      nextOffset,
    }));
  }

  async fetchTopicPartitions(
    positions: readonly TopicPartitionPosition[],
    options: PollOptions = {},
  ): Promise<TopicPartitionFetchResult[]> {
    if (this.#closed) throw new LogClosedError();
    for (const topic of new Set(positions.map((p) => p.topic))) validateTopicName(topic);
    let abandon: ((error: Error) => void) | undefined;
    try {
      const fetching = this.#client.fetchTopicPartitions({
        partitions: positions,
        maxBytes: options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES,
        maxWaitMs: options.maxWaitMs ?? 0,
        ...(options.minBytes === undefined ? {} : { minBytes: options.minBytes }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      // kafkajs lets a request under way finish before it closes a connection; the caller need not wait.
      const abandoned = new Promise<never>((_, reject) => {
        abandon = reject;
        this.#abandon.add(reject);
      });
      const results = await Promise.race([fetching, abandoned]);
      return results.map((result) => ({
        topic: result.topic,
        partition: result.partition,
        highWatermark: result.highWatermark,
        nextOffset: result.nextOffset,
        records: result.records.map((record) => ({
          topic: result.topic,
          partition: result.partition,
          ...record,
        })),
      }));
    } catch (error) {
      if (this.#closed) throw new LogClosedError();
      const at = error as { topic?: unknown; partition?: unknown; offset?: unknown };
      if (SluiceError.is(error) && error.code === 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE') {
        const { topic, partition, offset } = at as { topic: string; partition: number; offset: number };
        const range = (await this.#offsets(topic)).find((p) => p.partition === partition);
        if (range !== undefined)
          throw new OffsetOutOfRangeError(topic, partition, offset, range.beginning, range.end);
      }
      if (SluiceError.is(error) && error.code === 'SLUICE_KAFKA_UNKNOWN_TOPIC_OR_PARTITION') {
        throw new UnknownTopicError(at.topic as string, at.partition as number);
      }
      throw error;
    } finally {
      if (abandon !== undefined) this.#abandon.delete(abandon);
    }
  }

  /** Rejects polls under way at once; resolves when the connections are closed (after their last answer). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    for (const abandon of this.#abandon) abandon(new LogClosedError());
    this.#abandon.clear();
    // Its long polls were abandoned just above: their answers would only hold up whoever stops the reader.
    await this.#client.disconnect({ abandonInFlight: true });
  }
}

/** The Kafka error name of a kafkajs error, also when kafkajs wrapped it after its own retries. */
function kafkaErrorType(error: unknown): string | undefined {
  const seen = error as
    { type?: string; originalError?: unknown; cause?: unknown; errors?: unknown } | undefined;
  if (seen === undefined || seen === null) return undefined;
  if (typeof seen.type === 'string') return seen.type;
  if (seen.originalError !== undefined) return kafkaErrorType(seen.originalError);
  // kafkajs's aggregate errors (CreateTopics answers one error per topic).
  if (Array.isArray(seen.errors) && seen.errors.length > 0) return kafkaErrorType(seen.errors[0]);
  return seen.cause !== undefined && seen.cause !== error ? kafkaErrorType(seen.cause) : undefined;
}

/** The message of a kafkajs error; an aggregate's (CreateTopics: "Topic creation errors") is its first error's. */
function kafkaErrorMessage(error: unknown): string | undefined {
  const seen = error as { message?: string; errors?: unknown } | undefined;
  if (Array.isArray(seen?.errors) && seen.errors.length > 0) return kafkaErrorMessage(seen.errors[0]);
  return seen?.message;
}

/** Refusals of a request as it was made: asking again unchanged cannot succeed. */
const INVALID_REQUESTS = new Set([
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_REQUEST',
  'POLICY_VIOLATION',
  'UNSUPPORTED_VERSION',
]);
/** UNKNOWN_TOPIC_OR_PARTITION, as a DescribeConfigs answer reports it per resource. */
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** Kafka error codes of a DeleteGroups answer (kafkajs reports them per group, without a type). */
const GROUP_ID_NOT_FOUND = 69;
const NON_EMPTY_GROUP = 68;
/** COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR: worth another try. */
const COORDINATOR_MOVING = new Set([14, 15, 16]);

/** The error code of a group in kafkajs's DeleteGroups failure (possibly wrapped), if there is one. */
function groupErrorCode(error: unknown): number | undefined {
  const seen = error as { groups?: Array<{ errorCode?: number }>; originalError?: unknown } | undefined;
  const code = seen?.groups?.find(
    (group) => group.errorCode !== undefined && group.errorCode !== 0,
  )?.errorCode;
  if (code !== undefined) return code;
  return seen?.originalError !== undefined ? groupErrorCode(seen.originalError) : undefined;
}

function createProducer(kafka: Kafka): Producer {
  // One request in flight keeps a partition's batches in order across retries.
  return kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
}

/** A kafkajs error as Sluice's: its kind kept where callers tell kinds apart. Exported for its tests. */
export function toSluiceError(error: unknown, topic: string | undefined): Error {
  if (SluiceError.is(error)) return error;
  const retriable = kafkaErrorRetriable(error);
  const message = kafkaErrorMessage(error);
  // Also the type kafkajs wrapped after its own retries (KafkaJSNumberOfRetriesExceeded).
  const type = kafkaErrorType(error);
  if (
    topic !== undefined &&
    (type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      /does not host this topic-partition|unknown topic/i.test(message ?? ''))
  ) {
    return new UnknownTopicError(topic);
  }
  if (type === 'TOPIC_ALREADY_EXISTS' && topic !== undefined) return new TopicExistsError(topic);
  if (type === 'INVALID_CONFIG')
    return new InvalidTopicConfigError(message ?? String(error), { cause: error });
  if (type !== undefined && INVALID_REQUESTS.has(type)) {
    return new InvalidRequestError(type, message ?? String(error), { cause: error });
  }
  return new SluiceError('SLUICE_KAFKA_ERROR', `Kafka request failed: ${message ?? String(error)}`, {
    cause: error,
    retriable,
  });
}

/**
 * Whether asking again may succeed, as Kafka says of the error itself: kafkajs wraps the last error after its
 * own retries in KafkaJSNumberOfRetriesExceeded, which says "not retriable" of every error it wraps (Java's
 * producer hands the retriable exception itself over).
 */
function kafkaErrorRetriable(error: unknown): boolean {
  const seen = error as { name?: string; retriable?: boolean; cause?: unknown } | undefined;
  if (seen?.name === 'KafkaJSNumberOfRetriesExceeded' && seen.cause !== undefined && seen.cause !== error)
    return kafkaErrorRetriable(seen.cause);
  return seen?.retriable ?? false;
}

/**
 * `routeRecords`' decision for one record, without its object: Kafka's rules (a compacted topic takes keyed
 * records only; an explicit partition must exist; a key goes to murmur2, no key to the call's sticky partition).
 */
function partitionOf(
  topic: string,
  info: TopicInfo,
  key: Buffer | null,
  partition: number | undefined,
  sticky: number,
  index: number,
): number {
  if (info.compacted && key === null) {
    throw new InvalidRecordError(
      `record ${index}: a compacted topic ('${topic}') cannot accept a record without a key`,
    );
  }
  if (partition === undefined) return key === null ? sticky : partitionForKey(key, info.partitions);
  if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions)
    throw new UnknownTopicError(topic, partition);
  return partition;
}

function* chunksBySize(messages: readonly KafkaMessage[]): Generator<KafkaMessage[]> {
  let chunk: KafkaMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    let size = RECORD_OVERHEAD_BYTES + (message.key?.length ?? 0) + (message.value?.length ?? 0);
    for (const header of (message.headers as { key: string; value: Buffer | null }[] | undefined) ?? []) {
      size += header.key.length + (header.value?.length ?? 0) + 8;
    }
    if (chunk.length > 0 && bytes + size > MAX_SEND_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
