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
  StopOptions,
} from './membership/group-member.js';
export { KafkaGroupMember } from './membership/kafka-group-member.js';
export type {
  GroupMemberLogger,
  GroupMemberLogLevel,
  KafkaGroupMemberOptions,
} from './membership/options.js';
export { InMemoryGroupCoordinator } from './membership/in-memory-group-coordinator.js';
export type {
  GroupClock,
  GroupDescription,
  GroupStateName,
  InMemoryGroupCoordinatorOptions,
} from './membership/in-memory-group-coordinator.js';
export type { GroupProtocol } from '@sluice/protocol';
export {
  ConfigStore,
  type ConfigSnapshot,
  type ConnectorConfig,
  type TargetState,
} from './stores/config-store.js';
export { OffsetStore, type SourceMap, type SourceOffset } from './stores/offset-store.js';
export { StatusStore, type ActiveTopic, type State, type Status } from './stores/status-store.js';
export { ensureCompactedTopic } from './stores/topic-tail.js';
