/** A record header. Kafka allows duplicate keys and null values; order is kept. */
export interface Header {
  key: string;
  value: Buffer | null;
}

export interface TopicSpec {
  name: string;
  /** @default 1 */
  partitions?: number;
  /** Kafka backend only; the embedded store keeps one copy. @default the broker's default */
  replicationFactor?: number;
  /** Topic-level configs by Kafka's names, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  /** Configs set on the topic (not broker defaults), always including `cleanup.policy`. */
  configs: Record<string, string>;
}

export interface ProduceRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Header[];
  /** Explicit partition; otherwise murmur2 of the key (Kafka's default partitioner), or round robin for null keys. */
  partition?: number;
  /** Create time in ms since the epoch. @default now */
  timestamp?: number;
}

/** Where an acknowledged record landed. */
export interface RecordPosition {
  partition: number;
  offset: number;
}

export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
}

export interface FetchOptions {
  /** Soft cap on the bytes returned; at least one record is returned when one exists. @default 1 MiB */
  maxBytes?: number;
  /** How long to wait for data when there is none at `offset`. @default 0 */
  maxWaitMs?: number;
}

export interface FetchResult {
  records: LogRecord[];
  /** The offset the next produced record will get in this partition (Kafka's high watermark). */
  highWatermark: number;
}

/** A partition and the offset to read it from. */
export interface PartitionPosition {
  partition: number;
  offset: number;
}

/** A partition of a topic and the offset to read it from. */
export interface TopicPartitionPosition extends PartitionPosition {
  topic: string;
}

/** What a long poll (`LogReader.fetchTopicPartitions`) takes besides the positions. */
export interface PollOptions extends FetchOptions {
  /**
   * Kafka backend only: how many bytes a leader waits for, across the partitions it was asked for, before
   * it answers (Kafka's `fetch.min.bytes`); the embedded store answers at the first record. @default 1
   */
  minBytes?: number;
  /**
   * Ends the poll early: it resolves with the partitions answered by then, often none. On Kafka a request
   * a leader has not answered yet is kept, and the next call with the same positions takes its answer.
   */
  signal?: AbortSignal;
}

export interface PartitionFetchResult extends FetchResult {
  partition: number;
  /**
   * Where to read this partition next: after the records returned and anything after them that cannot be
   * read (offsets compaction removed, transaction markers, aborted records); the requested offset when
   * nothing was returned.
   */
  nextOffset: number;
}

/**
 * Reads partitions over connections of its own, for long polls: a broker answers one request at a time per
 * connection, so a poll that waits for records must not sit in front of the log's other requests. Meant
 * for one reading loop (a follower); close it when done.
 */
export interface LogReader {
  /**
   * Records of several partitions of one topic from the given offsets, in one long poll: resolves as soon
   * as any of them has records (or after `maxWaitMs` with none). On Kafka, one Fetch per partition
   * leader; partitions whose leader had not answered yet are absent from the result, and their request is
   * kept for the next call with the same offsets. `maxBytes` applies per partition.
   */
  fetchPartitions(
    topic: string,
    positions: readonly PartitionPosition[],
    options?: FetchOptions,
  ): Promise<PartitionFetchResult[]>;
  /**
   * Records of partitions of one topic or several from the given offsets, in one long poll, as
   * `fetchPartitions` reads one topic's: on Kafka one Fetch per partition leader covering all of that
   * leader's partitions, whatever their topic. Resolves as soon as any of them has records (at least
   * `minBytes` on Kafka), after `maxWaitMs` with none, or when `signal` aborts. At least one position;
   * a partition may appear once. Fails as `fetchPartitions`, naming the topic and partition concerned.
   */
  fetchTopicPartitions(
    positions: readonly TopicPartitionPosition[],
    options?: PollOptions,
  ): Promise<TopicPartitionFetchResult[]>;
  /** Ends a poll under way (it resolves empty or rejects) and releases the reader's connections. */
  close(): Promise<void>;
}

export interface TopicPartitionFetchResult extends PartitionFetchResult {
  topic: string;
}

export interface PartitionOffsets {
  partition: number;
  /** Offset of the first record still kept (log start offset). */
  beginning: number;
  /** Offset of the next record to be written (high watermark). */
  end: number;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** The next offset the group will consume. */
  offset: number;
}

/**
 * The storage Sluice keeps all state and data in: Kafka's model of topics and partitions, offered by
 * an embedded durable store for a single worker and by a Kafka cluster for many.
 *
 * Every promise that resolves means the write is acknowledged: durable in the embedded store,
 * replicated per `acks=all` on Kafka.
 */
export interface Log {
  readonly backend: 'embedded' | 'kafka';
  /** The id of the Kafka cluster, or of the embedded store (made once, when the store is created). */
  clusterId(): Promise<string>;
  /** Creates a topic; fails with `SLUICE_TOPIC_EXISTS` if it exists. */
  createTopic(spec: TopicSpec): Promise<void>;
  /** Creates the topic when missing; returns what exists either way. */
  ensureTopic(spec: TopicSpec): Promise<TopicDescription>;
  describeTopic(name: string): Promise<TopicDescription | undefined>;
  /**
   * How many partitions the topic has now, undefined when it does not exist: `describeTopic` without the
   * configs, which on Kafka cost a DescribeConfigs and more metadata rounds (for a sink task, which asks
   * this at every start and rebalance).
   */
  partitionCount(name: string): Promise<number | undefined>;
  listTopics(): Promise<string[]>;
  deleteTopic(name: string): Promise<void>;
  /** Appends records; resolves with each record's position, in the order given, once acknowledged. */
  produce(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]>;
  /** Records of one partition from `offset` on, in offset order. */
  fetch(topic: string, partition: number, offset: number, options?: FetchOptions): Promise<FetchResult>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /** The latest record of each key (what compaction keeps), without tombstones, by partition then offset. */
  latestByKey(topic: string): Promise<LogRecord[]>;
  commitGroupOffsets(groupId: string, offsets: readonly GroupOffset[]): Promise<void>;
  /** Committed offsets of a group, for one topic or all. */
  fetchGroupOffsets(groupId: string, topic?: string): Promise<GroupOffset[]>;
  /**
   * Forgets a group's committed offsets: of the given partitions, or all of them (the group is then gone).
   * The group must have no active members. A group or partition with none is not an error.
   */
  deleteGroupOffsets(
    groupId: string,
    partitions?: readonly { topic: string; partition: number }[],
  ): Promise<void>;
  /** A reader with connections of its own, for long polls (see `LogReader`). Closed with the log at the latest. */
  openReader(): Promise<LogReader>;
  /** Closes the log and every reader it opened. */
  close(): Promise<void>;
}
