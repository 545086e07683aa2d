export type {
  AssignContext,
  AssignedEvent,
  AssignFunction,
  GroupMember,
  GroupMemberHandlers,
  GroupMemberInfo,
  GroupMemberState,
  RevocationReason,
  RevokedEvent,
} from './membership/group-member.js';
export { KafkaGroupMember } from './membership/kafka-group-member.js';
export type {
  GroupMemberLogger,
  GroupMemberLogLevel,
  KafkaGroupMemberOptions,
} from './membership/options.js';
export {
  CompactedTopicStore,
  ensureCompactedTopic,
  type ReadToEndOptions,
  type StoreOptions,
} from './stores/compacted-topic-store.js';
export {
  ConfigStore,
  type ConfigChange,
  type ConfigSnapshot,
  type ConnectorConfig,
  type RestartRequest,
  type SessionKey,
  type TargetState,
} from './stores/config-store.js';
export { CorruptStateRecordError, StoreClosedError, StoreReadTimeoutError } from './stores/errors.js';
export { OffsetStore, type SourceMap, type SourceOffset } from './stores/offset-store.js';
export {
  StatusStore,
  type ActiveTopic,
  type State,
  type Status,
  type StatusChange,
} from './stores/status-store.js';
