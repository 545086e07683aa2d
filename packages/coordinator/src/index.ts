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
  ConfigStore,
  type ConfigSnapshot,
  type ConnectorConfig,
  type TargetState,
} from './stores/config-store.js';
export { OffsetStore, type SourceMap, type SourceOffset } from './stores/offset-store.js';
export { StatusStore, type ActiveTopic, type State, type Status } from './stores/status-store.js';
export { ensureCompactedTopic } from './stores/topic-tail.js';
export {
  rebalance,
  STORM_GUARD_BACKOFF_MS,
  STORM_GUARD_MAX_BACKOFF_MS,
  type AssignmentError,
  type ConfiguredConnector,
  type HeldWork,
  type MemberAssignment,
  type RebalanceDelay,
  type RebalanceInput,
  type RebalanceMember,
  type RebalanceMemory,
  type RebalanceResult,
  type RememberedAssignment,
  type StormGuardState,
  type TaskRef,
} from './rebalancer/index.js';
