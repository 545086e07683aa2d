export type {
  FetchOptions,
  FetchResult,
  GroupOffset,
  Header,
  Log,
  LogReader,
  LogRecord,
  PartitionFetchResult,
  PartitionOffsets,
  PartitionPosition,
  ProduceRecord,
  RecordPosition,
  TopicDescription,
  TopicSpec,
} from './types.js';
export {
  InvalidRecordError,
  InvalidTopicError,
  LogClosedError,
  OffsetOutOfRangeError,
  TopicExistsError,
  UnknownTopicError,
} from './errors.js';
export { MAX_TOPIC_NAME_LENGTH, validateTopicName } from './topic-name.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { EmbeddedLog, type EmbeddedLogOptions } from './embedded/embedded-log.js';
export { KafkaLog, type KafkaLogOptions } from './kafka/kafka-log.js';
