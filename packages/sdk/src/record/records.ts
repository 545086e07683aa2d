import type { Schema } from '../data/schema.js';
import { ConnectHeaders, type ConnectHeader } from '../header/headers.js';

/** A topic partition, as in Kafka. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A consumed position of a sink task: the next offset to read in a partition. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
  /** Free text stored with a committed offset. */
  readonly metadata?: string;
}

/** Fields common to every record; all but `topic` may be left out (they default to null, or empty headers). */
export interface ConnectRecordInit {
  topic: string;
  kafkaPartition?: number | null;
  keySchema?: Schema | null;
  key?: unknown;
  valueSchema?: Schema | null;
  value?: unknown;
  /** Milliseconds since the Unix epoch. */
  timestamp?: number | null;
  headers?: Iterable<ConnectHeader>;
}

/**
 * What every record carries (Connect's `ConnectRecord`). Records are immutable but for their headers; a
 * transform makes a changed copy with {@link ConnectRecord.newRecord}.
 */
export abstract class ConnectRecord {
  readonly topic: string;
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: unknown;
  readonly timestamp: number | null;
  readonly headers: ConnectHeaders;

  constructor(init: ConnectRecordInit) {
    this.topic = init.topic;
    this.kafkaPartition = init.kafkaPartition ?? null;
    this.keySchema = init.keySchema ?? null;
    this.key = init.key ?? null;
    this.valueSchema = init.valueSchema ?? null;
    this.value = init.value ?? null;
    this.timestamp = init.timestamp ?? null;
    this.headers = new ConnectHeaders(init.headers ?? []);
  }

  /** The common fields, with the headers copied, for building a changed record. */
  protected baseInit(): Required<ConnectRecordInit> {
    return {
      topic: this.topic,
      kafkaPartition: this.kafkaPartition,
      keySchema: this.keySchema,
      key: this.key,
      valueSchema: this.valueSchema,
      value: this.value,
      timestamp: this.timestamp,
      headers: this.headers.duplicate(),
    };
  }

  /**
   * A copy of this record of the same kind with some fields changed (Connect's `newRecord`); fields that are
   * not given keep their value, headers are copied (so the copy's can change without touching these).
   */
  abstract newRecord(changes: Partial<ConnectRecordInit>): this;
}

export interface SourceRecordInit extends ConnectRecordInit {
  /** Where the record comes from in the source system (a file, a table, a shard). */
  sourcePartition?: Record<string, unknown> | null;
  /** The position in that source partition; stored with Connect's offset format once the record is acked. */
  sourceOffset?: Record<string, unknown> | null;
}

/** A record a source task produces (Connect's `SourceRecord`). */
export class SourceRecord extends ConnectRecord {
  readonly sourcePartition: Readonly<Record<string, unknown>> | null;
  readonly sourceOffset: Readonly<Record<string, unknown>> | null;

  constructor(init: SourceRecordInit) {
    super(init);
    this.sourcePartition = init.sourcePartition ?? null;
    this.sourceOffset = init.sourceOffset ?? null;
  }

  newRecord(changes: Partial<SourceRecordInit>): this {
    return new SourceRecord({
      ...this.baseInit(),
      sourcePartition: this.sourcePartition,
      sourceOffset: this.sourceOffset,
      ...changes,
    }) as this;
  }
}

/** Kafka's timestamp types. */
export type TimestampType = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';

export interface SinkRecordInit extends ConnectRecordInit {
  kafkaPartition: number;
  kafkaOffset: number;
  /** @default 'NoTimestampType' */
  timestampType?: TimestampType;
  /** Where the record was consumed before transforms changed topic, partition or offset. @default the record's own */
  originalTopic?: string;
  originalKafkaPartition?: number;
  originalKafkaOffset?: number;
}

/** A record a sink task receives (Connect's `SinkRecord`). */
export class SinkRecord extends ConnectRecord {
  declare readonly kafkaPartition: number;
  readonly kafkaOffset: number;
  readonly timestampType: TimestampType;
  /** The topic, partition and offset the record was consumed from, whatever transforms did since. */
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: number;

  constructor(init: SinkRecordInit) {
    super(init);
    this.kafkaOffset = init.kafkaOffset;
    this.timestampType = init.timestampType ?? 'NoTimestampType';
    this.originalTopic = init.originalTopic ?? init.topic;
    this.originalKafkaPartition = init.originalKafkaPartition ?? init.kafkaPartition;
    this.originalKafkaOffset = init.originalKafkaOffset ?? init.kafkaOffset;
  }

  newRecord(changes: Partial<SinkRecordInit>): this {
    return new SinkRecord({
      ...this.baseInit(),
      kafkaPartition: this.kafkaPartition,
      kafkaOffset: this.kafkaOffset,
      timestampType: this.timestampType,
      originalTopic: this.originalTopic,
      originalKafkaPartition: this.originalKafkaPartition,
      originalKafkaOffset: this.originalKafkaOffset,
      ...changes,
    }) as this;
  }
}
