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
  type RestartRequest as StoredRestartRequest,
  type SessionKey,
  type TargetState,
} from './stores/config-store.js';
export { CorruptStateRecordError, StoreClosedError, StoreReadTimeoutError } from './stores/errors.js';
export {
  OffsetStore,
  type OffsetStoreOptions,
  type SourceMap,
  type SourceOffset,
} from './stores/offset-store.js';
export {
  StatusStore,
  type ActiveTopic,
  type State,
  type Status,
  type StatusChange,
  type StatusWrite,
} from './stores/status-store.js';
export {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  HerderError,
  NotFoundError,
  NotLeaderError,
  NotOwnerError,
  RebalanceNeededError,
  RequestTimeoutError,
  type HerderErrorCode,
} from './herder/errors.js';
export type {
  ConnectorInfo,
  ConnectorOffset,
  ConnectorStateInfo,
  ConnectorTaskId,
  ConnectorType,
  Herder,
  RestartRequest,
  StateInfo,
  TaskInfo,
} from './herder/herder.js';
export type { TaskEvents, TaskRuntime, TaskSpec, TaskStopOptions } from './herder/task-runtime.js';
export { WorkerHerder, type WorkerHerderOptions } from './herder/worker-herder.js';
export { Reconciler, restartPlan, type ConfigView, type ReconcilerOptions } from './herder/reconciler.js';
export { soleWorker, type ClusterRole } from './herder/cluster-role.js';
export { followConfigChanges } from './herder/config-follower.js';
export { everything } from './herder/sole-worker.js';
export { NO_WORK, splitTaskKey, taskKey, type WorkAssignment } from './herder/work.js';
export { PluginCatalog, type ResolveVariables } from './herder/plugin-catalog.js';
export {
  topicCreationSpec,
  topicSpecFor,
  usesTopicCreation,
  type TopicCreationGroup,
  type TopicCreationSpec,
} from './herder/topic-creation.js';
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
export {
  WORKER_PROTOCOLS,
  WorkerGroup,
  type ClusterDescription,
  type WorkerGroupOptions,
  type WorkerProtocolName,
} from './cluster/worker-group.js';
export {
  RANGE_ASSIGNOR_NAME,
  rangeAssign,
  type RangeAssignorMember,
} from './consumer-group/range-assignor.js';
