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
  PollOptions,
  ProduceRecord,
  RecordPosition,
  TopicDescription,
  TopicPartitionFetchResult,
  TopicPartitionPosition,
  TopicSpec,
} from './types.js';
export type {
  AdminLog,
  BrokerInfo,
  ClusterAdmin,
  ClusterInfo,
  ConfigChange,
  ConfigEntry,
  ConfigSource,
  GroupInfo,
  GroupListing,
  GroupState,
  PartitionInfo,
} from './admin-types.js';
export {
  InvalidRecordError,
  InvalidRequestError,
  InvalidTopicConfigError,
  UnknownBrokerError,
  InvalidTopicError,
  LogClosedError,
  OffsetOutOfRangeError,
  TopicExistsError,
  UnknownTopicError,
} from './errors.js';
export { MAX_TOPIC_NAME_LENGTH, validateTopicName } from './topic-name.js';
export { TOPIC_CONFIG_DEFAULTS } from './embedded/topic-configs.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { EmbeddedLog, type EmbeddedLogOptions } from './embedded/embedded-log.js';
export { KafkaLog, type KafkaLogOptions } from './kafka/kafka-log.js';
