export { createKafka } from './kafka.js';
export { preloadKafkaProtocol } from './internals.js';
export type { KafkaClientConfig, KafkaLogLevel } from './kafka.js';
export { WriteGateClosedError } from './write-gate.js';
export type { WriteGate, WriteGateState } from './write-gate.js';
export { BrokerClient } from './broker-client.js';
export type { BrokerClientOptions } from './broker-client.js';
export type {
  FetchedRecord,
  FetchPartitionsRequest,
  FetchRequest,
  FetchResult,
  FetchTopicPartitionsRequest,
  PartitionFetchResult,
  TopicPartitionFetchResult,
} from './types.js';
export { groupRequestError, KafkaGroupClient } from './group-client.js';
export type {
  GroupCoordinatorClient,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResult,
  KafkaGroupClientOptions,
  LeaveGroupRequest,
  CommitOffsetsRequest,
  SyncGroupRequest,
} from './group-client.js';
export {
  FetchError,
  GroupErrorCode,
  GroupRequestError,
  KafkaInternalsError,
  OffsetOutOfRangeError,
  StaticMembershipUnsupportedError,
  UnknownTopicOrPartitionError,
} from './errors.js';
export type { GroupRequestName } from './errors.js';
export type { Kafka } from 'kafkajs';
export { BatchProducer, ProduceUnsupportedError } from './batch-producer.js';
export type { BatchProducerOptions } from './batch-producer.js';
export { crc32c, encodeRecordBatch } from './record-batch.js';
export type { BatchRecord } from './record-batch.js';
export type { PartitionBatch } from './produce-codec.js';
