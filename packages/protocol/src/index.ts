export type { Codec } from './codec.js';
export { ProtocolDecodeError, ProtocolEncodeError } from './codec.js';
export type { GroupProtocol } from './group-protocol.js';
export { workerProtocol } from './group-protocol.js';
export * from './generated/index.js';
export * from './signing/index.js';
export {
  CONSUMER_PROTOCOL_TYPE,
  CONSUMER_PROTOCOL_VERSION,
  consumerProtocol,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type ConsumerAssignment,
  type ConsumerSubscription,
  type ConsumerTopicPartition,
  type Versioned,
} from './consumer-protocol.js';
