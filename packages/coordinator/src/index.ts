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
