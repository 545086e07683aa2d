import { SluiceError } from '@sluice/errors';

export class InvalidTopicError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_INVALID_TOPIC', message);
  }
}

export class TopicExistsError extends SluiceError {
  constructor(topic: string) {
    super('SLUICE_TOPIC_EXISTS', `topic '${topic}' already exists`);
  }
}

export class UnknownTopicError extends SluiceError {
  constructor(topic: string, partition?: number) {
    super(
      'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      partition === undefined
        ? `topic '${topic}' does not exist`
        : `partition ${partition} of topic '${topic}' does not exist`,
    );
  }
}

export class OffsetOutOfRangeError extends SluiceError {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The partition's range when the error was found: `beginning` to `end` (both readable positions). */
  readonly beginning: number;
  readonly end: number;

  constructor(topic: string, partition: number, offset: number, beginning: number, end: number) {
    super(
      'SLUICE_OFFSET_OUT_OF_RANGE',
      `offset ${offset} is out of range for ${topic}-${partition} (valid: ${beginning} to ${end})`,
    );
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.beginning = beginning;
    this.end = end;
  }
}

export class InvalidRecordError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_INVALID_RECORD', message);
  }
}

export class LogClosedError extends SluiceError {
  constructor() {
    super('SLUICE_LOG_CLOSED', 'the log is closed');
  }
}

/** The embedded store's data directory is in use by another process. */
export class StoreLockedError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_STORE_LOCKED', message);
  }
}

/** The embedded store's file is damaged, truncated, emptied or replaced; the message says what to do. */
export class StoreCorruptError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_STORE_CORRUPT', message, options);
  }
}

/** A topic config the cluster does not take: an unknown name, or a value it refuses. */
export class InvalidTopicConfigError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_INVALID_TOPIC_CONFIG', message, options);
  }
}

/** A broker id the cluster does not have. */
export class UnknownBrokerError extends SluiceError {
  readonly brokerId: number;

  constructor(brokerId: number) {
    super('SLUICE_UNKNOWN_BROKER', `broker ${brokerId} is not part of the cluster`);
    this.brokerId = brokerId;
  }
}

/**
 * A request the cluster refused as invalid (a replication factor above the number of brokers, a partition
 * count it cannot take, a policy violation): retrying it unchanged cannot succeed.
 */
export class InvalidRequestError extends SluiceError {
  /** Kafka's name of the error, such as `INVALID_REPLICATION_FACTOR`. */
  readonly kafkaError: string;

  constructor(kafkaError: string, message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_KAFKA_INVALID_REQUEST', message, options);
    this.kafkaError = kafkaError;
  }
}
