export { rebalance, STORM_GUARD_BACKOFF_MS, STORM_GUARD_MAX_BACKOFF_MS } from './rebalance.js';
export type {
  AssignmentError,
  ConfiguredConnector,
  HeldWork,
  MemberAssignment,
  RebalanceDelay,
  RebalanceInput,
  RebalanceMember,
  RebalanceMemory,
  RebalanceResult,
  RememberedAssignment,
  StormGuardState,
  TaskRef,
} from './types.js';
